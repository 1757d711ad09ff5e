// Command scan-and-watch calls the spreadscan coordinator with the generated Go client
// (gen/go): it scans a symbol for bull put spreads, prints the best ones as a table, then
// watches them live and prints the table again whenever the top N changes. When the symbol's
// market data is not live (unavailable, delayed or frozen) and when it is live again, an update
// carries the status (the initial update, or one that repeats the top N): it prints a line
// before that update. Every message is an update, and -updates counts them all.
//
// Its calls carry W3C trace context: a `traceparent` metadata entry, made here in the standard
// format (version 00, a random trace id, a random parent span id, sampled), so that when the
// services trace (OTEL_EXPORTER_OTLP_ENDPOINT set) its scan and its watch are found under the
// trace id it prints first. A program that uses the OpenTelemetry Go SDK would have its
// propagator write the entry from its own active span instead.
//
//	go run . -symbol SPY                     # against make run's coordinator, Ctrl-C to stop
//	go run . -addr 127.0.0.1:50052 -updates 3
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	coordinatorv1 "github.com/spreadscan/spreadscan/gen/go/spreadscan/coordinator/v1"
	scannerv1 "github.com/spreadscan/spreadscan/gen/go/spreadscan/scanner/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func main() {
	addr := flag.String("addr", envOr("SPREADSCAN_ADDR", "127.0.0.1:50052"), "coordinator address, host:port (default from SPREADSCAN_ADDR)")
	symbol := flag.String("symbol", "SPY", "underlying ticker")
	updates := flag.Int("updates", 0, "stop after this many watch updates; 0 watches until Ctrl-C")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *symbol, *updates, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scan-and-watch:", describe(err))
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, symbol string, updates int, out io.Writer) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := coordinatorv1.NewCoordinatorServiceClient(conn)

	// Every call of this run in one trace: the scan and the watch below inherit the entry.
	traceparent, traceID := newTraceparent()
	ctx = metadata.AppendToOutgoingContext(ctx, "traceparent", traceparent)
	fmt.Fprintf(out, "trace %s\n", traceID)

	// Bull put spreads expiring within 45 days, at most 5 wide, the best 10 by score.
	query := &scannerv1.ScanQuery{
		Strategies: []scannerv1.Strategy{scannerv1.Strategy_STRATEGY_BULL_PUT},
		Filters:    &scannerv1.ScanFilters{MaxDte: proto.Uint32(45), MaxWidth: proto.Float64(5)},
		Limit:      proto.Uint32(10),
	}

	scanCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	scan, err := client.Scan(scanCtx, &coordinatorv1.ScanRequest{Symbol: symbol, Query: query})
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	fmt.Fprintf(out, "scan (job %s, cache hit %t)\n", scan.GetJobId(), scan.GetCacheHit())
	printTable(out, scan.GetResult())

	stream, err := client.WatchSpreads(ctx, &coordinatorv1.WatchSpreadsRequest{Symbol: symbol, Query: query})
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	for received := 0; updates == 0 || received < updates; received++ {
		message, err := stream.Recv()
		if status.Code(err) == codes.Canceled && ctx.Err() != nil {
			return nil // Ctrl-C
		}
		if err != nil {
			return fmt.Errorf("watch: %w", err)
		}
		if marketData := message.GetStatus(); marketData != nil {
			printStatus(out, marketData)
		}
		update := message.GetUpdate()
		fmt.Fprintf(out, "\nupdate %d (initial %t): +%d -%d\n", update.GetSequence(), update.GetInitial(), len(update.GetAddedIds()), len(update.GetRemovedIds()))
		printTable(out, update.GetResult())
	}
	return nil
}

// newTraceparent makes a W3C traceparent value, "00-<trace id>-<parent id>-01", with random
// ids (16 and 8 bytes, in lowercase hex), and returns it with its trace id.
func newTraceparent() (string, string) {
	ids := make([]byte, 24)
	if _, err := rand.Read(ids); err != nil {
		panic(err) // crypto/rand does not fail on the platforms Go supports
	}
	traceID := hex.EncodeToString(ids[:16])
	return "00-" + traceID + "-" + hex.EncodeToString(ids[16:]) + "-01", traceID
}

// printStatus writes the symbol's market data state: "SPY: market data unavailable since
// 2026-12-07T14:02:11Z (the reason)". The top N printed last is as of then.
func printStatus(out io.Writer, marketData *coordinatorv1.MarketDataStatus) {
	state := strings.ToLower(strings.TrimPrefix(marketData.GetState().String(), "MARKET_DATA_STATE_"))
	reason := ""
	if marketData.GetReason() != "" {
		reason = " (" + marketData.GetReason() + ")"
	}
	fmt.Fprintf(out, "\n%s: market data %s since %s%s\n", marketData.GetSymbol(), state, marketData.GetSince().AsTime().Format(time.RFC3339), reason)
}

func printTable(out io.Writer, result *scannerv1.ScanResult) {
	fmt.Fprintf(out, "%s %.2f as of %s\n", result.GetSymbol(), result.GetUnderlyingPrice(), result.GetChainAsOf().AsTime().Format(time.RFC3339))
	table := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "STRATEGY\tEXPIRY\tDTE\tSTRIKES\tCREDIT\tMAX LOSS\tPOP\tEV\tSCORE")
	for _, spread := range result.GetSpreads() {
		strikes := make([]string, 0, len(spread.GetLegs()))
		for _, leg := range spread.GetLegs() {
			strikes = append(strikes, strconv.FormatFloat(leg.GetStrike(), 'f', -1, 64))
		}
		fmt.Fprintf(table, "%s\t%s\t%d\t%s\t%.2f\t%.0f\t%.1f%%\t%.2f\t%.3f\n",
			strategyName(spread.GetStrategy()), spread.GetExpiryDate(), spread.GetDte(),
			strings.Join(strikes, "/"), spread.GetNetCredit(), spread.GetMaxLoss(), 100*spread.GetPop(), spread.GetExpectedValue(), spread.GetScore())
	}
	table.Flush()
}

// strategyName turns STRATEGY_BULL_PUT into bull-put, as the spreadscan CLI writes it.
func strategyName(strategy scannerv1.Strategy) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(strategy.String(), "STRATEGY_")), "_", "-")
}

// describe adds the google.rpc.BadRequest field violations a failed call carries, if any.
func describe(err error) string {
	var grpcErr interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &grpcErr) {
		return err.Error()
	}
	text := err.Error()
	for _, detail := range grpcErr.GRPCStatus().Details() {
		if badRequest, ok := detail.(*errdetails.BadRequest); ok {
			for _, violation := range badRequest.GetFieldViolations() {
				text += fmt.Sprintf("\n  %s: %s", violation.GetField(), violation.GetDescription())
			}
		}
	}
	return text
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

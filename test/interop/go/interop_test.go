// Package interop calls a running coordinator with the generated Go client (gen/go), as a
// Go user would. test/interop/interop.test.ts starts the services and runs it with
// COORDINATOR_ADDR set; without it every test is skipped.
package interop

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	coordinatorv1 "github.com/spreadscan/spreadscan/gen/go/spreadscan/coordinator/v1"
	scannerv1 "github.com/spreadscan/spreadscan/gen/go/spreadscan/scanner/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Bull put spreads expiring within 45 days, at most 5 wide, the best 10.
func bullPuts() *scannerv1.ScanQuery {
	return &scannerv1.ScanQuery{
		Strategies: []scannerv1.Strategy{scannerv1.Strategy_STRATEGY_BULL_PUT},
		Filters:    &scannerv1.ScanFilters{MaxDte: proto.Uint32(45), MaxWidth: proto.Float64(5)},
		Limit:      proto.Uint32(10),
	}
}

func coordinator(t *testing.T) (coordinatorv1.CoordinatorServiceClient, context.Context) {
	t.Helper()
	addr := os.Getenv("COORDINATOR_ADDR")
	if addr == "" {
		t.Skip("COORDINATOR_ADDR is not set: run through test/interop/interop.test.ts, or against make run with COORDINATOR_ADDR=127.0.0.1:50052")
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("connect to %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return coordinatorv1.NewCoordinatorServiceClient(conn), ctx
}

func TestScan(t *testing.T) {
	client, ctx := coordinator(t)
	response, err := client.Scan(ctx, &coordinatorv1.ScanRequest{Symbol: "SPY", Query: bullPuts()})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	result := response.GetResult()
	if result.GetSymbol() != "SPY" || response.GetJobId() == "" || result.GetUnderlyingPrice() <= 0 {
		t.Fatalf("Scan answered symbol %q, job %q, underlying %v", result.GetSymbol(), response.GetJobId(), result.GetUnderlyingPrice())
	}
	spreads := result.GetSpreads()
	if len(spreads) == 0 || len(spreads) > 10 {
		t.Fatalf("Scan answered %d spreads, want 1 to 10", len(spreads))
	}
	for _, spread := range spreads {
		if spread.GetStrategy() != scannerv1.Strategy_STRATEGY_BULL_PUT || spread.GetDte() > 45 || spread.GetWidth() > 5 || len(spread.GetLegs()) != 2 {
			t.Errorf("spread %s is outside the query: %v, %d DTE, width %v, %d legs", spread.GetId(), spread.GetStrategy(), spread.GetDte(), spread.GetWidth(), len(spread.GetLegs()))
		}
		if spread.GetNetCredit() <= 0 || spread.GetPop() <= 0 || spread.GetPop() >= 1 {
			t.Errorf("spread %s: credit %v, POP %v", spread.GetId(), spread.GetNetCredit(), spread.GetPop())
		}
	}
}

func TestWatchSpreads(t *testing.T) {
	client, ctx := coordinator(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := client.WatchSpreads(ctx, &coordinatorv1.WatchSpreadsRequest{Symbol: "SPY", Query: bullPuts()})
	if err != nil {
		t.Fatalf("WatchSpreads: %v", err)
	}
	var previous uint64
	for i := range 3 {
		message, err := stream.Recv()
		if err != nil {
			t.Fatalf("WatchSpreads message %d: %v", i+1, err)
		}
		update := message.GetUpdate()
		t.Logf("sequence %d, initial %t, %d spreads, +%d -%d", update.GetSequence(), update.GetInitial(), len(update.GetResult().GetSpreads()), len(update.GetAddedIds()), len(update.GetRemovedIds()))
		if update.GetSequence() <= previous {
			t.Fatalf("sequence %d after %d", update.GetSequence(), previous)
		}
		if update.GetInitial() != (i == 0) || update.GetResult().GetSymbol() != "SPY" || len(update.GetResult().GetSpreads()) == 0 {
			t.Fatalf("message %d: initial %t, symbol %q, %d spreads", i+1, update.GetInitial(), update.GetResult().GetSymbol(), len(update.GetResult().GetSpreads()))
		}
		previous = update.GetSequence()
	}
}

func TestInvalidScanCarriesBadRequestDetails(t *testing.T) {
	client, ctx := coordinator(t)
	query := &scannerv1.ScanQuery{Filters: &scannerv1.ScanFilters{MinDte: proto.Uint32(30), MaxDte: proto.Uint32(5), MinPop: proto.Float64(2)}}
	_, err := client.Scan(ctx, &coordinatorv1.ScanRequest{Symbol: "SPY!", Query: query})
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		t.Fatalf("Scan answered %v, want INVALID_ARGUMENT", err)
	}
	var fields []string
	for _, detail := range st.Details() {
		if badRequest, isBadRequest := detail.(*errdetails.BadRequest); isBadRequest {
			for _, violation := range badRequest.GetFieldViolations() {
				t.Logf("%s: %s", violation.GetField(), violation.GetDescription())
				if violation.GetDescription() == "" {
					t.Errorf("violation of %s has no description", violation.GetField())
				}
				fields = append(fields, violation.GetField())
			}
		}
	}
	joined := strings.Join(fields, " ")
	if !strings.Contains(" "+joined+" ", " symbol ") || !strings.Contains(joined, "query.filters.") {
		t.Fatalf("field violations %v, want symbol and query.filters.*", fields)
	}
}

func TestUnknownSymbolIsNotFound(t *testing.T) {
	client, ctx := coordinator(t)
	_, err := client.Scan(ctx, &coordinatorv1.ScanRequest{Symbol: "ZZZZ", Query: bullPuts()})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("Scan answered %v, want NOT_FOUND", err)
	}
}

"""Calls the spreadscan coordinator with the generated Python client (gen/python).

Scans a symbol for bull put spreads, prints the best ones as a table, then watches them
live and prints the table again whenever the top N changes. When the symbol's market data
is not live (unavailable, delayed or frozen) and when it is live again, an update carries
the status (the initial update, or one that repeats the top N): it prints a line before
that update. Every message is an update, and --updates counts them all.

    .tools/venv/bin/python examples/python/scan_and_watch.py --symbol SPY     # Ctrl-C to stop
    .tools/venv/bin/python examples/python/scan_and_watch.py --addr 127.0.0.1:50052 --updates 3

Its calls carry W3C trace context: a `traceparent` metadata entry made here in the standard
format (version 00, random trace and parent ids, sampled), so that when the services trace
(OTEL_EXPORTER_OTLP_ENDPOINT set) its scan and watch are found under the trace id it prints
first. A program using the OpenTelemetry Python SDK would let its propagator write the entry.

It needs the `spreadscan-proto` package (gen/python) and grpcio-status, both in the
.tools/venv that `make setup` and `make check-python` prepare.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from spreadscan.coordinator.v1 import coordinator_service_pb2 as coordinator
from spreadscan.coordinator.v1 import coordinator_service_pb2_grpc as coordinator_grpc
from spreadscan.scanner.v1 import query_pb2, scan_result_pb2

# Bull put spreads expiring within 45 days, at most 5 wide, the best 10 by score.
QUERY = query_pb2.ScanQuery(
    strategies=[query_pb2.STRATEGY_BULL_PUT],
    filters=query_pb2.ScanFilters(max_dte=45, max_width=5),
    limit=10,
)


def strategy_name(strategy: int) -> str:
    """STRATEGY_BULL_PUT as the spreadscan CLI writes it: bull-put."""
    return query_pb2.Strategy.Name(strategy).removeprefix("STRATEGY_").lower().replace("_", "-")


def print_table(result: scan_result_pb2.ScanResult) -> None:
    as_of = result.chain_as_of.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"{result.symbol} {result.underlying_price:.2f} as of {as_of}")
    rows = [("STRATEGY", "EXPIRY", "DTE", "STRIKES", "CREDIT", "MAX LOSS", "POP", "EV", "SCORE")]
    for spread in result.spreads:
        rows.append((
            strategy_name(spread.strategy),
            spread.expiry_date,
            str(spread.dte),
            "/".join(f"{leg.strike:g}" for leg in spread.legs),
            f"{spread.net_credit:.2f}",
            f"{spread.max_loss:.0f}",
            f"{100 * spread.pop:.1f}%",
            f"{spread.expected_value:.2f}",
            f"{spread.score:.3f}",
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    sys.stdout.flush()


def print_status(status: coordinator.MarketDataStatus) -> None:
    """The symbol's market data state; the table printed last is as of then."""
    state = coordinator.MarketDataState.Name(status.state).removeprefix("MARKET_DATA_STATE_").lower()
    since = status.since.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")
    reason = f" ({status.reason})" if status.reason else ""
    print(f"\n{status.symbol}: market data {state} since {since}{reason}")
    sys.stdout.flush()


def describe(error: grpc.RpcError) -> str:
    """The status of a failed call, with its google.rpc.BadRequest field violations."""
    text = f"{error.code().name}: {error.details()}"
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            for violation in bad_request.field_violations:
                text += f"\n  {violation.field}: {violation.description}"
    return text


def new_traceparent() -> tuple[str, str]:
    """A W3C traceparent value, "00-<trace id>-<parent id>-01" (random ids, sampled), and its trace id."""
    trace_id = secrets.token_hex(16)
    return f"00-{trace_id}-{secrets.token_hex(8)}-01", trace_id


def run(addr: str, symbol: str, updates: int) -> None:
    # Every call of this run in one trace, found by the id printed first when the services trace.
    traceparent, trace_id = new_traceparent()
    trace_context = (("traceparent", traceparent),)
    print(f"trace {trace_id}")
    with grpc.insecure_channel(addr) as channel:
        client = coordinator_grpc.CoordinatorServiceStub(channel)
        scan = client.Scan(coordinator.ScanRequest(symbol=symbol, query=QUERY), timeout=30, metadata=trace_context)
        print(f"scan (job {scan.job_id}, cache hit {scan.cache_hit})")
        print_table(scan.result)

        stream = client.WatchSpreads(coordinator.WatchSpreadsRequest(symbol=symbol, query=QUERY), metadata=trace_context)
        try:
            for received, message in enumerate(stream, start=1):
                if message.HasField("status"):
                    print_status(message.status)
                update = message.update
                print(f"\nupdate {update.sequence} (initial {update.initial}): "
                      f"+{len(update.added_ids)} -{len(update.removed_ids)}")
                print_table(update.result)
                if received == updates:
                    break
        finally:
            stream.cancel()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default=os.environ.get("SPREADSCAN_ADDR") or "127.0.0.1:50052",
                        help="coordinator address, host:port (default: $SPREADSCAN_ADDR or 127.0.0.1:50052)")
    parser.add_argument("--symbol", default="SPY", help="underlying ticker (default: SPY)")
    parser.add_argument("--updates", type=int, default=0,
                        help="stop after this many watch updates; 0 watches until Ctrl-C")
    arguments = parser.parse_args()
    try:
        run(arguments.addr, arguments.symbol, arguments.updates)
    except grpc.RpcError as error:
        print(f"scan_and_watch: {describe(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Calls a running coordinator with the generated Python client (gen/python), as a Python
user would. test/interop/interop.test.ts starts the services and runs this with
COORDINATOR_ADDR set, in the .tools/venv where `make check-python` installs gen/python;
without COORDINATOR_ADDR every test is skipped."""

from __future__ import annotations

import itertools
import os

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from spreadscan.coordinator.v1 import coordinator_service_pb2 as coordinator
from spreadscan.coordinator.v1 import coordinator_service_pb2_grpc as coordinator_grpc
from spreadscan.scanner.v1 import query_pb2

ADDR = os.environ.get("COORDINATOR_ADDR", "")
pytestmark = pytest.mark.skipif(not ADDR, reason="COORDINATOR_ADDR is not set: run through test/interop/interop.test.ts")

# Bull put spreads expiring within 45 days, at most 5 wide, the best 10.
BULL_PUTS = query_pb2.ScanQuery(
    strategies=[query_pb2.STRATEGY_BULL_PUT],
    filters=query_pb2.ScanFilters(max_dte=45, max_width=5),
    limit=10,
)


@pytest.fixture(scope="module")
def client():
    with grpc.insecure_channel(ADDR) as channel:
        yield coordinator_grpc.CoordinatorServiceStub(channel)


def test_scan(client):
    response = client.Scan(coordinator.ScanRequest(symbol="SPY", query=BULL_PUTS), timeout=30)
    assert response.result.symbol == "SPY"
    assert response.job_id
    assert response.result.underlying_price > 0
    assert 1 <= len(response.result.spreads) <= 10
    for spread in response.result.spreads:
        assert spread.strategy == query_pb2.STRATEGY_BULL_PUT
        assert spread.dte <= 45
        assert spread.width <= 5
        assert len(spread.legs) == 2
        assert spread.net_credit > 0
        assert 0 < spread.pop < 1


def test_watch_spreads(client):
    stream = client.WatchSpreads(coordinator.WatchSpreadsRequest(symbol="SPY", query=BULL_PUTS), timeout=30)
    try:
        updates = [message.update for message in itertools.islice(stream, 3)]
    finally:
        stream.cancel()
    assert len(updates) == 3
    sequences = [update.sequence for update in updates]
    assert sequences == sorted(set(sequences)), sequences
    assert [update.initial for update in updates] == [True, False, False]
    for update in updates:
        assert update.result.symbol == "SPY"
        assert len(update.result.spreads) > 0


def test_invalid_scan_carries_bad_request_details(client):
    query = query_pb2.ScanQuery(filters=query_pb2.ScanFilters(min_dte=30, max_dte=5, min_pop=2))
    with pytest.raises(grpc.RpcError) as failure:
        client.Scan(coordinator.ScanRequest(symbol="SPY!", query=query), timeout=30)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(failure.value)
    assert status is not None
    violations = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend(bad_request.field_violations)
    fields = [violation.field for violation in violations]
    assert "symbol" in fields, fields
    assert any(field.startswith("query.filters.") for field in fields), fields
    assert all(violation.description for violation in violations)


def test_unknown_symbol_is_not_found(client):
    with pytest.raises(grpc.RpcError) as failure:
        client.Scan(coordinator.ScanRequest(symbol="ZZZZ", query=BULL_PUTS), timeout=30)
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND

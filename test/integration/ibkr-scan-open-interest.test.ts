// Issue 16's first "done when": through the coordinator (a process, MARKET_DATA=ibkr) and the
// scanner, against a fake TWS that sends open interest only on streams with generic tick 101
// (ticks 27 and 28) and leaves half its options untraded, a SPY scan with a minimum open
// interest of 1 returns spreads whose legs all carry open interest, within IBKR's limits (no
// error 100 or 101). Before the provider asked for open interest this answered OK with 0 spreads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary } from "../support/echo-server.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";
import type { FakeTws } from "../fixtures/fake-tws/index.js";

const MAX_LINES = 40;
const QUERY = ScanQuery.fromPartial({
  // Puts: the side whose open interest was read from the call's tick (0) before.
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1, minOpenInterest: 1n },
  limit: 10,
});

let stack: IbkrCoordinatorStack;
let fake: FakeTws;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 5, maxLines: 100, untradedShare: 0.5 },
    coordinatorEnv: { IB_CLIENT_ID: "4", IB_MAX_LINES: String(MAX_LINES), SCAN_CACHE_TTL: "0", STALE_RESULT_MAX_AGE: "0" },
  });
  ({ fake, client } = stack);
});

afterAll(() => stack.stop());

describe("a scan with a minimum open interest on IBKR market data", () => {
  it("returns bull puts whose legs all carry open interest, with no pacing error", async () => {
    const scanned = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }), { deadlineMs: 60_000 });
    expect(scanned.error).toBeUndefined();
    const spreads = scanned.response?.result?.spreads ?? [];
    expect(spreads.length).toBe(10);
    const legs = spreads.flatMap((spread) => spread.legs);
    for (const leg of legs) {
      expect(leg.openInterestUnknown).toBe(false);
      expect(leg.openInterest).toBeGreaterThanOrEqual(1n);
    }
    expect(spreads.every((spread) => spread.strategy === Strategy.STRATEGY_BULL_PUT)).toBe(true);
    expect(fake.stats.marketDataRequests.streamWithOpenInterest).toBeGreaterThan(10);
    expect(fake.stats.marketDataRequests.snapshot).toBe(0);
    expect(fake.stats.error100).toBe(0);
    expect(fake.stats.error101).toBe(0);
  });
});

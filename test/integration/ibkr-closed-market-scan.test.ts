// Issue 16's "done when" for a closed market, end to end: the coordinator process with
// MARKET_DATA=ibkr, the scanner process, and the fake TWS with its market closed. A scan answers
// spreads marked frozen (the close's quotes, via frozen market data), never an empty OK result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary } from "../support/echo-server.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";
import type { FakeTws } from "../fixtures/fake-tws/index.js";

/** Bull puts with short deltas 0.20–0.30 and $1 wings, 20 to 35 days out. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});

let stack: IbkrCoordinatorStack;
let fake: FakeTws;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 5, marketClosed: true },
    coordinatorEnv: { IB_CLIENT_ID: "4", SCAN_CACHE_TTL: "0", STALE_RESULT_MAX_AGE: "0" },
  });
  ({ fake, client } = stack);
});

afterAll(() => stack.stop());

describe("a scan while the market is closed", () => {
  it("answers spreads marked frozen, priced from the close's quotes", async () => {
    const scanned = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }), { deadlineMs: 60_000 });
    expect(scanned.error).toBeUndefined();
    const result = scanned.response?.result;
    expect(result?.frozen).toBe(true);
    expect(result?.spreads.length).toBe(5);
    for (const spread of result?.spreads ?? []) {
      expect(spread.netCredit).toBeGreaterThan(0);
      for (const leg of spread.legs) {
        expect(leg.bid).toBeGreaterThan(0);
        expect(leg.bid).toBeLessThanOrEqual(leg.ask);
      }
    }
    expect(fake.stats.error100).toBe(0);
  });
});

// Issue 16, behaviours 6, 7 and 9 as a watcher sees them: the coordinator as a process on IBKR
// market data, through the real @stoqey/ib to the fake TWS over loopback. A competing session
// takes the account's market data and gives it back (TWS says nothing then: the feed must ask
// again), and the market closes and opens; each change reaches the watcher as a status.
import { status, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoordinatorServiceClient,
  MarketDataState,
  WatchSpreadsRequest,
  type MarketDataStatus,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";
import type { FakeTws } from "../fixtures/fake-tws/index.js";

const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});
const { MARKET_DATA_STATE_LIVE: LIVE, MARKET_DATA_STATE_FROZEN: FROZEN, MARKET_DATA_STATE_UNAVAILABLE: UNAVAILABLE } = MarketDataState;

let stack: IbkrCoordinatorStack;
let fake: FakeTws;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  // The market moves while open: each tick pushes fresh quotes to the open lines.
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 9, maxLines: 100 },
    coordinatorEnv: { IB_CLIENT_ID: "6", IB_MAX_LINES: "40", IB_LOOKUP_TIMEOUT: "5" },
    tickMs: 200,
  });
  ({ fake, client } = stack);
}, 60_000);

afterAll(() => stack.stop());

function watch(symbol: string) {
  const call: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol, query: QUERY, minIntervalMs: 1 }));
  const messages: WatchSpreadsResponse[] = [];
  const errors: unknown[] = [];
  call.on("data", (message: WatchSpreadsResponse) => messages.push(message));
  call.on("error", (error: Error & { code: status }) => {
    if (error.code !== status.CANCELLED) errors.push(error);
  });
  return {
    messages,
    errors,
    statuses: (): MarketDataStatus[] => messages.flatMap((message) => (message.status ? [message.status] : [])),
    updates: (): number => messages.filter((message) => message.update).length,
    cancel: () => call.cancel(),
  };
}

describe("a watch while TWS runs its sessions", () => {
  it("hears a competing session take the data (10197) and give it back, and gets updates again", async () => {
    const watcher = watch("SPY");
    try {
      await expect.poll(() => watcher.updates(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      expect(watcher.statuses()).toEqual([]);

      fake.setCompetingSession(true);
      await expect.poll(() => watcher.statuses().at(-1)?.state, { timeout: 20_000 }).toBe(UNAVAILABLE);
      expect(watcher.statuses().at(-1)?.reason).toContain("10197");

      // No chain while TWS sends nothing: the watcher is not told the data is live again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(watcher.statuses().at(-1)?.state).toBe(UNAVAILABLE);

      // The market stands still from here, so the price the updates carry can be compared.
      stack.stopTicking();
      fake.setCompetingSession(false);
      await expect.poll(() => watcher.statuses().at(-1)?.state, { timeout: 30_000 }).toBe(LIVE);
      for (let step = 0; step < 10; step++) fake.tick();
      const spot = Math.round(fake.spot("SPY")! * 100) / 100;
      // Fresh data reaches the watcher: the updates follow the market again.
      await expect
        .poll(() => Math.abs((watcher.messages.findLast((message) => message.update)?.update?.result?.underlyingPrice ?? 0) - spot), { timeout: 20_000 })
        .toBeLessThan(0.005);
      expect(watcher.errors).toEqual([]);
      // Lines stopped by 10197 were cancelled at TWS, none left holding a line.
      expect(fake.stats.cancelsOfErrored).toBeGreaterThan(0);
      await expect.poll(() => fake.stats.erroredLinesHeld, { timeout: 10_000 }).toBe(0);
    } finally {
      watcher.cancel();
      fake.setCompetingSession(false);
      stack.startTicking(200);
    }
  });

  it("hears the market close (frozen data) and open (live again)", async () => {
    const watcher = watch("QQQ");
    try {
      await expect.poll(() => watcher.updates(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      fake.setMarketClosed(true);
      await expect.poll(() => watcher.statuses().at(-1)?.state, { timeout: 20_000 }).toBe(FROZEN);
      fake.setMarketClosed(false);
      await expect.poll(() => watcher.statuses().at(-1)?.state, { timeout: 20_000 }).toBe(LIVE);
      expect(watcher.errors).toEqual([]);
    } finally {
      watcher.cancel();
      fake.setMarketClosed(false);
    }
  });
});

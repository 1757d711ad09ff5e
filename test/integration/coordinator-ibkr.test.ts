// The coordinator with MARKET_DATA=ibkr, as a process, talking through the real @stoqey/ib to
// the fake TWS over loopback TCP: scans built from the fake's quotes within IBKR's limits,
// NOT_FOUND for a symbol TWS does not know, readiness and fast failures while TWS has lost
// its connection to IBKR, and a watch that carries on across a dropped socket, its watcher told.
import { status, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoordinatorServiceClient,
  MarketDataState,
  ScanRequest,
  WatchSpreadsRequest,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";
import type { FakeTws } from "../fixtures/fake-tws/index.js";

const MAX_LINES = 40;
/** Bull puts with short deltas 0.20–0.30 and $1 wings, 20 to 35 days out: a few dozen contracts. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});

let stack: IbkrCoordinatorStack;
let fake: FakeTws;
let adminPort: number;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 5, maxLines: 100 },
    coordinatorEnv: {
      IB_CLIENT_ID: "3",
      IB_MAX_LINES: String(MAX_LINES),
      IB_LOOKUP_TIMEOUT: "5",
      // Results of one query are not reused from the cache, nor answered stale: each scan fetches.
      SCAN_CACHE_TTL: "0",
      STALE_RESULT_MAX_AGE: "0",
    },
  });
  ({ fake, adminPort, client } = stack);
  // Ready once connected to TWS.
  for (let attempt = 0; attempt < 100 && (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status !== 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

afterAll(() => stack.stop());

const scan = (symbol: string, query = QUERY) => callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query }), { deadlineMs: 30_000 });

describe("the coordinator on IBKR market data", () => {
  it("scans spreads whose quotes came from TWS, within IBKR's message and line limits", async () => {
    const before = { requests: fake.stats.streams };
    const scanned = await scan("SPY");
    expect(scanned.error).toBeUndefined();
    const result = scanned.response?.result;
    expect(result?.spreads.length).toBe(5);
    expect(result?.delayed).toBe(false);
    // The chain's underlying is the fake's spot, and every leg was asked of the fake.
    expect(result?.underlyingPrice).toBeCloseTo(fake.spot("SPY") ?? Number.NaN, 2);
    expect(fake.stats.streams - before.requests).toBeGreaterThan(10);
    for (const spread of result?.spreads ?? []) {
      expect(spread.dte).toBeGreaterThanOrEqual(20);
      expect(spread.dte).toBeLessThanOrEqual(35);
      for (const leg of spread.legs) expect(leg.bid).toBeLessThanOrEqual(leg.ask);
    }
    expect(fake.stats.error100).toBe(0);
    expect(fake.stats.error101).toBe(0);
    expect(fake.stats.maxOpenLines).toBeLessThanOrEqual(MAX_LINES);
  });

  it("answers NOT_FOUND for a symbol TWS has no definition for", async () => {
    fake.setUnknownSymbols(["ZZZZ"]);
    const missing = failureOf(await scan("ZZZZ"), status.NOT_FOUND);
    expect(missing.details).toContain("ZZZZ");
  });

  it("fails readiness and fails scans fast while TWS has lost IBKR (1100), and recovers on 1101", async () => {
    fake.sendConnectivity(1100);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(503);
    const down = failureOf(await scan("QQQ"), status.UNAVAILABLE);
    expect(down.details.length).toBeGreaterThan(0);
    fake.sendConnectivity(1101);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
    expect((await scan("QQQ")).error).toBeUndefined();
  });

  it("keeps a watch going across a dropped socket, with fresh data after the reconnection, and tells the watcher meanwhile", async () => {
    const watch: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(
      WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY, minIntervalMs: 1 }),
    );
    const received: WatchSpreadsResponse[] = [];
    const errors: unknown[] = [];
    watch.on("data", (message: WatchSpreadsResponse) => received.push(message));
    watch.on("error", (error: Error & { code: status }) => {
      if (error.code !== status.CANCELLED) errors.push(error);
    });
    // New top Ns: a change of state comes on a repeat of the last one, which is no fresh data.
    const updates = () => received.flatMap((message) => (message.update && (message.update.initial || !message.status) ? [message.update] : []));
    const states = () => received.flatMap((message) => (message.status ? [message.status.state] : []));
    try {
      await expect.poll(() => updates().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
      // The market moves: each tick pushes new quotes to the open lines.
      const ticking = setInterval(() => fake.tick(), 300);
      try {
        await expect.poll(() => updates().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
        const connectionsBefore = fake.stats.connections;
        fake.dropConnections();
        await expect.poll(() => fake.stats.connections, { timeout: 20_000 }).toBeGreaterThan(connectionsBefore);
        const afterDrop = updates().length;
        const asOfBefore = updates().at(-1)?.result?.chainAsOf?.getTime() ?? 0;
        await expect.poll(() => updates().length, { timeout: 30_000 }).toBeGreaterThan(afterDrop);
        expect(updates().at(-1)?.result?.chainAsOf?.getTime()).toBeGreaterThan(asOfBefore);
      } finally {
        clearInterval(ticking);
      }
      // Without a socket the feed had no data: its watcher was told, then told it is back.
      expect(states()[0]).toBe(MarketDataState.MARKET_DATA_STATE_UNAVAILABLE);
      expect(states().at(-1)).toBe(MarketDataState.MARKET_DATA_STATE_LIVE);
      expect(errors).toEqual([]);
      expect(received.map((message) => message.update?.sequence)).toEqual(received.map((_, index) => BigInt(index + 1)));
    } finally {
      watch.cancel();
    }
  });
});

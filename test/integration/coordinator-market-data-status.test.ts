// A watch on the coordinator is told when the symbol's market data stops being live: the
// coordinator as a process on IBKR market data, through the real @stoqey/ib to the fake TWS
// over loopback, with TWS losing IBKR (1100) and getting it back (1102), then an account that
// has delayed data only. Every message carries an update: a change of state comes on a repeat
// of the top N last sent, with the next sequence number, and a watcher that joins while the
// data is not live hears it on its initial update.
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

/** Bull puts 20 to 35 days out with $1 wings: a few dozen contracts, streamed within the lines. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});
const { MARKET_DATA_STATE_LIVE: LIVE, MARKET_DATA_STATE_DELAYED: DELAYED, MARKET_DATA_STATE_UNAVAILABLE: UNAVAILABLE } = MarketDataState;

let stack: IbkrCoordinatorStack;
let fake: FakeTws;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  // The market moves: each tick pushes fresh quotes to the open lines (none while TWS has lost IBKR).
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 7, maxLines: 100 },
    coordinatorEnv: { IB_CLIENT_ID: "4", IB_MAX_LINES: "40", IB_LOOKUP_TIMEOUT: "5" },
    tickMs: 200,
  });
  ({ fake, client } = stack);
}, 60_000);

afterAll(() => stack.stop());

interface Watch {
  readonly messages: WatchSpreadsResponse[];
  readonly errors: unknown[];
  readonly statuses: () => MarketDataStatus[];
  /** Messages that bring a new top N: all but the repeats that carry a change of state. */
  readonly updates: () => number;
  cancel(): void;
}

function watch(symbol: string, minIntervalMs = 1): Watch {
  const call: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol, query: QUERY, minIntervalMs }));
  const messages: WatchSpreadsResponse[] = [];
  const errors: unknown[] = [];
  call.on("data", (message: WatchSpreadsResponse) => messages.push(message));
  call.on("error", (error: Error & { code: status }) => {
    if (error.code !== status.CANCELLED) errors.push(error);
  });
  return {
    messages,
    errors,
    statuses: () => messages.flatMap((message) => (message.status ? [message.status] : [])),
    updates: () => messages.filter((message) => message.update?.initial || !message.status).length,
    cancel: () => call.cancel(),
  };
}

describe("a coordinator watch on IBKR market data", () => {
  it("is told when TWS loses IBKR and when the data is back, and a second watcher hears the delayed state first thing", async () => {
    const first = watch("SPY");
    // min_interval_ms spaces new top Ns only: a watcher that asks for one a minute still hears each change at once.
    const spaced = watch("SPY", 60_000);
    try {
      await expect.poll(() => first.updates(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      // Live data says nothing.
      expect(first.statuses()).toEqual([]);

      fake.sendConnectivity(1100);
      await expect.poll(() => first.statuses().length, { timeout: 20_000 }).toBe(1);
      const down = first.statuses()[0];
      expect(down).toMatchObject({ symbol: "SPY", state: UNAVAILABLE });
      expect(down?.reason).toContain("1100");
      expect(down?.since).toBeInstanceOf(Date);
      // The status came on a repeat of the top N the watcher last saw: an old client sees that board again.
      const repeat = first.messages.findIndex((message) => message.status);
      expect(repeat).toBeGreaterThan(0);
      expect(first.messages[repeat]?.update).toEqual({
        sequence: BigInt(repeat + 1),
        initial: false,
        result: first.messages[repeat - 1]?.update?.result,
        addedIds: [],
        removedIds: [],
      });

      fake.sendConnectivity(1102);
      await expect.poll(() => first.statuses().length, { timeout: 20_000 }).toBe(2);
      await expect.poll(() => spaced.statuses().map((heard) => heard.state), { timeout: 20_000 }).toEqual([UNAVAILABLE, LIVE]);
      expect(spaced.updates()).toBe(1);
      const back = first.statuses()[1];
      expect(back).toMatchObject({ symbol: "SPY", state: LIVE, reason: "" });
      expect(back?.since?.getTime()).toBeGreaterThanOrEqual(down?.since?.getTime() ?? Number.POSITIVE_INFINITY);
      const updatesWhenBack = first.updates();
      await expect.poll(() => first.updates(), { timeout: 20_000 }).toBeGreaterThan(updatesWhenBack);

      // The account loses its live subscription; TWS drops every line (1101), and the lines
      // asked again get 354, then delayed data.
      fake.setDelayedOnly(true);
      fake.sendConnectivity(1101);
      await expect.poll(() => first.statuses().at(-1)?.state, { timeout: 30_000 }).toBe(DELAYED);

      // A watcher joining now hears the state on its initial update.
      const second = watch("SPY");
      try {
        await expect.poll(() => second.messages.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
        expect(second.messages[0]?.update?.initial).toBe(true);
        expect(second.messages[0]?.update?.result?.spreads.length).toBeGreaterThan(0);
        expect(second.messages[0]?.status).toMatchObject({ symbol: "SPY", state: DELAYED });
        expect(second.errors).toEqual([]);
      } finally {
        second.cancel();
      }
      expect(first.errors).toEqual([]);
      // Every message is an update, numbered 1, 2, 3… without gaps, the repeats included.
      expect(first.messages.map((message) => message.update?.sequence)).toEqual(first.messages.map((_, index) => BigInt(index + 1)));
      expect(second.messages.map((message) => message.update?.sequence)).toEqual(second.messages.map((_, index) => BigInt(index + 1)));
    } finally {
      first.cancel();
      spaced.cancel();
      fake.setDelayedOnly(false);
    }
  });
});

// A watcher's top N on IBKR never ranks a leg at a price the market has left: the contracts
// a live feed's queries reach beyond its lines are quoted again in turns, so once the market has
// moved, every leg of the top N comes to the price TWS quotes now. And the contracts only a
// departed query reached leave the scanner's chain instead of staying there at their last price.
//
// The coordinator and scanner as processes, the real @stoqey/ib against the fake TWS over
// loopback TCP, with 20 lines: 15 for the feed's options, far fewer than a query of three
// expirations reaches. The fake's clock stands still, so a contract's quote moves only when its
// market ticks (a step of the underlying), and the fake says what a request would get now.
import { credentials, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Spread, SpreadLeg } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { ScanRequest as StoredChainScan, ScannerServiceClient } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { callUnary } from "../support/echo-server.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";

const MAX_LINES = 20;
/** Three expirations, far out of the money first: the top N's legs are mostly ones no line streams. */
const FILTERS = { minDte: 20, maxDte: 35, minShortDelta: 0.05, maxShortDelta: 0.35, maxWidth: 2 };
const WIDE = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: FILTERS, sort: SortKey.SORT_KEY_POP, limit: 5 });
/** Most market steps (a minute each) taken to move the legs' quotes. */
const MAX_MOVE_STEPS = 2000;

let stack: IbkrCoordinatorStack;
const frozenAt = new Date();

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 11, maxLines: 100, now: () => frozenAt },
    coordinatorEnv: { IB_CLIENT_ID: "12", IB_MAX_LINES: String(MAX_LINES), IB_LOOKUP_TIMEOUT: "5" },
  });
}, 60_000);

afterAll(() => stack.stop());

interface Watch {
  readonly call: ClientReadableStream<WatchSpreadsResponse>;
  latest(): Spread[] | undefined;
}

function watch(query: ScanQuery): Watch {
  const call = stack.client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "SPY", query, minIntervalMs: 1 }));
  let latest: Spread[] | undefined;
  call.on("data", (message: WatchSpreadsResponse) => {
    if (message.update?.result) latest = message.update.result.spreads;
  });
  call.on("error", () => undefined);
  return { call, latest: () => latest };
}

const rightOf = (leg: SpreadLeg): "C" | "P" => (leg.right === OptionRight.OPTION_RIGHT_CALL ? "C" : "P");
/** As the fake names a stream's instrument. */
const instrument = (leg: SpreadLeg): string => `SPY ${leg.expiryDate} ${leg.strike} ${rightOf(leg)}`;
const streamed = (): Set<string> => new Set(stack.fake.streamedInstruments());
const legsOf = (spreads: readonly Spread[] | undefined): SpreadLeg[] => (spreads ?? []).flatMap((spread) => spread.legs);

/** A scan of the chain the scanner holds for SPY, as a watcher of `query` reads it. */
async function scanStored(query: ScanQuery): Promise<Spread[]> {
  const scanner = new ScannerServiceClient(`127.0.0.1:${stack.scannerPort}`, credentials.createInsecure());
  try {
    const { response } = await callUnary(scanner.scan.bind(scanner), StoredChainScan.fromPartial({ symbol: "SPY", query }), { deadlineMs: 10_000 });
    return response?.result?.spreads ?? [];
  } finally {
    scanner.close();
  }
}

/** The legs whose bid or ask is not what TWS quotes for the contract now. */
function legsOffTheMarket(spreads: readonly Spread[] | undefined): string[] {
  return legsOf(spreads).flatMap((leg) => {
    const book = stack.fake.optionBook("SPY", leg.expiryDate, leg.strike, rightOf(leg));
    const off = !book || Math.abs(book.bid - leg.bid) > 1e-9 || Math.abs(book.ask - leg.ask) > 1e-9;
    return off ? [`${instrument(leg)} shows ${leg.bid}/${leg.ask}, TWS quotes ${book?.bid}/${book?.ask}`] : [];
  });
}

/** Moves the market until TWS quotes at least one of `legs` at another price: the watch must follow it. */
function moveMarketUnder(legs: readonly SpreadLeg[]): void {
  const book = (leg: SpreadLeg) => stack.fake.optionBook("SPY", leg.expiryDate, leg.strike, rightOf(leg));
  const before = legs.map(book);
  expect(before.every((quote) => quote !== undefined)).toBe(true);
  const moved = (): boolean => legs.some((leg, index) => book(leg)?.bid !== before[index]?.bid || book(leg)?.ask !== before[index]?.ask);
  for (let step = 0; step < MAX_MOVE_STEPS && !moved(); step++) stack.fake.tick();
  expect(moved()).toBe(true);
}

describe("a live feed whose queries reach more contracts than its lines", () => {
  let wide: Watch;

  it("brings every leg of a watcher's top N to the market's price, streamed or not", async () => {
    wide = watch(WIDE);
    await expect.poll(() => wide.latest()?.length, { timeout: 60_000 }).toBe(5);
    await stack.coordinator.waitForLog((line) => line.msg === "ibkr: live feed streaming", 30_000);
    // The defect's ground: legs of the top N that no line streams.
    const unstreamed = legsOf(wide.latest()).filter((leg) => !streamed().has(instrument(leg)));
    expect(unstreamed.length).toBeGreaterThan(0);

    moveMarketUnder(unstreamed);
    await expect.poll(() => legsOffTheMarket(wide.latest()), { timeout: 45_000 }).toEqual([]);
    // Within IBKR's limits throughout.
    expect(stack.fake.stats.error100).toBe(0);
    expect(stack.fake.stats.error101).toBe(0);
    expect(stack.fake.stats.maxOpenLines).toBeLessThanOrEqual(MAX_LINES);
  }, 120_000);

  it("drops from the scanner's chain the contracts no remaining query reaches, rather than keep their last quotes", async () => {
    // Bear calls reach calls the bull puts' query does not (beyond the two at the forward it reads σ from).
    const calls = ScanQuery.fromPartial({ ...WIDE, strategies: [Strategy.STRATEGY_BEAR_CALL] });
    const joining = watch(calls);
    try {
      await expect.poll(() => joining.latest()?.length, { timeout: 60_000 }).toBe(5);
    } finally {
      joining.call.cancel();
    }
    // A scan of the chain the scanner holds, as any watcher of the symbol reads it.
    try {
      await expect.poll(async () => (await scanStored(calls)).length, { timeout: 30_000 }).toBe(0);
    } finally {
      wide.call.cancel();
    }
  }, 120_000);
});

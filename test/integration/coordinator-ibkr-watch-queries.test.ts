// Two watchers of one symbol with different queries on IBKR market data share one live feed,
// and that feed serves both: a bear-call watch joining a bull-put watch gets the top N a scan
// of its own query finds, the feed streams the union of the two queries' contracts, and when
// the bear calls leave, the lines only they needed are cancelled at TWS.
//
// The coordinator and scanner as processes, the real @stoqey/ib against the fake TWS over
// loopback TCP. The fake's clock stands still and its market does not tick, so every request
// for a contract gets the same quote: the watch's chain and the bypass_cache scan's are the same
// quotes, and the queries sort by credit to width, which the quotes alone decide.
import type { ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanRequest, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary } from "../support/echo-server.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";

/** One expiration, short deltas 0.20–0.30, $1 wings: a few dozen contracts a side. */
const FILTERS = { minDte: 20, maxDte: 27, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 };
/** Three expirations: about fifty contracts a side, so that the two sides do not fit in a feed's lines together. */
const WIDE_FILTERS = { ...FILTERS, maxDte: 35 };
const query = (strategy: Strategy, filters: typeof FILTERS) =>
  ScanQuery.fromPartial({ strategies: [strategy], filters, sort: SortKey.SORT_KEY_CREDIT_TO_WIDTH, limit: 5 });
const PUTS = query(Strategy.STRATEGY_BULL_PUT, FILTERS);
const CALLS = query(Strategy.STRATEGY_BEAR_CALL, FILTERS);
/** 90 lines (the default): 18 kept for quote requests, 72 for feeds; the two queries' union fits. */
const MAX_LINES = 90;
const FEED_LINES = 72;
const STREAMING = "ibkr: live feed streaming";

let stack: IbkrCoordinatorStack;
const frozenAt = new Date();

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 7, maxLines: 100, now: () => frozenAt },
    coordinatorEnv: { IB_CLIENT_ID: "9", IB_MAX_LINES: String(MAX_LINES), IB_LOOKUP_TIMEOUT: "5" },
  });
}, 60_000);

afterAll(() => stack.stop());

interface Watch {
  readonly call: ClientReadableStream<WatchSpreadsResponse>;
  /** The top N of the first update. */
  first(): Spread[] | undefined;
  /** The top N of the latest update. */
  latest(): Spread[] | undefined;
}

function watch(query: ScanQuery): Watch {
  const call = stack.client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "SPY", query, minIntervalMs: 1 }));
  const updates: Spread[][] = [];
  call.on("data", (message: WatchSpreadsResponse) => {
    if (message.update?.result) updates.push(message.update.result.spreads);
  });
  call.on("error", () => undefined);
  return { call, first: () => updates[0], latest: () => updates.at(-1) };
}

/** The options streamed now, as the fake TWS sees its open streams. */
const streamedOptions = (): string[] =>
  stack.fake
    .streamedInstruments()
    .filter((instrument) => instrument.includes(" "))
    .sort();

const streamingLogs = () => stack.coordinator.logs.filter((line) => line.msg === STREAMING);

/** The options streamed once a feed has taken its lines for the `seen`-th time in the coordinator's life (its log says how many) and TWS holds just those. */
async function settled(seen: number): Promise<string[]> {
  const logs = streamingLogs;
  await expect.poll(() => logs().length, { timeout: 60_000 }).toBeGreaterThanOrEqual(seen);
  const log = logs().at(-1);
  // The log counts the underlying's line too; quote requests of fetches have ended by now.
  await expect.poll(() => streamedOptions().length, { timeout: 20_000 }).toBe(Number(log?.lines) - 1);
  return streamedOptions();
}

/** The bypass_cache scan of `scanned` and `watcher`'s first and latest top N, which must all be the same. */
async function expectScanEqualsWatch(scanned: ScanQuery, watcher: Watch): Promise<void> {
  const { response, error } = await callUnary(
    stack.client.scan.bind(stack.client),
    ScanRequest.fromPartial({ symbol: "SPY", query: scanned, bypassCache: true }),
    {
      deadlineMs: 60_000,
    },
  );
  expect(error).toBeUndefined();
  const reference = response?.result?.spreads;
  expect(reference?.length).toBe(5);
  // From its first update: the watcher waited until its query's chain was in the scanner.
  expect(summary(watcher.first())).toEqual(summary(reference));
  expect(summary(watcher.latest())).toEqual(summary(reference));
}

const summary = (spreads: readonly Spread[] | undefined) =>
  (spreads ?? []).map((spread) => ({ id: spread.id, credit: spread.netCredit, legs: spread.legs.map((leg) => [leg.bid, leg.ask]) }));

describe("watchers of one symbol with different queries on IBKR", () => {
  it("each get their own query's top N, the feed streaming the union of their contracts and cancelling what a leaver alone needed", async () => {
    // The bear calls alone first: the lines their query needs.
    const callsAlone = watch(CALLS);
    await expect.poll(() => callsAlone.latest(), { timeout: 60_000 }).toBeDefined();
    const callLines = await settled(1);
    callsAlone.call.cancel();
    await expect.poll(streamedOptions, { timeout: 20_000 }).toEqual([]);

    const puts = watch(PUTS);
    await expect.poll(() => puts.latest(), { timeout: 60_000 }).toBeDefined();
    const putLines = await settled(2);
    const union = [...new Set([...putLines, ...callLines])].sort();
    // Different contracts, and room for all of them: the union is what the feed must stream.
    expect(callLines.filter((line) => !putLines.includes(line)).length).toBeGreaterThan(10);
    expect(union.length).toBeLessThanOrEqual(FEED_LINES - 1);

    const calls = watch(CALLS);
    try {
      await expect.poll(() => calls.latest(), { timeout: 60_000 }).toBeDefined();
      // The bear calls' top N is a scan of their own query on the same quotes.
      await expectScanEqualsWatch(CALLS, calls);
      for (const spread of calls.latest() ?? []) expect(spread.strategy).toBe(Strategy.STRATEGY_BEAR_CALL);
      // The bull puts' list is still theirs.
      expect(puts.latest()?.length).toBe(5);
      for (const spread of puts.latest() ?? []) expect(spread.strategy).toBe(Strategy.STRATEGY_BULL_PUT);

      // The feed streams both queries' contracts: the union, no more.
      await expect.poll(streamedOptions, { timeout: 30_000 }).toEqual(union);
    } finally {
      calls.call.cancel();
    }
    // The bear calls left: the lines only they needed are cancelled at TWS, the bull puts' stay.
    await expect.poll(streamedOptions, { timeout: 20_000 }).toEqual(putLines);
    expect(stack.coordinator.logs.filter((line) => line.msg === STREAMING).at(-1)?.queries).toBe(1);
    puts.call.cancel();
    // All of it within IBKR's limits: no message refused for the rate, no line over the cap.
    expect(stack.fake.stats.error100).toBe(0);
    expect(stack.fake.stats.error101).toBe(0);
    expect(stack.fake.stats.maxOpenLines).toBeLessThanOrEqual(MAX_LINES);
    await expect.poll(streamedOptions, { timeout: 20_000 }).toEqual([]);
  }, 180_000);

  it("share the lines in turns when the union does not fit, and each still gets its own query's top N", async () => {
    const wideCalls = query(Strategy.STRATEGY_BEAR_CALL, WIDE_FILTERS);
    const widePuts = query(Strategy.STRATEGY_BULL_PUT, WIDE_FILTERS);
    const logsBefore = streamingLogs().length;
    const callsAlone = watch(wideCalls);
    await expect.poll(() => callsAlone.latest(), { timeout: 60_000 }).toBeDefined();
    const callLines = await settled(logsBefore + 1);
    callsAlone.call.cancel();
    await expect.poll(streamedOptions, { timeout: 20_000 }).toEqual([]);

    const puts = watch(widePuts);
    await expect.poll(() => puts.latest(), { timeout: 60_000 }).toBeDefined();
    const putLines = await settled(logsBefore + 2);
    // Each side alone fits; together they do not.
    expect(new Set([...callLines, ...putLines]).size).toBeGreaterThan(FEED_LINES - 1);

    const calls = watch(wideCalls);
    try {
      await expect.poll(() => calls.latest(), { timeout: 60_000 }).toBeDefined();
      // The contracts the feed does not stream are in the chain as the joining fetch quoted them.
      await expectScanEqualsWatch(wideCalls, calls);
      const shared = await settled(logsBefore + 3);
      expect(shared.length).toBe(FEED_LINES - 1);
      // Taken in turns: each query streams at least half the lines' worth of its own contracts,
      // however many the first one had before the second came.
      const half = Math.floor((FEED_LINES - 1) / 2);
      expect(shared.filter((line) => callLines.includes(line)).length).toBeGreaterThanOrEqual(half);
      expect(shared.filter((line) => putLines.includes(line)).length).toBeGreaterThanOrEqual(half);
    } finally {
      calls.call.cancel();
      puts.call.cancel();
    }
    expect(stack.fake.stats.error101).toBe(0);
    expect(stack.fake.stats.maxOpenLines).toBeLessThanOrEqual(MAX_LINES);
  }, 180_000);
});

// WatchUniverse through a real coordinator and scanner, each in its own process, on the
// simulated market. On a market that does not tick, the first message's merged top N equals the
// merge (worked out by brute force, test/support/universe-merge-reference.ts) of each symbol's
// own WatchSpreads first top N with the same per-symbol query: one chain per symbol, so both
// watches rank the same chain. On a ticking market the messages keep coming, each consistent
// with the one before (sequence, ids added and removed) and with the contract (order, cap,
// symbols); a message whose symbols' chain versions each match a top N the test's own watches
// received is the exact merge of those. An unknown symbol shows FAILED while the others stream.
import { credentials, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  WatchSpreadsRequest,
  WatchUniverseRequest,
  type WatchSpreadsResponse,
  type WatchUniverseResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { Watchlist, WatchlistServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { QUERY, startPair, type Pair } from "../support/coordinator-pair.js";
import { callUnary } from "../support/echo-server.js";
import { EventLog } from "../support/event-log.js";
import { spreadscan } from "../support/spreadscan-cli.js";
import { mergedByBruteForce } from "../support/universe-merge-reference.js";

const LIMIT = 12;
const PER_SYMBOL = 4;
const UNIVERSE_QUERY = ScanQuery.fromPartial({ ...QUERY, limit: LIMIT, sort: SortKey.SORT_KEY_CREDIT });
/** What each symbol's feed is asked for: no more of one symbol than can rank. */
const SYMBOL_QUERY = ScanQuery.fromPartial({ ...UNIVERSE_QUERY, limit: PER_SYMBOL });
const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT"];

type StreamEvent<Message> = { readonly message: Message } | { readonly end: ServiceError | undefined };

interface Followed<Message> {
  readonly events: EventLog<StreamEvent<Message>>;
  readonly call: ClientReadableStream<Message>;
}

function follow<Message>(call: ClientReadableStream<Message>): Followed<Message> {
  const events = new EventLog<StreamEvent<Message>>();
  call.on("data", (message: Message) => events.push({ message }));
  call.on("error", (error: ServiceError) => events.push({ end: error }));
  call.on("end", () => events.push({ end: undefined }));
  return { events, call };
}

async function nextMessage<Message>(followed: Followed<Message>): Promise<Message> {
  const event = await followed.events.next();
  if ("end" in event) throw new Error(`the stream ended: ${event.end?.code} ${event.end?.details}`);
  return event.message;
}

async function endOf<Message>(followed: Followed<Message>): Promise<ServiceError | undefined> {
  for (;;) {
    const event = await followed.events.next();
    if ("end" in event) return event.end;
  }
}

const watchUniverse = (pair: Pair, request: Partial<WatchUniverseRequest>) =>
  follow<WatchUniverseResponse>(pair.client.watchUniverse(WatchUniverseRequest.fromPartial(request)));
// Every change of the symbol's top N, as soon as it comes: the test then knows the top N of most chain versions.
const watchSymbol = (pair: Pair, symbol: string) =>
  follow<WatchSpreadsResponse>(pair.client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol, query: SYMBOL_QUERY, minIntervalMs: 1 })));

const idsOf = (spreads: readonly Spread[]): string[] => spreads.map((spread) => spread.id);

describe("WatchUniverse on a market that does not tick", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ SIMULATED_TICK_INTERVAL: "3600" });
  });
  afterAll(() => pair.close());

  it("starts with the merge of every symbol's own first top N, and shows an unknown symbol FAILED beside them", async () => {
    const own = SYMBOLS.map((symbol) => watchSymbol(pair, symbol));
    const firsts = await Promise.all(own.map(nextMessage));
    const universe = watchUniverse(pair, { symbols: [...SYMBOLS.slice(0, 2), "ZZZZ", ...SYMBOLS.slice(2)], query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL });
    const first = await nextMessage(universe);

    expect(first.sequence).toBe(1n);
    expect(first.initial).toBe(true);
    const expected = mergedByBruteForce(
      firsts.map((message) => message.update?.result?.spreads ?? []),
      SortKey.SORT_KEY_CREDIT,
      LIMIT,
      PER_SYMBOL,
    );
    expect(first.spreads).toEqual(expected);
    expect(first.spreads).toHaveLength(LIMIT);
    expect(first.addedIds).toEqual(idsOf(expected));
    expect(first.removedIds).toEqual([]);
    expect(first.updateTime).toBeInstanceOf(Date);
    expect(first.symbols.map((symbol) => symbol.symbol)).toEqual(["SPY", "QQQ", "ZZZZ", "IWM", "AAPL", "MSFT"]);
    const unknown = first.symbols.find((symbol) => symbol.symbol === "ZZZZ")!;
    expect(unknown.state).toBe(SymbolScanState.SYMBOL_SCAN_STATE_FAILED);
    expect(unknown.error?.code).toBe(status.NOT_FOUND);
    for (const symbol of first.symbols.filter((entry) => entry.symbol !== "ZZZZ")) {
      expect(symbol.state, symbol.symbol).toBe(SymbolScanState.SYMBOL_SCAN_STATE_SCANNED);
      expect(symbol.result?.symbol).toBe(symbol.symbol);
      expect(symbol.result?.spreads).toEqual([]);
      expect(symbol.spreadsRanked, symbol.symbol).toBe(first.spreads.filter((spread) => spread.symbol === symbol.symbol).length);
    }
    // More than one symbol ranks, or the merge would prove little.
    expect(new Set(first.spreads.map((spread) => spread.symbol)).size).toBeGreaterThan(1);
    expect(first.marketData).toEqual([]);

    universe.call.cancel();
    expect((await endOf(universe))?.code).toBe(status.CANCELLED);
    for (const watch of own) watch.call.cancel();
  });

  it("follows 100 symbols, the most a watch takes: the market's eight SCANNED, the others FAILED beside them", async () => {
    const eight = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"];
    const symbols = [...eight, ...Array.from({ length: 92 }, (_, index) => `X${index}`)];
    const universe = watchUniverse(pair, { symbols, query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL });
    const first = await nextMessage(universe);
    expect(first.initial).toBe(true);
    expect(first.symbols.map((symbol) => symbol.symbol)).toEqual(symbols);
    expect(first.symbols.map((symbol) => symbol.state)).toEqual(
      symbols.map((symbol) => (eight.includes(symbol) ? SymbolScanState.SYMBOL_SCAN_STATE_SCANNED : SymbolScanState.SYMBOL_SCAN_STATE_FAILED)),
    );
    expect(first.spreads).toHaveLength(LIMIT);
    expect(first.spreads.every((spread) => eight.includes(spread.symbol))).toBe(true);
    universe.call.cancel();
    expect((await endOf(universe))?.code).toBe(status.CANCELLED);
  });

  it("ends with the symbol's own error when its only symbol fails, and FAILED_PRECONDITION when every symbol does", async () => {
    const alone = await endOf(watchUniverse(pair, { symbols: ["ZZZZ"], query: UNIVERSE_QUERY }));
    expect(alone?.code).toBe(status.NOT_FOUND);
    const both = await endOf(watchUniverse(pair, { symbols: ["ZZZZ", "ZZZY"], query: UNIVERSE_QUERY }));
    expect(both?.code).toBe(status.FAILED_PRECONDITION);
    expect(both?.details).toMatch(/ZZZZ: NOT_FOUND, ZZZY: NOT_FOUND/);
  });

  it("refuses bad input with a violation for every bad field", async () => {
    const violationsOf = async (request: Partial<WatchUniverseRequest>) => {
      const end = await endOf(watchUniverse(pair, request));
      expect(end?.code).toBe(status.INVALID_ARGUMENT);
      return readStatusDetails(end!).fieldViolations.map((violation) => violation.field);
    };
    expect(await violationsOf({})).toEqual(["symbols"]);
    expect(await violationsOf({ symbols: ["SPY"], watchlist: "mine" })).toEqual(["watchlist"]);
    expect(await violationsOf({ symbols: Array.from({ length: 101 }, (_, index) => `S${index}`) })).toEqual(["symbols"]);
    expect(
      await violationsOf({
        symbols: ["SPY", "1BAD", "spy"],
        perSymbolLimit: 5000,
        minIntervalMs: 3_600_001,
        query: ScanQuery.fromPartial({ filters: { minDte: 40, maxDte: 30 } }),
      }),
    ).toEqual(["min_interval_ms", "symbols[1]", "symbols[2]", "per_symbol_limit", "query.filters.min_dte"]);
  });

  it("follows a watchlist's symbols in its order, and refuses a name the caller has none of and a watchlist longer than a watch follows", async () => {
    const address = pair.client.getChannel().getTarget().replace(/^dns:/, "");
    const watchlists = new WatchlistServiceClient(address, credentials.createInsecure());
    try {
      const save = async (name: string, symbols: string[]) => {
        const saved = await callUnary(watchlists.createWatchlist.bind(watchlists), { watchlist: Watchlist.fromPartial({ name, symbols }) });
        expect(saved.error).toBeUndefined();
      };
      await save("majors", ["MSFT", "ZZZZ", "SPY"]);
      await save(
        "wide",
        Array.from({ length: 101 }, (_, index) => `W${index}`),
      );
      const universe = watchUniverse(pair, { watchlist: "majors", query: UNIVERSE_QUERY });
      const first = await nextMessage(universe);
      expect(first.symbols.map((symbol) => [symbol.symbol, symbol.state])).toEqual([
        ["MSFT", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
        ["ZZZZ", SymbolScanState.SYMBOL_SCAN_STATE_FAILED],
        ["SPY", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
      ]);
      universe.call.cancel();
      await endOf(universe);

      const missing = await endOf(watchUniverse(pair, { watchlist: "nothing-here", query: UNIVERSE_QUERY }));
      expect(missing?.code).toBe(status.NOT_FOUND);
      expect(readStatusDetails(missing!).fieldViolations.map((violation) => violation.field)).toEqual(["watchlist"]);
      const wide = await endOf(watchUniverse(pair, { watchlist: "wide", query: UNIVERSE_QUERY }));
      expect(wide?.code).toBe(status.FAILED_PRECONDITION);
      expect(readStatusDetails(wide!).fieldViolations.map((violation) => violation.field)).toEqual(["watchlist"]);
    } finally {
      watchlists.close();
    }
  });

  it("on the command line, names the flag of each field the coordinator refused, and exits 2, as for a universe whose every symbol failed", async () => {
    const address = pair.client.getChannel().getTarget().replace(/^dns:/, "");
    const run = await spreadscan(["universe", "SPY", "QQQ", "--per-symbol", "5000", "--watch", "--interval", "3600001", "--addr", address]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      "spreadscan: INVALID_ARGUMENT: invalid request\n" +
        "spreadscan: --interval: must be at most 3600000 milliseconds; got 3600001\n" +
        "spreadscan: --per-symbol: must be at most 1000 spreads (0 for no cap); got 5000\n",
    );
    // A watch whose every symbol failed ends with the status, as a single watch of that symbol does.
    const unknown = await spreadscan(["universe", "ZZZZ", "--watch", "--addr", address]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(/^spreadscan: NOT_FOUND: the simulated market has no symbol "ZZZZ"/);
  });
});

describe("WatchUniverse on a ticking market", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ SIMULATED_TICK_INTERVAL: "0.5" });
  });
  afterAll(() => pair.close());

  it("streams changes as the market ticks: consecutive, consistent, ordered, capped, and the exact merge where the chain versions are known", async () => {
    // The test's own watch of each symbol: its top N by chain version.
    const own = SYMBOLS.map((symbol) => watchSymbol(pair, symbol));
    const seen = SYMBOLS.map(() => new Map<bigint, Spread[]>());
    const firstSeen: (() => void)[] = [];
    const firsts = own.map(() => new Promise<void>((resolve) => firstSeen.push(resolve)));
    const recording = own.map(async (watch, index) => {
      for (;;) {
        const event = await watch.events.next();
        if ("end" in event) return;
        const result = event.message.update?.result;
        if (result) seen[index]!.set(result.chainVersion, result.spreads);
        firstSeen[index]!();
      }
    });
    await Promise.all(firsts);

    const universe = watchUniverse(pair, { symbols: SYMBOLS, query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL, minIntervalMs: 100 });
    const messages: WatchUniverseResponse[] = [];
    let exact = 0;
    while (messages.length < 6) {
      const message = await nextMessage(universe);
      const previous = messages.at(-1);
      messages.push(message);
      expect(message.sequence).toBe(BigInt(messages.length));
      expect(message.initial).toBe(messages.length === 1);
      const ids = idsOf(message.spreads);
      const before = previous ? idsOf(previous.spreads) : [];
      expect(message.addedIds).toEqual(ids.filter((id) => !before.includes(id)));
      expect(message.removedIds).toEqual(before.filter((id) => !ids.includes(id)));
      expect(message.spreads.length).toBeLessThanOrEqual(LIMIT);
      for (const symbol of SYMBOLS) expect(message.spreads.filter((spread) => spread.symbol === symbol).length).toBeLessThanOrEqual(PER_SYMBOL);
      expect(message.spreads.every((spread) => SYMBOLS.includes(spread.symbol))).toBe(true);
      // In the query's order: the brute-force merge of its own spreads, grouped by symbol, gives them back as they are.
      const bySymbol = SYMBOLS.map((symbol) => message.spreads.filter((spread) => spread.symbol === symbol));
      expect(message.spreads).toEqual(mergedByBruteForce(bySymbol, SortKey.SORT_KEY_CREDIT, LIMIT, PER_SYMBOL));
      expect(message.symbols.map((symbol) => symbol.state)).toEqual(SYMBOLS.map(() => SymbolScanState.SYMBOL_SCAN_STATE_SCANNED));
      // Where the test's own watches saw each symbol's chain version, the merge is known exactly.
      const lists = message.symbols.map((symbol, index) => seen[index]!.get(symbol.result?.chainVersion ?? -1n));
      if (lists.every((list) => list !== undefined)) {
        expect(message.spreads).toEqual(mergedByBruteForce(lists, SortKey.SORT_KEY_CREDIT, LIMIT, PER_SYMBOL));
        exact++;
      }
    }
    // Each message after the first says something new: the merged top N moved (its ids or its figures) as the market ticked.
    messages.slice(1).forEach((message, index) => expect(message.spreads).not.toEqual(messages[index]!.spreads));
    expect(exact).toBeGreaterThan(0);

    universe.call.cancel();
    for (const watch of own) watch.call.cancel();
    await Promise.all(recording);
  });

  it("ends with UNAVAILABLE when the coordinator shuts down, as WatchSpreads does", async () => {
    const universe = watchUniverse(pair, { symbols: ["SPY", "QQQ"], query: UNIVERSE_QUERY });
    expect((await nextMessage(universe)).initial).toBe(true);
    pair.coordinator.child.kill("SIGTERM");
    expect((await endOf(universe))?.code).toBe(status.UNAVAILABLE);
    expect((await pair.coordinator.exited).code).toBe(0);
  });
});

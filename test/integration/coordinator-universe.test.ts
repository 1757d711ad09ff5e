// ScanUniverse through a real coordinator and scanner, each in its own process, on the simulated
// market: the merged top N of the eight simulated symbols equals the merge (worked out by brute
// force, test/support/universe-merge-reference.ts) of the eight single Scan calls with the same
// query, which the cache answers with the very results the universe scan computed; a symbol the
// market does not know fails alone and says why; bad input is refused field by field.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanRequest, type ScanResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanUniverseRequest, SymbolScanState, type ScanUniverseResponse } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { QUERY, startPair, type Pair } from "../support/coordinator-pair.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { SYMBOLS } from "../support/simulated-market-helpers.js";
import { spreadscan } from "../support/spreadscan-cli.js";
import { mergedByBruteForce } from "../support/universe-merge-reference.js";

const UNIVERSE_QUERY = ScanQuery.fromPartial({ ...QUERY, limit: 15, sort: SortKey.SORT_KEY_CREDIT });
const PER_SYMBOL = 4;

let pair: Pair;
// A tick an hour: every scan of this file sees one chain per symbol.
beforeAll(async () => {
  pair = await startPair({ SIMULATED_TICK_INTERVAL: "3600" });
});
afterAll(() => pair.close());

const universe = async (request: Partial<ScanUniverseRequest>) =>
  callUnary(pair.client.scanUniverse.bind(pair.client), ScanUniverseRequest.fromPartial(request));

async function scanned(symbol: string, query: ScanQuery): Promise<ScanResponse> {
  const { response, error } = await callUnary(pair.client.scan.bind(pair.client), ScanRequest.fromPartial({ symbol, query }));
  if (!response) throw new Error(`Scan ${symbol} failed: ${error?.details}`);
  return response;
}

/** The merge of the symbols' single scans, and each scan, in the universe's order. */
async function singleScans(symbols: readonly string[], query: ScanQuery, limit: number, perSymbolLimit: number) {
  const scans = await Promise.all(symbols.map((symbol) => scanned(symbol, query)));
  return {
    scans,
    merged: mergedByBruteForce(
      scans.map((scan) => scan.result?.spreads ?? []),
      query.sort,
      limit,
      perSymbolLimit,
    ),
  };
}

function expectRankedCounts(answer: ScanUniverseResponse): void {
  for (const symbol of answer.symbols)
    expect(symbol.spreadsRanked, symbol.symbol).toBe(answer.spreads.filter((spread) => spread.symbol === symbol.symbol).length);
}

describe("ScanUniverse on the simulated market", () => {
  it("answers the eight symbols' merged top N: the merge of eight single Scans of the same query, ids and figures", async () => {
    const cold = await universe({ symbols: SYMBOLS, query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL });
    expect(cold.error).toBeUndefined();
    const answer = cold.response!;
    expect(answer.watchlist).toBe("");
    expect(answer.symbols.map((symbol) => symbol.symbol)).toEqual(SYMBOLS);
    for (const symbol of answer.symbols) {
      expect(symbol.state, symbol.symbol).toBe(SymbolScanState.SYMBOL_SCAN_STATE_SCANNED);
      expect(symbol.cacheHit).toBe(false);
      expect(symbol.age).toBeUndefined();
      expect(symbol.jobId).toMatch(/^[0-9a-f-]{36}$/);
      expect(symbol.error).toBeUndefined();
      expect(symbol.result?.symbol).toBe(symbol.symbol);
      expect(symbol.result?.spreads).toEqual([]);
    }
    expect(answer.spreads).toHaveLength(15);
    expectRankedCounts(answer);
    expect(Math.max(...answer.symbols.map((symbol) => symbol.spreadsRanked))).toBeLessThanOrEqual(PER_SYMBOL);
    // More than one symbol ranks, or the merge would prove little.
    expect(answer.symbols.filter((symbol) => symbol.spreadsRanked > 0).length).toBeGreaterThan(1);

    // The same scans one by one: the cache answers each with the job the universe ran.
    const { scans, merged } = await singleScans(SYMBOLS, UNIVERSE_QUERY, 15, PER_SYMBOL);
    scans.forEach((scan, index) => {
      const symbol = answer.symbols[index]!;
      expect(scan.cacheHit).toBe(true);
      expect(scan.jobId).toBe(symbol.jobId);
      expect({ ...scan.result, spreads: [] }).toEqual(symbol.result);
    });
    expect(answer.spreads.map((spread) => spread.id)).toEqual(merged.map((spread) => spread.id));
    expect(answer.spreads).toEqual(merged);

    // Again: every symbol from the cache, with its age; the same merged list.
    const warm = (await universe({ symbols: SYMBOLS, query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL })).response!;
    expect(warm.symbols.every((symbol) => symbol.cacheHit && symbol.age !== undefined && symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_SCANNED)).toBe(
      true,
    );
    expect(warm.spreads).toEqual(answer.spreads);
  });

  it("without a cap per symbol, by score: still the merge of the single scans", async () => {
    const query = ScanQuery.fromPartial({ ...QUERY, limit: 30 });
    const answer = (await universe({ symbols: [...SYMBOLS].reverse(), query })).response!;
    const { merged } = await singleScans([...SYMBOLS].reverse(), query, 30, 0);
    expect(answer.spreads.map((spread) => spread.id)).toEqual(merged.map((spread) => spread.id));
    expect(answer.spreads).toEqual(merged);
    expectRankedCounts(answer);
  });

  it("gives the other seven when the market does not know one symbol, and says why that one failed", async () => {
    const symbols = ["SPY", "QQQ", "IWM", "ZZZZ", "AAPL", "MSFT", "NVDA", "TSLA"];
    const outcome = await universe({ symbols, query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL });
    expect(outcome.error).toBeUndefined();
    const answer = outcome.response!;
    expect(answer.symbols.map((symbol) => symbol.symbol)).toEqual(symbols);
    const failed = answer.symbols[3]!;
    expect(failed.state).toBe(SymbolScanState.SYMBOL_SCAN_STATE_FAILED);
    expect(failed.error?.code).toBe(status.NOT_FOUND);
    expect(failed.error?.message).toMatch(/has no symbol "ZZZZ"/);
    expect(failed).toMatchObject({ jobId: "", cacheHit: false, spreadsRanked: 0, result: undefined });
    const others = answer.symbols.filter((symbol) => symbol.symbol !== "ZZZZ");
    expect(others.every((symbol) => symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_SCANNED && symbol.error === undefined)).toBe(true);
    const good = symbols.filter((symbol) => symbol !== "ZZZZ");
    const { merged } = await singleScans(good, UNIVERSE_QUERY, 15, PER_SYMBOL);
    expect(answer.spreads).toEqual(merged);
    expectRankedCounts(answer);
  });

  it("refuses bad input with a violation for every bad field", async () => {
    const violationsOf = async (request: Partial<ScanUniverseRequest>) => {
      const error = failureOf(await universe(request), status.INVALID_ARGUMENT);
      return readStatusDetails(error).fieldViolations.map((violation) => violation.field);
    };
    expect(await violationsOf({})).toEqual(["symbols"]);
    expect(await violationsOf({ symbols: ["SPY"], watchlist: "mine" })).toEqual(["watchlist"]);
    expect(await violationsOf({ watchlist: "not a name" })).toEqual(["watchlist"]);
    expect(await violationsOf({ symbols: Array.from({ length: 501 }, (_, index) => `S${index}`) })).toEqual(["symbols"]);
    expect(
      await violationsOf({
        symbols: ["SPY", "1BAD", "spy", "QQQ"],
        perSymbolLimit: 5000,
        query: ScanQuery.fromPartial({ filters: { minDte: 40, maxDte: 30 } }),
      }),
    ).toEqual(["symbols[1]", "symbols[2]", "per_symbol_limit", "query.filters.min_dte"]);
    // 500 is allowed: refused only for the query here, so no symbol was scanned.
    expect(await violationsOf({ symbols: Array.from({ length: 500 }, (_, index) => `S${index}`), query: ScanQuery.fromPartial({ limit: 5000 }) })).toEqual([
      "query.limit",
    ]);
  });

  it("on the command line, names the flag of each field the coordinator refused, and exits 2", async () => {
    const address = pair.client.getChannel().getTarget().replace(/^dns:/, "");
    const [cap, name] = await Promise.all([
      spreadscan(["universe", "SPY", "QQQ", "--per-symbol", "5000", "--addr", address]),
      spreadscan(["universe", "--watchlist", "no spaces", "--addr", address]),
    ]);
    expect(cap.exitCode).toBe(2);
    expect(cap.stderr).toBe("spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: --per-symbol: must be at most 1000 spreads (0 for no cap); got 5000\n");
    expect(name.exitCode).toBe(2);
    expect(name.stderr).toMatch(/^spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: --watchlist: must be a watchlist's name: 1 to 64 letters/);
  });
});

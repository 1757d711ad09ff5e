// `spreadscan universe SYMBOL... | --watchlist NAME` against the fixed coordinator
// (test/fixtures/fixed-coordinator.ts): one merged table with a symbol column, in the order the
// brute-force merge of the symbols' own results gives; a line for each symbol not simply
// scanned; the count of each outcome; the exit status that says whether any symbol failed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanUniverseResponse, SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { SortKey, type ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { resolveQuery } from "../../services/engine/index.js";
import { FIXED_WATCHLIST, startFixedCoordinator, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { scanFixed } from "../fixtures/fixed-market.js";
import { QUICK_FLAGS, QUICK_QUERY } from "../support/cli-queries.js";
import { ELAPSED, spreadscan } from "../support/spreadscan-cli.js";
import type { ToolResult } from "../support/tools.js";
import { mergedByBruteForce } from "../support/universe-merge-reference.js";

let coordinator: FixedCoordinator;
const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", coordinator.address]);

beforeAll(async () => {
  coordinator = await startFixedCoordinator();
});
afterAll(async () => {
  await coordinator.close();
});

/** The merged list worked out from the fixed market's own results for these symbols. */
const expectedMerge = (symbols: readonly string[], query: ScanQuery, perSymbol: number): Spread[] =>
  mergedByBruteForce(
    symbols.map((symbol) => scanFixed(symbol, query).spreads),
    resolveQuery(query).sort,
    resolveQuery(query).limit,
    perSymbol,
  );

/** A table row as the eye reads it: rank, symbol, strategy, expiry, strikes. */
const ROW = /^\s*(\d+)\s+([A-Z.]+)\s+((?:bull|bear|iron)-[a-z]+)\s+(\d{4}-\d\d-\d\d)\s+\d+\s+([\d./]+)\s/;
const rowsOf = (stdout: string): string[] =>
  stdout.split("\n").flatMap((line) => {
    const match = ROW.exec(line);
    return match ? [`${match[2]} ${match[4]} ${match[5]}`] : [];
  });
const rowOf = (spread: Spread): string => `${spread.symbol} ${spread.expiryDate} ${spread.legs.map((leg) => String(leg.strike)).join("/")}`;

describe.concurrent("spreadscan universe", () => {
  it("prints the merged top N with a symbol column, the failed symbol and why, the counts, and exits 3", async () => {
    const run = await remote("universe", "SPY", "ZZZZ", "qqq", ...QUICK_FLAGS, "--limit", "6", "--per-symbol", "4");
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toBe("spreadscan: 1 of 3 symbols failed: ZZZZ (NOT_FOUND)\n");
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Universe of 3 symbols · DTE .* · bull-put · by score · .* · 6 shown, at most 4 per symbol$/);
    expect(lines[1]).toMatch(/^\s*#\s+symbol\s+strategy\s+expiry\s/);
    const expected = expectedMerge(["SPY", "QQQ"], { ...QUICK_QUERY, limit: 6 }, 4);
    expect(new Set(expected.map((spread) => spread.symbol))).toEqual(new Set(["SPY", "QQQ"]));
    expect(rowsOf(run.stdout)).toEqual(expected.map(rowOf));
    expect(lines.slice(-2)).toEqual(["ZZZZ: NOT_FOUND: no market data for ZZZZ", "3 symbols: 2 scanned, 0 stale, 1 failed"]);
  });

  it("--json prints the ScanUniverseResponse, and the request carries the cap and the query", async () => {
    const run = await remote("universe", "IWM,SPY", "QQQ", ...QUICK_FLAGS, "--sort", "credit", "--per-symbol", "2", "--json");
    expect(run.exitCode).toBe(0);
    const response = ScanUniverseResponse.fromJSON(JSON.parse(run.stdout));
    const query = { ...QUICK_QUERY, sort: SortKey.SORT_KEY_CREDIT };
    expect(response.spreads.map((spread) => spread.id)).toEqual(expectedMerge(["IWM", "SPY", "QQQ"], query, 2).map((spread) => spread.id));
    expect(response.symbols.map((symbol) => [symbol.symbol, symbol.state])).toEqual([
      ["IWM", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
      ["SPY", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
      ["QQQ", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
    ]);
    const sent = coordinator.universeRequests.find((request) => request.symbols.join() === "IWM,SPY,QQQ");
    expect(sent).toMatchObject({ watchlist: "", perSymbolLimit: 2, bypassCache: false });
    expect(sent?.query?.sort).toBe(SortKey.SORT_KEY_CREDIT);
  });

  it("--watchlist scans the named watchlist and says so; an unknown name is the user's to fix (exit 2)", async () => {
    const [named, unknown] = await Promise.all([
      remote("universe", "--watchlist", FIXED_WATCHLIST.name, ...QUICK_FLAGS),
      remote("universe", "--watchlist", "nope", ...QUICK_FLAGS),
    ]);
    expect(named.exitCode).toBe(3);
    expect(named.stdout).toMatch(/^Watchlist mixed of 3 symbols · /);
    expect(rowsOf(named.stdout)).toEqual(expectedMerge(["IWM", "SPY"], QUICK_QUERY, 0).map(rowOf));
    expect(named.stdout).toMatch(/\n3 symbols: 2 scanned, 0 stale, 1 failed\n$/);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe('spreadscan: NOT_FOUND: there is no watchlist named "nope"\nspreadscan: --watchlist: names no watchlist of yours\n');
  });

  it("refuses symbols and --watchlist together, and neither, as bad usage", async () => {
    const [both, neither, badCap] = await Promise.all([
      remote("universe", "SPY", "--watchlist", "mixed"),
      remote("universe", ...QUICK_FLAGS),
      remote("universe", "SPY", "--per-symbol", "0"),
    ]);
    for (const run of [both, neither]) {
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/^error: give the symbols to scan \(SPY QQQ \.\.\.\) or --watchlist NAME, one of the two\n/);
    }
    expect(badCap.exitCode).toBe(2);
    expect(badCap.stderr).toMatch(/--per-symbol.*expected a whole number, 1 or more/);
  });
});

describe("spreadscan universe while the scanner is down", () => {
  it("lists a stale symbol with its age and one without a result, and counts them", async () => {
    const own = await startFixedCoordinator();
    try {
      const args = ["universe", "SPY", "QQQ", ...QUICK_FLAGS, "--addr", own.address];
      expect((await spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--addr", own.address])).exitCode).toBe(0);
      own.setScannerDown(true);
      const run = await spreadscan(args);
      expect(run.exitCode).toBe(3);
      const lines = run.stdout.trimEnd().split("\n");
      expect(lines.slice(-3, -1)).toEqual([
        expect.stringMatching(new RegExp(`^SPY: STALE: the scanner could not be reached; its result is ${ELAPSED} old \\(job job-\\d{6}\\)$`)),
        "QQQ: UNAVAILABLE: the scanner is unavailable: its circuit breaker is open",
      ]);
      expect(lines.at(-1)).toBe("2 symbols: 0 scanned, 1 stale, 1 failed");
      expect(rowsOf(run.stdout)).toEqual(scanFixed("SPY", QUICK_QUERY).spreads.map(rowOf));
    } finally {
      await own.close();
    }
  });
});

// `spreadscan universe ... --watch` against the fixed coordinator (test/fixtures/fixed-coordinator.ts),
// whose WatchUniverse sends one message per step of the fixed market: each frame is the merged
// table of that step, in the order the brute-force merge of the symbols' own results gives, with
// the failed symbol and why, the counts, and the ids that came and went.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchUniverseResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { resolveQuery } from "../../services/engine/index.js";
import { startFixedCoordinator, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { scanFixed } from "../fixtures/fixed-market.js";
import { QUICK_FLAGS, QUICK_QUERY } from "../support/cli-queries.js";
import { spreadscan } from "../support/spreadscan-cli.js";
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

const QUERY = { ...QUICK_QUERY, limit: 6 };
/** The merged list of one step of the fixed market, worked out from the symbols' own results. */
const expectedMerge = (symbols: readonly string[], step: number): Spread[] =>
  mergedByBruteForce(
    symbols.map((symbol) => scanFixed(symbol, QUERY, step).spreads),
    resolveQuery(QUERY).sort,
    6,
    3,
  );

/** A table row as the eye reads it: symbol, expiry, strikes. */
const ROW = /^\s*(\d+)\s+([A-Z.]+)\s+((?:bull|bear|iron)-[a-z]+)\s+(\d{4}-\d\d-\d\d)\s+\d+\s+([\d./]+)\s/;
const rowsOf = (text: string): string[] =>
  text.split("\n").flatMap((line) => {
    const match = ROW.exec(line);
    return match ? [`${match[2]} ${match[4]} ${match[5]}`] : [];
  });
const rowOf = (spread: Spread): string => `${spread.symbol} ${spread.expiryDate} ${spread.legs.map((leg) => String(leg.strike)).join("/")}`;

describe.concurrent("spreadscan universe --watch", () => {
  it("--count 3 prints three frames: each step's merged table, the failed symbol, the counts, and what came and went", async () => {
    const run = await remote(
      "universe",
      "SPY",
      "ZZZZ",
      "QQQ",
      ...QUICK_FLAGS,
      "--limit",
      "6",
      "--per-symbol",
      "3",
      "--watch",
      "--count",
      "3",
      "--interval",
      "20",
    );
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const frames = run.stdout.split(/\n(?=update \d)/);
    expect(frames).toHaveLength(3);
    frames.forEach((frame, step) => {
      const lines = frame.trimEnd().split("\n");
      expect(lines[0]).toMatch(
        new RegExp(`^update ${step + 1}${step === 0 ? " \\(initial\\)" : ""} · as of \\d{4}-\\d\\d-\\d\\dT.* · \\d+ added, \\d+ removed$`),
      );
      expect(lines[1]).toMatch(/^Universe of 3 symbols · .* · 6 shown, at most 3 per symbol$/);
      const expected = expectedMerge(["SPY", "QQQ"], step);
      expect(rowsOf(frame)).toEqual(expected.map(rowOf));
      expect(frame).toContain("ZZZZ: NOT_FOUND: no market data for ZZZZ\n3 symbols: 2 scanned, 0 stale, 1 failed\n");
      if (step === 0) return;
      const before = expectedMerge(["SPY", "QQQ"], step - 1).map((spread) => spread.id);
      const now = expected.map((spread) => spread.id);
      const added = now.filter((id) => !before.includes(id));
      const removed = before.filter((id) => !now.includes(id));
      expect(lines[0]).toContain(`${added.length} added, ${removed.length} removed`);
      if (added.length > 0) expect(frame).toContain(`added:   ${added.join(", ")}\n`);
      if (removed.length > 0) expect(frame).toContain(`removed: ${removed.join(", ")}\n`);
    });
    // The market moved the merged list between the steps, or the frames would prove little.
    expect(expectedMerge(["SPY", "QQQ"], 0).map(rowOf)).not.toEqual(expectedMerge(["SPY", "QQQ"], 2).map(rowOf));
  });

  it("--json prints one WatchUniverseResponse per line", async () => {
    const run = await remote("universe", "--watchlist", "mixed", ...QUICK_FLAGS, "--watch", "--count", "2", "--json");
    expect(run.exitCode).toBe(0);
    const messages = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => WatchUniverseResponse.fromJSON(JSON.parse(line)));
    expect(messages.map((message) => [message.sequence, message.initial])).toEqual([
      [1n, true],
      [2n, false],
    ]);
    expect(messages[0]!.symbols.map((symbol) => [symbol.symbol, symbol.state])).toEqual([
      ["IWM", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
      ["ZZZZ", SymbolScanState.SYMBOL_SCAN_STATE_FAILED],
      ["SPY", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
    ]);
  });

  it("--redraw moves the cursor up over the previous frame and clears below it", async () => {
    const run = await remote("universe", "SPY", "QQQ", ...QUICK_FLAGS, "--watch", "--count", "2", "--redraw");
    expect(run.exitCode).toBe(0);
    // eslint-disable-next-line no-control-regex -- the escape sequences are what is tested
    const redraws = [...run.stdout.matchAll(/\x1b\[(\d+)A\x1b\[0J/g)];
    expect(redraws).toHaveLength(1);
    const [first = ""] = run.stdout.split("\x1b[");
    expect(Number(redraws[0]![1])).toBe(first.trimEnd().split("\n").length);
  });

  it("refuses --interval without --watch", async () => {
    const loose = await remote("universe", "SPY", "--interval", "20");
    expect(loose.exitCode).toBe(2);
    expect(loose.stderr).toMatch(/--interval goes with --watch/);
  });
});

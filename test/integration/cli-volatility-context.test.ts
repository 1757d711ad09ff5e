// `spreadscan scan --chain FILE` with the volatility context: a chain file carrying a year of
// implied volatility history, scanned in its own process with the new flags. The rank the
// result reports is read from --json, and the flags are checked against it: a floor above it
// leaves nothing (every candidate cut by leg filters), a ceiling above it leaves the spreads.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { writeChainFile } from "../../services/cli/chain-file.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { addDays } from "../../services/engine/new-york-time.js";
import { CHAIN_AS_OF, CHAIN_SPOT, spreadscanFromSource } from "../support/cli-chain-files.js";

const directory = mkdtempSync(join(tmpdir(), "cli-volctx-"));
const chainFile = join(directory, "spy.json");
const FLAGS = ["--strategy", "bull-put,bear-call", "--min-dte", "20", "--max-dte", "50", "--max-width", "10", "--limit", "8"];

beforeAll(async () => {
  const chain = generateSyntheticChain({ symbol: "SPY", spot: CHAIN_SPOT, seed: 42, asOf: new Date(CHAIN_AS_OF) });
  // 252 days before 2025-06-02, rising from 0.100 to 0.351.
  chain.impliedVolatilityHistory = {
    days: Array.from({ length: 252 }, (_, day) => ({ date: addDays("2025-06-01", day - 251), impliedVolatility: (100 + day) / 1000 })),
    source: "test",
  };
  await writeChainFile(chainFile, chain);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function scanJson(...flags: string[]): Promise<ScanResult> {
  const run = await spreadscanFromSource("scan", "--chain", chainFile, ...FLAGS, ...flags, "--json");
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  return ScanResult.fromJSON((JSON.parse(run.stdout) as { result: unknown }).result);
}

describe("spreadscan scan --chain with a history", () => {
  it("filters on IV rank and percentile as the result reports them, and says so in the context line", async () => {
    const open = await scanJson();
    const rank = open.marketContext?.ivRank as number;
    const percentile = open.marketContext?.ivPercentile as number;
    expect(rank).toBeGreaterThanOrEqual(0);
    expect(open.marketContext?.ivHistoryDays).toBe(252);
    expect(open.spreads.length).toBeGreaterThan(0);

    const [above, below, percentileAbove] = await Promise.all([
      scanJson("--min-iv-rank", String(Math.min(1, rank + 0.01))),
      scanJson("--max-iv-rank", String(Math.min(1, rank + 0.01))),
      scanJson("--min-iv-percentile", String(Math.min(1, percentile + 0.01))),
    ]);
    for (const barred of [above, percentileAbove]) {
      expect(barred.spreads).toEqual([]);
      expect(barred.candidatesRejectedByLegFilters).toBe(open.candidatesConsidered);
    }
    expect(below.spreads.map((spread) => spread.id)).toEqual(open.spreads.map((spread) => spread.id));

    const table = await spreadscanFromSource("scan", "--chain", chainFile, ...FLAGS);
    expect(table.stdout.split("\n")[1]).toMatch(
      new RegExp(`^SPY 30d IV [\\d.]+% · IV rank ${Math.round(rank * 100)}% \\(252 d, test\\) · IV pct \\d+% · move to `),
    );
  });

  it("sorts by σ distance, farthest first, and keeps only shorts at least --min-short-sigma-distance out", async () => {
    const [sorted, floored] = await Promise.all([scanJson("--sort", "short-sigma-distance"), scanJson("--min-short-sigma-distance", "1.2")]);
    const distances = sorted.spreads.map((spread) => spread.shortSigmaDistance);
    expect(distances.length).toBeGreaterThan(1);
    expect(distances).toEqual([...distances].sort((a, b) => b - a));
    expect(floored.spreads.length).toBeGreaterThan(0);
    for (const spread of floored.spreads) expect(spread.shortSigmaDistance).toBeGreaterThanOrEqual(1.2);
  });
});

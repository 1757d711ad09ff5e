// `spreadscan scan --chain FILE` as a user runs it: the real entry point in its own process,
// on chain files written the way `chain generate` writes them. The spreads it prints are
// checked against the filters it was given and against the engine called directly with the
// same chain and query, not against hard-coded expectations.
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PricingMode, ProbabilityModel, ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { scanChain } from "../../services/engine/index.js";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CHAIN_AS_OF, CHAIN_SPOT, spreadscanFromSource, spyChainFiles } from "../support/cli-chain-files.js";
import { countsText } from "../support/spreadscan-cli.js";
import { projectTool, runTool, type ToolResult } from "../support/tools.js";
import { summedOutcomes } from "../support/candidate-outcomes.js";

const { jsonChain, csvChain, chain } = spyChainFiles("cli-scan-");
const AS_OF = CHAIN_AS_OF;
const SPOT = CHAIN_SPOT;
const spreadscan = spreadscanFromSource;

// One query, as flags and as the ScanQuery they stand for. Bounded in DTE and width so that a
// scan of the whole SPY chain takes a moment (unbounded condors are billions of candidates).
const QUERY_FLAGS = [
  ["--strategy", "bull-put", "--strategy", "BEAR_CALL,iron-condor"],
  ["--min-dte", "20", "--max-dte", "50"],
  ["--min-width", "2", "--max-width", "10"],
  ["--min-pop", "0.6", "--max-short-delta", "0.3"],
  ["--max-loss", "900", "--min-open-interest", "10", "--max-per-expiry", "3"],
  ["--pricing", "natural", "--sort", "pop", "--limit", "12"],
].flat();
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_IRON_CONDOR],
  filters: { minDte: 20, maxDte: 50, minWidth: 2, maxWidth: 10, minPop: 0.6, maxShortDelta: 0.3, maxMaxLoss: 900, minOpenInterest: 10n, maxPerExpiry: 3 },
  pricing: PricingMode.PRICING_MODE_NATURAL,
  sort: SortKey.SORT_KEY_POP,
  limit: 12,
});

// The proto3 JSON fields the checks read; proto3 JSON leaves out fields at their default.
interface JsonLeg {
  readonly action: string;
  readonly right: string;
  readonly strike: number;
  readonly openInterest?: string;
  readonly greeks?: { readonly delta?: number };
}
interface JsonSpread {
  readonly id: string;
  readonly strategy: string;
  readonly expiryDate: string;
  readonly dte?: number;
  readonly legs: readonly JsonLeg[];
  readonly pop?: number;
  readonly maxLoss?: number;
}
interface JsonScanResponse {
  readonly result: {
    readonly symbol: string;
    readonly spreads?: readonly JsonSpread[];
    readonly candidatesEvaluated?: string;
    readonly candidatesPassed?: string;
    readonly candidatesConsidered?: string;
    readonly candidatesFullyEvaluated?: string;
    readonly effectiveQuery?: unknown;
    readonly chainAsOf: string;
    readonly underlyingPrice: number;
  };
}

/** Checks `path` holds a spreadscan.scanner.v1.ScanResponse in proto3 JSON, by buf and the real descriptor set. */
async function bufConvert(path: string): Promise<ToolResult> {
  const descriptor = projectTool("gen/descriptor/spreadscan.binpb");
  return runTool(projectTool("node_modules/.bin/buf"), [
    "convert",
    descriptor,
    "--type",
    "spreadscan.scanner.v1.ScanResponse",
    "--from",
    `${path}#format=json`,
    "--to",
    "-#format=json",
  ]);
}

const wings = (legs: readonly JsonLeg[]): number[] => {
  const strikes = legs.map((leg) => leg.strike);
  const [a = 0, b = 0, c = 0, d = 0] = strikes;
  return strikes.length === 4 ? [b - a, d - c] : [b - a];
};

function expectFiltersHold(spreads: readonly JsonSpread[]): void {
  const perExpiry = new Map<string, number>();
  for (const spread of spreads) {
    expect(["STRATEGY_BULL_PUT", "STRATEGY_BEAR_CALL", "STRATEGY_IRON_CONDOR"]).toContain(spread.strategy);
    expect(spread.dte ?? 0).toBeGreaterThanOrEqual(20);
    expect(spread.dte ?? 0).toBeLessThanOrEqual(50);
    for (const wing of wings(spread.legs)) {
      expect(wing).toBeGreaterThanOrEqual(2);
      expect(wing).toBeLessThanOrEqual(10);
    }
    expect(spread.pop ?? 0).toBeGreaterThanOrEqual(0.6);
    expect(spread.maxLoss ?? 0).toBeLessThanOrEqual(900);
    for (const leg of spread.legs) {
      expect(BigInt(leg.openInterest ?? "0")).toBeGreaterThanOrEqual(10n);
      if (leg.action !== "LEG_ACTION_SELL") continue;
      expect(Math.abs(leg.greeks?.delta ?? 0)).toBeLessThanOrEqual(0.3);
      // Short strikes out of the money is on unless --no-short-strikes-out-of-the-money.
      if (leg.right === "OPTION_RIGHT_PUT") expect(leg.strike).toBeLessThan(SPOT);
      else expect(leg.strike).toBeGreaterThan(SPOT);
    }
    perExpiry.set(spread.expiryDate, (perExpiry.get(spread.expiryDate) ?? 0) + 1);
  }
  expect(Math.max(...perExpiry.values())).toBeLessThanOrEqual(3);
  const pops = spreads.map((spread) => spread.pop ?? 0);
  expect(pops).toEqual([...pops].sort((a, b) => b - a));
}

describe("spreadscan scan --chain --json", () => {
  it.each([
    ["JSON", jsonChain],
    ["CSV", csvChain],
  ])("prints a valid ScanResponse for a %s chain, every spread within the filters, the engine's own answer", async (_form, path) => {
    const run = await spreadscan("scan", "--chain", path, ...QUERY_FLAGS, "--json");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);

    const outPath = `${path}.out.json`;
    writeFileSync(outPath, run.stdout);
    const converted = await bufConvert(outPath);
    expect(converted.stderr).toBe("");
    expect(converted.exitCode).toBe(0);
    // buf drops fields it does not know without a word: what it reads back must be all we wrote.
    const response = JSON.parse(run.stdout) as JsonScanResponse;
    const reread = JSON.parse(converted.stdout) as JsonScanResponse;
    expect(new Date(reread.result.chainAsOf).getTime()).toBe(new Date(response.result.chainAsOf).getTime());
    expect({ ...reread.result, chainAsOf: undefined }).toEqual({ ...response.result, chainAsOf: undefined });

    const spreads = response.result.spreads ?? [];
    expect(response.result).toMatchObject({ symbol: "SPY", underlyingPrice: SPOT });
    expect(new Date(response.result.chainAsOf).toISOString()).toBe(new Date(AS_OF).toISOString());
    expect(spreads.length).toBeGreaterThan(0);
    expect(spreads.length).toBeLessThanOrEqual(12);
    expectFiltersHold(spreads);

    const direct = scanChain(chain(), QUERY);
    expect(spreads.map((spread) => spread.id)).toEqual(direct.spreads.map((spread) => spread.id));
    expect(response.result.candidatesConsidered).toBe(direct.candidatesConsidered.toString());
    expect(response.result.candidatesEvaluated).toBe(direct.candidatesConsidered.toString());
    expect(response.result.candidatesFullyEvaluated).toBe(direct.candidatesFullyEvaluated.toString());
    expect(response.result.candidatesPassed).toBe(direct.candidatesPassed.toString());
    // The flags as given, and the one default they leave to the engine: short |delta| from 0.10.
    expect(response.result.effectiveQuery).toEqual({
      strategies: ["STRATEGY_BULL_PUT", "STRATEGY_BEAR_CALL", "STRATEGY_IRON_CONDOR"],
      filters: {
        minDte: 20,
        maxDte: 50,
        minShortDelta: 0.1,
        maxShortDelta: 0.3,
        minWidth: 2,
        maxWidth: 10,
        maxMaxLoss: 900,
        minPop: 0.6,
        minOpenInterest: "10",
        shortStrikesOutOfTheMoney: true,
        maxPerExpiry: 3,
      },
      sort: "SORT_KEY_POP",
      pricing: "PRICING_MODE_NATURAL",
      limit: 12,
      scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
      probabilityModel: "PROBABILITY_MODEL_EXPIRY_ATM_IV",
    });
  });

  it("prints an empty result as success", async () => {
    const run = await spreadscan("scan", "--chain", jsonChain, "--strategy", "bull-put", "--max-width", "2", "--min-credit", "5", "--max-dte", "30", "--json");
    expect(run.exitCode).toBe(0);
    const response = JSON.parse(run.stdout) as JsonScanResponse;
    expect(response.result.spreads ?? []).toEqual([]);
  });
});

describe("spreadscan scan --chain with no query flags", () => {
  it("applies the defaults, as the services do, and says so", async () => {
    const [table, json] = await Promise.all([spreadscan("scan", "--chain", jsonChain), spreadscan("scan", "--chain", jsonChain, "--json")]);
    expect(table.stderr).toBe("");
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(
      /^SPY 600\.00 as of 2025-06-02T14:30:00Z \(live\) · DTE 7–60 · short \|Δ\| ≥ 0\.10 · width ≤ \$12 · all strategies · by score · σ ATM per expiry · /,
    );
    const response = JSON.parse(json.stdout) as JsonScanResponse;
    // Worked out from the documented rules: $1 strikes at $600, so 2% is twelve of them.
    expect(response.result.effectiveQuery).toEqual({
      strategies: ["STRATEGY_BULL_PUT", "STRATEGY_BEAR_CALL", "STRATEGY_BULL_CALL", "STRATEGY_BEAR_PUT", "STRATEGY_IRON_CONDOR", "STRATEGY_IRON_BUTTERFLY"],
      filters: { minDte: 7, maxDte: 60, minShortDelta: 0.1, maxWidth: 12, shortStrikesOutOfTheMoney: true },
      sort: "SORT_KEY_SCORE",
      pricing: "PRICING_MODE_MID",
      limit: 20,
      scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
      probabilityModel: "PROBABILITY_MODEL_EXPIRY_ATM_IV",
    });
    expect(response.result.spreads).toHaveLength(20);
  });

  it("answers iron condors made $1,000 wide (no query is refused for its size), with no budget warning; its counts add up", async () => {
    const broad = ["scan", "--chain", jsonChain, "--strategy", "iron-condor", "--max-width", "1000"];
    const [run, json] = await Promise.all([spreadscan(...broad), spreadscan(...broad, "--json")]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toMatch(/Warning/);
    const result = ScanResult.fromJSON((JSON.parse(json.stdout) as { result: unknown }).result);
    expect(summedOutcomes(result)).toBe(result.candidatesConsidered);
    expect(result.candidatesBoundedOut).toBeGreaterThan(0n);
    // The header says the bounded out too, so that its counts add up to the candidates.
    expect(run.stdout).toContain(` · ${countsText(result)}, 20 shown · `);
    expect(run.stdout).toMatch(/^SPY .* [\d,]+ candidates: .* fully evaluated, [\d,]+ bounded out(?:, [\d,]+ unexplored)?, 20 shown · /);
  });
});

describe("spreadscan scan --chain: the probability model", () => {
  interface ModelJson {
    readonly result: {
      readonly spreads: readonly { readonly id: string; readonly volatility: number }[];
      readonly effectiveQuery: { readonly probabilityModel?: string; readonly volatility?: number };
      readonly expiryDistributions: readonly { readonly volatility?: number; readonly volatilitySource: string; readonly strike?: number }[];
    };
  }
  const BOUNDED = ["--strategy", "bull-put,iron-condor", "--max-dte", "30", "--max-width", "5"];
  const QUERY_BOUNDED = { strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_IRON_CONDOR], filters: { maxDte: 30, maxWidth: 5 } };

  it("--probability-model short-leg and --volatility choose the model, as the engine answers them, and the header says which", async () => {
    const [shortLeg, caller, callerTable, defaultTable] = await Promise.all([
      spreadscan("scan", "--chain", jsonChain, ...BOUNDED, "--probability-model", "short-leg", "--json"),
      spreadscan("scan", "--chain", jsonChain, ...BOUNDED, "--volatility", "0.25", "--json"),
      spreadscan("scan", "--chain", jsonChain, ...BOUNDED, "--volatility", "0.25"),
      spreadscan("scan", "--chain", jsonChain, ...BOUNDED),
    ]);
    for (const run of [shortLeg, caller, callerTable, defaultTable]) {
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
    }
    const underShortLeg = (JSON.parse(shortLeg.stdout) as ModelJson).result;
    expect(underShortLeg.effectiveQuery).toMatchObject({ probabilityModel: "PROBABILITY_MODEL_SHORT_LEG_IV" });
    expect(underShortLeg.expiryDistributions.map((distribution) => distribution.volatilitySource)).toContain("VOLATILITY_SOURCE_SHORT_LEG");
    const direct = scanChain(chain(), ScanQuery.fromPartial({ ...QUERY_BOUNDED, probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV }));
    expect(underShortLeg.spreads.map((spread) => spread.id)).toEqual(direct.spreads.map((spread) => spread.id));

    const underCaller = (JSON.parse(caller.stdout) as ModelJson).result;
    expect(underCaller.effectiveQuery).toMatchObject({ probabilityModel: "PROBABILITY_MODEL_CALLER_VOLATILITY", volatility: 0.25 });
    expect(underCaller.spreads.length).toBeGreaterThan(0);
    for (const spread of underCaller.spreads) expect(spread.volatility).toBe(0.25);

    expect(callerTable.stdout.split("\n")[0]).toContain(" · by score · σ 25.0% (given) · ");
    // Under the default, each row's σ is its expiration's at-the-money σ.
    const [summary = "", , header = "", , ...rows] = defaultTable.stdout.trimEnd().split("\n");
    expect(summary).toContain(" · by score · σ ATM per expiry · ");
    const sigmaColumn = header.split(/\s{2,}/).indexOf("σ");
    expect(sigmaColumn).toBeGreaterThan(0);
    const defaults = scanChain(chain(), ScanQuery.fromPartial(QUERY_BOUNDED));
    const sigmaOf = new Map(defaults.expiryDistributions.map((distribution) => [distribution.expiryDate, distribution.volatility ?? Number.NaN]));
    expect(rows).toHaveLength(defaults.spreads.length);
    rows.forEach((row, index) => {
      const spread = defaults.spreads[index]!;
      expect(row).toContain(`${((sigmaOf.get(spread.expiryDate) ?? Number.NaN) * 100).toFixed(1)}%`);
    });
  });
});

describe("spreadscan scan --chain (table)", () => {
  it("prints a summary line and one row per spread, with its strategy and strikes", async () => {
    const [table, json] = await Promise.all([
      spreadscan("scan", "--chain", jsonChain, ...QUERY_FLAGS),
      spreadscan("scan", "--chain", jsonChain, ...QUERY_FLAGS, "--json"),
    ]);
    expect(table.exitCode).toBe(0);
    expect(table.stderr).toBe("");
    const spreads = (JSON.parse(json.stdout) as JsonScanResponse).result.spreads ?? [];

    const [summary = "", contextLine = "", header = "", rule = "", ...rows] = table.stdout.trimEnd().split("\n");
    expect(summary).toMatch(
      /^SPY 600\.00 as of 2025-06-02T14:30:00Z \(live\) · DTE 20–50 · short \|Δ\| 0\.10–0\.30 · width \$2–\$10 · bull-put, bear-call, iron-condor · by POP · σ ATM per expiry · natural fills · (?:[a-z-]+ [\d.]+ · )+[\d,]+ candidates: [\d,]+ cut by leg filters, [\d,]+ by spread filters, [\d,]+ ranked out early, [\d,]+ fully evaluated(?:, [\d,]+ bounded out)?(?:, [\d,]+ unexplored)?, \d+ shown · /,
    );
    expect(summary).toContain(` · ${countsText(ScanResult.fromJSON((JSON.parse(json.stdout) as { result: unknown }).result))}, ${spreads.length} shown · `);
    expect(summary).toMatch(/ · [\d.]+ ms$/);
    // A chain file carries no history: the rank and percentile are unknown, said so, never 0.
    const top = spreads[0]!.expiryDate;
    expect(contextLine).toMatch(
      new RegExp(`^SPY 30d IV [\\d.]+% · IV rank unknown \\(no history\\) · IV pct unknown · move to ${top} ±\\$[\\d.]+ straddle / ±\\$[\\d.]+ 1σ$`),
    );
    expect(header).toMatch(/#\s+strategy\s+expiry\s+DTE\s+strikes\s+credit\s+max profit\s+max loss\s+breakevens\s+POP\s+touch\s+σ\s+σ dist\s+EV\s+RoR\s+score/);
    expect(rule).toMatch(/^─+$/);
    expect(rows).toHaveLength(spreads.length);
    rows.forEach((row, index) => {
      const spread = spreads[index]!;
      const strategy = spread.strategy
        .replace(/^STRATEGY_/, "")
        .toLowerCase()
        .replaceAll("_", "-");
      const strikes = spread.legs.map((leg) => leg.strike).join("/");
      expect(row).toMatch(new RegExp(`^\\s*${index + 1}\\s+${strategy}\\s+${spread.expiryDate}\\s+${spread.dte ?? 0}\\s+${strikes}\\s`));
    });
  });

  it("says so plainly when no spread passes", async () => {
    const run = await spreadscan("scan", "--chain", jsonChain, "--strategy", "bull-put", "--max-width", "2", "--min-credit", "5", "--max-dte", "30");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^SPY 600\.00 .* [\d,]+ candidates: [\d,]+ cut by leg filters, [\d,]+ by spread filters, 0 ranked out early, 0 fully evaluated(?:, [\d,]+ bounded out)?, 0 shown/,
    );
    expect(lines[1]).toMatch(/^SPY 30d IV [\d.]+% · IV rank unknown \(no history\) · /);
    expect(lines[2]).toBe("No spreads passed the filters.");
    // Why: the filters that rejected candidates, as flags, most first; --min-credit among them.
    expect(lines[3]).toMatch(/^nothing qualified: --[a-z-]+ rejected [\d,]+(, (--[a-z-]+|no spread \(nothing to gain or nothing at risk\)) [\d,]+)*$/);
    expect(lines[3]).toMatch(/--min-credit( rejected)? [\d,]+/);
  });
});

// The `spreadscan` commands that call the coordinator, as a user runs them: the real entry
// point in its own process, against a CoordinatorService on loopback whose answers come from
// the real engine on fixed synthetic chains (test/fixtures/fixed-coordinator.ts). What the
// CLI prints is checked against what the server sent and against the engine called directly.
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetMetricsResponse,
  ListJobsResponse,
  ScanBatchResponse,
  ScanResponse,
  WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import { LegAction, type Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, SortKey, Strategy, PricingMode } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { scanChain } from "../../services/engine/index.js";
import { fixedChain, RETRY_DELAY_MS, startFixedCoordinator, WATCH_UPDATES, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { REPO_ROOT, type ToolResult } from "../support/tools.js";

const MAIN = "services/cli/main.ts";
const NODE_ARGS = ["--import", "tsx", MAIN];
const SPOT = 600;

/** Runs the CLI to completion; the environment is this process's without SPREADSCAN_ADDR, plus `env`. */
function spreadscan(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ToolResult> {
  const { SPREADSCAN_ADDR: _inherited, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...NODE_ARGS, ...args],
      { cwd: REPO_ROOT, timeout: 15_000, maxBuffer: 16 * 1024 * 1024, env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        resolve({ exitCode: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

// One query, as flags and as the ScanQuery they stand for; bounded so a scan takes a moment.
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
/** A small, quick query for the commands whose output is not about the spreads. */
const QUICK_FLAGS = ["--strategy", "bull-put", "--max-dte", "30", "--max-width", "5", "--limit", "4"];
const QUICK_QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 30, maxWidth: 5 }, limit: 4 });

function expectFiltersHold(spreads: readonly Spread[]): void {
  const perExpiry = new Map<string, number>();
  for (const spread of spreads) {
    expect([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_IRON_CONDOR]).toContain(spread.strategy);
    expect(spread.dte).toBeGreaterThanOrEqual(20);
    expect(spread.dte).toBeLessThanOrEqual(50);
    const strikes = spread.legs.map((leg) => leg.strike);
    const wings = strikes.length === 4 ? [strikes[1]! - strikes[0]!, strikes[3]! - strikes[2]!] : [strikes[1]! - strikes[0]!];
    for (const wing of wings) {
      expect(wing).toBeGreaterThanOrEqual(2);
      expect(wing).toBeLessThanOrEqual(10);
    }
    expect(spread.pop).toBeGreaterThanOrEqual(0.6);
    expect(spread.maxLoss).toBeLessThanOrEqual(900);
    for (const leg of spread.legs) {
      expect(leg.openInterest).toBeGreaterThanOrEqual(10n);
      if (leg.action !== LegAction.LEG_ACTION_SELL) continue;
      expect(Math.abs(leg.greeks?.delta ?? 0)).toBeLessThanOrEqual(0.3);
      if (leg.right === OptionRight.OPTION_RIGHT_PUT) expect(leg.strike).toBeLessThan(SPOT);
      else expect(leg.strike).toBeGreaterThan(SPOT);
    }
    perExpiry.set(spread.expiryDate, (perExpiry.get(spread.expiryDate) ?? 0) + 1);
  }
  expect(Math.max(...perExpiry.values())).toBeLessThanOrEqual(3);
  const pops = spreads.map((spread) => spread.pop);
  expect(pops).toEqual([...pops].sort((a, b) => b - a));
}

/** What became of the candidates, as the header of a result says it. */
function countsText(result: ScanResult): string {
  const count = (value: bigint): string => value.toLocaleString("en-US");
  return (
    `${count(result.candidatesConsidered)} candidates: ${count(result.candidatesRejectedByLegFilters)} cut by leg filters, ` +
    `${count(result.candidatesRejectedBySpreadFilters)} by spread filters, ${count(result.candidatesRankedOut)} ranked out early, ` +
    `${count(result.candidatesFullyEvaluated)} fully evaluated`
  );
}

/**
 * What a bare query applies, worked out from the documented rules rather than asked of the
 * engine: DTE 7–60, short |Δ| ≥ 0.10, wings up to 2% of the price in whole strike increments
 * (the fixed SPY, QQQ and IWM list $1 strikes: $12 at $600, $10 at $520, $5 at $230), all six
 * strategies, by score at mid, the best 20, weights 0.5/0.3/0.2, shorts out of the money,
 * each expiration's at-the-money σ.
 */
function defaultsJson(maxWidth: number): Record<string, unknown> {
  return {
    strategies: ["STRATEGY_BULL_PUT", "STRATEGY_BEAR_CALL", "STRATEGY_BULL_CALL", "STRATEGY_BEAR_PUT", "STRATEGY_IRON_CONDOR", "STRATEGY_IRON_BUTTERFLY"],
    filters: { minDte: 7, maxDte: 60, minShortDelta: 0.1, maxWidth, shortStrikesOutOfTheMoney: true },
    sort: "SORT_KEY_SCORE",
    pricing: "PRICING_MODE_MID",
    limit: 20,
    scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
    probabilityModel: "PROBABILITY_MODEL_EXPIRY_ATM_IV",
  };
}
const defaultsText = (maxWidth: number): string => `DTE 7–60 · short |Δ| ≥ 0.10 · width ≤ $${maxWidth} · all strategies · by score · σ ATM per expiry`;

/** Flags broader than the engine can bound: iron condors with wings up to $1,000 on a full chain. */
const BROAD_FLAGS = ["--strategy", "iron-condor", "--max-width", "1000"];
const BROAD_REFUSAL =
  "--max-width: the query reaches more than 25,000,000 candidate spreads; narrow it with --max-width (iron spreads grow fastest with it), a DTE range or short delta bounds";
const occurrences = (text: string, part: string): number => text.split(part).length - 1;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\$]/g, "\\$&");
/** A pattern for text that starts with `prefix`, so a failure shows both in full. */
const startsWith = (prefix: string): RegExp => new RegExp(`^${escape(prefix)}`);

const tableRows = (stdout: string): string[] => stdout.split("\n").filter((line) => /^\s*\d+\s+(bull|bear|iron)-/.test(line));
const noStackTrace = (stderr: string): void => expect(stderr).not.toMatch(/^\s+at /m);
/** A span as the CLI prints it: "850 ms", "1.3 s", "2 min 5 s". */
const ELAPSED = String.raw`\d+(?:\.\d)? (?:ms|s|min \d+ s)`;

let coordinator: FixedCoordinator;
const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", coordinator.address]);

beforeAll(async () => {
  coordinator = await startFixedCoordinator();
});
afterAll(async () => {
  await coordinator.close();
});

describe.concurrent("spreadscan scan SYMBOL", () => {
  it("--json prints the coordinator's ScanResponse in proto3 JSON: what the server sent, within the filters, the engine's own answer", async () => {
    const run = await remote("scan", "SPY", ...QUERY_FLAGS, "--json");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);

    const json = JSON.parse(run.stdout) as { jobId: string; age?: string; result: { chainAsOf: string } };
    // Canonical proto3 JSON: a Duration is "1.5s", not ts-proto's {"seconds": ...}; a Timestamp is RFC 3339.
    expect(json.age).toMatch(/^\d+(\.\d+)?s$/);
    expect(json.result.chainAsOf).toBe("2025-06-02T14:30:00Z");
    const sent = coordinator.sentScans.get(json.jobId);
    expect(sent).toBeDefined();
    const parsed = ScanResponse.fromJSON(json);
    expect(parsed).toEqual(sent);

    const spreads = parsed.result?.spreads ?? [];
    expect(spreads.length).toBeGreaterThan(0);
    expect(spreads.length).toBeLessThanOrEqual(12);
    expectFiltersHold(spreads);
    const direct = scanChain(fixedChain("SPY"), QUERY);
    expect(spreads.map((spread) => spread.id)).toEqual(direct.spreads.map((spread) => spread.id));
  });

  it("prints the table and where the result came from; the second time it is a cache hit of the same job", async () => {
    const flags = [...QUERY_FLAGS, "--limit", "6"];
    const first = await remote("scan", "SPY", ...flags);
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    const lines = first.stdout.trimEnd().split("\n");
    const origin = /^job (job-\d{6}) · fresh scan$/.exec(lines.at(-1) ?? "");
    expect(origin).not.toBeNull();
    const sent = coordinator.sentScans.get(origin![1]!)!;
    // The query as applied: the flags, with the short delta floor the defaults add under --max-short-delta.
    expect(lines[0]).toMatch(
      startsWith(
        "SPY 600.00 as of 2025-06-02T14:30:00Z (live) · DTE 20–50 · short |Δ| 0.10–0.30 · width $2–$10 · bull-put, bear-call, iron-condor · by POP · σ ATM per expiry · " +
          `natural fills · max-max-loss 900 · min-pop 0.6 · min-open-interest 10 · max-per-expiry 3 · ${countsText(sent.result!)}, 6 shown · skipped `,
      ),
    );
    const rows = tableRows(first.stdout);
    expect(rows).toHaveLength(6);
    rows.forEach((row, index) => {
      const spread = sent.result!.spreads[index]!;
      const strategy = Strategy[spread.strategy].replace(/^STRATEGY_/, "").toLowerCase().replaceAll("_", "-");
      const strikes = spread.legs.map((leg) => leg.strike).join("/");
      expect(row).toMatch(new RegExp(`^\\s*${index + 1}\\s+${strategy}\\s+${spread.expiryDate}\\s+${spread.dte}\\s+${strikes}\\s`));
    });

    const second = await remote("scan", "SPY", ...flags);
    expect(second.exitCode).toBe(0);
    expect(second.stdout.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`^job ${origin![1]!} · cache hit, computed ${ELAPSED} ago$`));
    expect(tableRows(second.stdout)).toEqual(rows);
  });

  it("--no-cache asks for a fresh scan", async () => {
    const run = await remote("scan", "SPY", ...QUICK_FLAGS, "--limit", "3", "--no-cache", "--json");
    expect(run.exitCode).toBe(0);
    const request = coordinator.scanRequests.find((candidate) => candidate.query?.limit === 3);
    expect(request).toMatchObject({ symbol: "SPY", bypassCache: true });
    expect(coordinator.scanRequests.filter((candidate) => candidate.query?.limit !== 3).every((candidate) => !candidate.bypassCache)).toBe(true);
  });

  it("an unknown symbol is NOT_FOUND, exit 2, one line", async () => {
    const run = await remote("scan", "zzzz", ...QUICK_FLAGS);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("spreadscan: NOT_FOUND: no market data for ZZZZ\n");
  });

  it("a query the coordinator refuses: INVALID_ARGUMENT, then each violation named by the flag the user typed", async () => {
    const run = await remote("scan", "SPY", "--min-pop", "1.5", "--min-dte", "30", "--max-dte", "10", "--max-loss", "-5");
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    noStackTrace(run.stderr);
    const lines = run.stderr.trimEnd().split("\n");
    // The status line does not repeat the violations the lines below it name.
    expect(lines[0]).toBe("spreadscan: INVALID_ARGUMENT: invalid request");
    expect(lines.slice(1).sort()).toEqual([
      "spreadscan: --max-loss: must be from 0 to 1000000000 dollars; got -5",
      "spreadscan: --min-dte: must not be above --max-dte (30 > 10)",
      "spreadscan: --min-pop: must be from 0 to 1; got 1.5",
    ]);
    // The coordinator judged it, not the CLI: the request reached it.
    expect(coordinator.scanRequests.some((request) => request.query?.filters?.minPop === 1.5)).toBe(true);
  });

  it("bad usage: SYMBOL with --chain, chain flags without it, neither", async () => {
    const [both, spot, neither] = await Promise.all([
      remote("scan", "SPY", "--chain", "chain.json"),
      remote("scan", "SPY", "--spot", "600"),
      remote("scan"),
    ]);
    expect([both.exitCode, spot.exitCode, neither.exitCode]).toEqual([2, 2, 2]);
    expect(both.stderr).toMatch(/give SYMBOL to scan through the coordinator or --chain to scan a file, not both/);
    expect(spot.stderr).toMatch(/--spot applies only to a chain file \(--chain\)/);
    expect(neither.stderr).toMatch(/required option '--chain <file>' not specified, and no SYMBOL given/);
  });
});

describe.concurrent("no coordinator at --addr", () => {
  it.each([
    ["scan", ["scan", "SPY"]],
    ["watch", ["watch", "SPY", "--count", "1"]],
    ["batch", ["batch", "SPY", "QQQ"]],
    ["jobs", ["jobs"]],
    ["health", ["health"]],
  ])("%s says so, names the address, exits 1", async (_command, args) => {
    const port = await freePort();
    const run = await spreadscan([...args, "--addr", `127.0.0.1:${port}`]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(new RegExp(`^spreadscan: UNAVAILABLE: no coordinator at 127\\.0\\.0\\.1:${port} — start one with \`make run\`.*ECONNREFUSED.*\\n$`));
  });

  it("takes the address from SPREADSCAN_ADDR", async () => {
    const port = await freePort();
    const run = await spreadscan(["metrics"], { SPREADSCAN_ADDR: `127.0.0.1:${port}` });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`no coordinator at 127.0.0.1:${port}`);
  });
});

describe.concurrent("a bare query, and one broader than the engine can bound", () => {
  it("scan SYMBOL alone answers: the header says the defaults applied and what became of the candidates", async () => {
    const run = await remote("scan", "SPY");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    const sent = coordinator.sentScans.get(/^job (job-\d{6})/.exec(lines.at(-1) ?? "")?.[1] ?? "")!;
    expect(lines[0]).toMatch(startsWith(`SPY 600.00 as of 2025-06-02T14:30:00Z (live) · ${defaultsText(12)} · ${countsText(sent.result!)}, 20 shown · skipped `));
    expect(tableRows(run.stdout)).toHaveLength(20);
  });

  it("--json carries the effective query, every default filled in, and the candidate counts, which add up", async () => {
    const run = await remote("scan", "SPY", "--json");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as { result: Record<string, unknown> & { effectiveQuery: unknown; spreads: { dte: number; width: number }[] } };
    expect(json.result.effectiveQuery).toEqual(defaultsJson(12));
    expect(json.result.spreads).toHaveLength(20);
    for (const spread of json.result.spreads) {
      expect(spread.dte).toBeGreaterThanOrEqual(7);
      expect(spread.dte).toBeLessThanOrEqual(60);
      expect(spread.width).toBeLessThanOrEqual(12);
    }
    const count = (field: string): number => Number(json.result[field] ?? 0);
    const considered = count("candidatesConsidered");
    expect(considered).toBeGreaterThan(0);
    expect(count("candidatesRejectedByLegFilters") + count("candidatesRejectedBySpreadFilters") + count("candidatesRankedOut") + count("candidatesFullyEvaluated")).toBe(
      considered,
    );
    expect(count("candidatesEvaluated")).toBe(considered);
  });

  it("watch and batch answer a bare query too, each symbol with its own width bound", async () => {
    const [watch, batch] = await Promise.all([remote("watch", "SPY", "--count", "1"), remote("batch", "SPY", "QQQ", "IWM")]);
    expect(watch.stderr).toBe("");
    expect(watch.exitCode).toBe(0);
    expect(watch.stdout).toContain(`SPY 600.00 as of 2025-06-02T14:30:00Z (live) · ${defaultsText(12)} · `);
    expect(tableRows(watch.stdout)).toHaveLength(20);
    expect(batch.stderr).toBe("");
    expect(batch.exitCode).toBe(0);
    expect(batch.stdout).toMatch(new RegExp(`^SPY 600\\.00 as of .* · ${escape(defaultsText(12))} · `, "m"));
    expect(batch.stdout).toMatch(new RegExp(`^QQQ 520\\.00 as of .* · ${escape(defaultsText(10))} · `, "m"));
    expect(batch.stdout).toMatch(new RegExp(`^IWM 230\\.00 as of .* · ${escape(defaultsText(5))} · `, "m"));
    expect(tableRows(batch.stdout)).toHaveLength(60);
  });

  it("scan and watch refuse a query made broader than the engine can bound, naming --max-width, each line once", async () => {
    const [scan, watch] = await Promise.all([remote("scan", "SPY", ...BROAD_FLAGS), remote("watch", "SPY", ...BROAD_FLAGS)]);
    for (const run of [scan, watch]) {
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(`spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: ${BROAD_REFUSAL}\n`);
    }
  });

  it("batch prints each symbol's refusal once; jobs get prints a failed job's once", async () => {
    const batch = await remote("batch", "SPY", "QQQ", ...BROAD_FLAGS);
    expect(batch.exitCode).toBe(3);
    for (const symbol of ["SPY", "QQQ"]) expect(batch.stdout).toContain(`${symbol}: INVALID_ARGUMENT: invalid request\n  ${BROAD_REFUSAL}\n`);
    expect(occurrences(batch.stdout, "25,000,000")).toBe(2);

    // A coordinator of its own, so that its failed job shows in no other test's job list.
    const own = await startFixedCoordinator();
    try {
      const submitted = await spreadscan(["jobs", "submit", "SPY", ...BROAD_FLAGS, "--addr", own.address]);
      expect(submitted.exitCode).toBe(0);
      const id = submitted.stdout.trim();
      own.runJob(id);
      const got = await spreadscan(["jobs", "get", id, "--addr", own.address]);
      expect(got.exitCode).toBe(0);
      expect(got.stdout).toMatch(/^state\s+failed$/m);
      expect(got.stdout).toMatch(/^error\s+INVALID_ARGUMENT: invalid request$/m);
      expect(got.stdout).toMatch(/^\s+query\.filters\.max_width: the query reaches more than 25,000,000 candidate spreads; narrow it with max_width /m);
      expect(occurrences(got.stdout, "25,000,000")).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe.concurrent("spreadscan watch", () => {
  it("--count 3 prints three updates with rising sequence and chain version, and the ids that came and went", async () => {
    const run = await remote("watch", "SPY", ...QUICK_FLAGS, "--count", "3", "--interval", "20");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const headers = run.stdout.split("\n").filter((line) => line.startsWith("update "));
    expect(headers).toHaveLength(3);
    headers.forEach((header, index) => {
      expect(header).toMatch(new RegExp(`^update ${index + 1}${index === 0 ? " \\(initial\\)" : ""} · chain version ${index + 1} · as of 2025-06-02T14:3${index}:00Z · \\d+ added, \\d+ removed$`));
    });
    expect(coordinator.watchRequests.some((request) => request.minIntervalMs === 20)).toBe(true);

    // The ids are the engine's: what left and joined the top 4 as the price moved.
    const ids = [0, 1, 2].map((step) => scanChain(fixedChain("SPY", step), QUICK_QUERY).spreads.map((spread) => spread.id));
    const blocks = run.stdout.split(/\n(?=update )/);
    for (const step of [1, 2]) {
      const added = ids[step]!.filter((id) => !ids[step - 1]!.includes(id));
      const removed = ids[step - 1]!.filter((id) => !ids[step]!.includes(id));
      expect(added.length + removed.length).toBeGreaterThan(0);
      const block = blocks[step]!;
      expect(block).toContain(`${added.length} added, ${removed.length} removed`);
      if (added.length > 0) expect(block).toContain(`added:   ${added.join(", ")}\n`);
      if (removed.length > 0) expect(block).toContain(`removed: ${removed.join(", ")}\n`);
    }
  });

  it("--json prints one WatchSpreadsResponse per line", async () => {
    const run = await remote("watch", "SPY", ...QUICK_FLAGS, "--count", "3", "--json");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(WATCH_UPDATES);
    const updates = lines.map((line) => WatchSpreadsResponse.fromJSON(JSON.parse(line)).update!);
    expect(updates.map((update) => update.sequence)).toEqual([1n, 2n, 3n]);
    expect(updates.map((update) => update.initial)).toEqual([true, false, false]);
    expect(updates[0]!.result!.spreads.map((spread) => spread.id)).toEqual(scanChain(fixedChain("SPY"), QUICK_QUERY).spreads.map((spread) => spread.id));
  });

  it("--redraw moves the cursor up over the previous update and clears below it", async () => {
    const run = await remote("watch", "SPY", ...QUICK_FLAGS, "--count", "3", "--redraw");
    expect(run.exitCode).toBe(0);
    // eslint-disable-next-line no-control-regex -- the escape sequences are what is tested
    const redraws = [...run.stdout.matchAll(/\x1b\[(\d+)A\x1b\[0J/g)];
    expect(redraws).toHaveLength(2);
    const [first = ""] = run.stdout.split("\x1b[");
    expect(Number(redraws[0]![1])).toBe(first.trimEnd().split("\n").length);
  });

  it("Ctrl-C ends it with status 0", async () => {
    const child = spawn(process.execPath, [...NODE_ARGS, "watch", "SPY", ...QUICK_FLAGS, "--addr", coordinator.address], { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    const deadline = Date.now() + 10_000;
    while (!stdout.includes(`update ${WATCH_UPDATES}`) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill("SIGINT");
    const [code, signal] = await exited;
    expect(stderr).toBe("");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stdout).toContain("update 1 (initial)");
  });

  it("a refused query ends the stream with the flags named, exit 2", async () => {
    const run = await remote("watch", "SPY", "--limit", "0");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: --limit: must be from 1 to 1000 spreads; got 0\n");
  });
});

describe.concurrent("spreadscan batch", () => {
  it("prints each symbol as it streams, NOT_FOUND for the unknown one, and exits 3", async () => {
    const run = await remote("batch", "SPY", "ZZZZ", "qqq", ...QUICK_FLAGS);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toBe("spreadscan: 1 of 3 symbols failed: ZZZZ (NOT_FOUND)\n");
    const heads = run.stdout.split("\n").filter((line) => /^[A-Z]+: /.test(line));
    expect(heads[0]).toMatch(new RegExp(`^SPY: job job-\\d{6} · (fresh scan|cache hit, computed ${ELAPSED} ago)$`));
    expect(heads[1]).toBe("ZZZZ: NOT_FOUND: no market data for ZZZZ");
    expect(heads[2]).toMatch(/^QQQ: job job-\d{6} · /);
    expect(run.stdout).toMatch(/^SPY 600\.00 as of /m);
    expect(run.stdout).toMatch(/^QQQ 520\.00 as of /m);
    expect(tableRows(run.stdout)).toHaveLength(8);
  });

  it("exits 0 when every symbol succeeds; --json is one ScanBatchResponse per line", async () => {
    const [table, json] = await Promise.all([remote("batch", "SPY", "IWM", ...QUICK_FLAGS), remote("batch", "SPY,IWM", "ZZZZ", ...QUICK_FLAGS, "--json")]);
    expect(table.exitCode).toBe(0);
    expect(table.stderr).toBe("");
    expect(json.exitCode).toBe(3);
    const entries = json.stdout.trimEnd().split("\n").map((line) => ScanBatchResponse.fromJSON(JSON.parse(line)));
    expect(entries.map((entry) => entry.symbol)).toEqual(["SPY", "IWM", "ZZZZ"]);
    expect(entries[1]!.result!.spreads.map((spread) => spread.id)).toEqual(scanChain(fixedChain("IWM"), QUICK_QUERY).spreads.map((spread) => spread.id));
    expect(entries[2]!.error).toMatchObject({ code: 5, message: "no market data for ZZZZ" });
  });

  it("documents exit status 3 in its help", async () => {
    const run = await spreadscan(["batch", "--help"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Exit status: 0 every symbol scanned; 3 the batch ran but some symbols failed/);
  });
});

describe.concurrent("spreadscan jobs, cancel", () => {
  it("`jobs` alone lists jobs as a table: id, state, symbol, created, duration, error", async () => {
    const run = await remote("jobs");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^id\s+state\s+symbol\s+created\s+duration\s+error\n─+\n/);
    expect(run.stdout).toMatch(/^job-000001\s+succeeded\s+SPY\s+2025-06-02T14:30:00Z\s+1\.3 s$/m);
    expect(run.stdout).toMatch(/^job-000002\s+failed\s+ZZZZ\s+2025-06-02T14:31:00Z\s+40 ms\s+NOT_FOUND: no market data for ZZZZ$/m);
    expect(run.stdout).toMatch(/^job-000003\s+cancelled\s+QQQ\s+2025-06-02T14:32:00Z\s+—\s+CANCELLED: cancelled by the caller$/m);
    expect(run.stdout).toMatch(/^job-000004\s+running\s+IWM\s+.* so far$/m);
    expect(run.stdout).toMatch(/^job-000005\s+queued\s+AAPL\s+2025-06-02T14:35:00Z\s+—$/m);
  });

  it("--state selects, --json is a ListJobsResponse", async () => {
    const [failed, json] = await Promise.all([remote("jobs", "--state", "failed,cancelled"), remote("jobs", "list", "--state", "queued", "--json")]);
    expect(failed.exitCode).toBe(0);
    const rows = failed.stdout.trimEnd().split("\n").slice(2);
    // The seeded failed and cancelled jobs, newest first; a job another test here cancels meanwhile may join them.
    const listedStates = rows.map((row) => row.split(/\s+/).slice(0, 2));
    expect(listedStates.every(([, state]) => state === "cancelled" || state === "failed")).toBe(true);
    const ids = listedStates.map(([id]) => id);
    expect(ids).toContain("job-000002");
    expect(ids).toContain("job-000003");
    expect(ids.indexOf("job-000003")).toBeLessThan(ids.indexOf("job-000002"));
    const listed = ListJobsResponse.fromJSON(JSON.parse(json.stdout));
    expect(listed.jobs.length).toBeGreaterThan(0);
    expect(listed.jobs.every((job) => job.state === JobState.JOB_STATE_QUEUED)).toBe(true);
  });

  it("submit prints the id; watch follows it to its final state; get shows its spreads", async () => {
    const submitted = await remote("jobs", "submit", "SPY", ...QUICK_FLAGS);
    expect(submitted.exitCode).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^job-\d{6}$/);
    expect(submitted.stderr).toContain(`job ${id} queued`);

    const watching = remote("jobs", "watch", id);
    await coordinator.jobWatchersOpen(1);
    coordinator.runJob(id);
    const watched = await watching;
    expect(watched.stderr).toBe("");
    expect(watched.exitCode).toBe(0);
    const events = watched.stdout.trimEnd().split("\n");
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(new RegExp(`^#1  \\S+  ${id}  SPY  queued → running$`));
    expect(events[1]).toMatch(new RegExp(`^#2  \\S+  ${id}  SPY  running → succeeded$`));

    const got = await remote("jobs", "get", id);
    expect(got.exitCode).toBe(0);
    expect(got.stdout).toMatch(/^state\s+succeeded$/m);
    expect(tableRows(got.stdout)).toHaveLength(4);
  });

  it("cancel cancels a queued job and prints its final state; an already finished job keeps its own", async () => {
    const id = coordinator.submitJob("QQQ");
    const [cancelled, finished] = await Promise.all([remote("cancel", id), remote("jobs", "cancel", "job-000001")]);
    expect(cancelled.exitCode).toBe(0);
    expect(cancelled.stdout).toBe(`${id}: cancelled\n`);
    expect(coordinator.job(id)).toMatchObject({ state: JobState.JOB_STATE_CANCELLED, error: { code: 1 } });
    expect(finished.exitCode).toBe(0);
    expect(finished.stdout).toBe("job-000001: succeeded (it had already finished; nothing to cancel)\n");
    expect(coordinator.job("job-000001")?.state).toBe(JobState.JOB_STATE_SUCCEEDED);
  });

  it("an unknown job is NOT_FOUND, exit 2", async () => {
    const [cancel, get] = await Promise.all([remote("cancel", "job-999999"), remote("jobs", "get", "job-999999")]);
    for (const run of [cancel, get]) {
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe("spreadscan: NOT_FOUND: no job job-999999\n");
    }
  });
});

describe.concurrent("spreadscan metrics, health", () => {
  it("metrics prints the counters as a table, --json as a GetMetricsResponse", async () => {
    const [table, json] = await Promise.all([remote("metrics"), remote("metrics", "--json")]);
    expect(table.exitCode).toBe(0);
    for (const name of ["total scans", "successful scans", "failed scans", "cache hits", "average scan time", "active jobs", "queued jobs", "circuit breaker"]) {
      expect(table.stdout).toMatch(new RegExp(`^${name}\\s+\\S`, "m"));
    }
    expect(table.stdout).toMatch(/^circuit breaker\s+closed$/m);
    const metrics = GetMetricsResponse.fromJSON(JSON.parse(json.stdout));
    expect(metrics.backpressure).toMatchObject({ currentQps: 2.5, adaptiveRate: 10, circuitBreakerOpen: false });
  });

  it("health is SERVING, exit 0; for the service too; an unknown service is NOT_FOUND, exit 2", async () => {
    const [overall, service, unknown] = await Promise.all([
      remote("health"),
      remote("health", "--service", "spreadscan.coordinator.v1.CoordinatorService", "--json"),
      remote("health", "--service", "no.such.Service"),
    ]);
    expect(overall).toEqual({ exitCode: 0, stdout: "SERVING\n", stderr: "" });
    expect(JSON.parse(service.stdout)).toEqual({ status: "SERVING" });
    expect(service.exitCode).toBe(0);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^spreadscan: NOT_FOUND: /);
  });

  it("health of a coordinator that is not serving prints NOT_SERVING and exits 1", async () => {
    const notServing = await startFixedCoordinator({ serving: false });
    try {
      const run = await spreadscan(["health", "--addr", notServing.address]);
      expect(run).toEqual({ exitCode: 1, stdout: "NOT_SERVING\n", stderr: "" });
    } finally {
      await notServing.close();
    }
  });
});

describe("a coordinator whose scanner is down", () => {
  it("serves a cached result marked stale; without one, UNAVAILABLE with when to retry, exit 1", async () => {
    const degraded = await startFixedCoordinator();
    try {
      const fresh = await spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--addr", degraded.address]);
      expect(fresh.exitCode).toBe(0);
      degraded.setScannerDown(true);
      const [stale, none] = await Promise.all([
        spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--addr", degraded.address]),
        spreadscan(["scan", "QQQ", ...QUICK_FLAGS, "--addr", degraded.address]),
      ]);
      expect(stale.exitCode).toBe(0);
      expect(stale.stdout.trimEnd().split("\n").at(-1)).toMatch(
        new RegExp(`^job job-\\d{6} · cache hit, computed ${ELAPSED} ago · STALE: the scanner could not be reached; this result is ${ELAPSED} old$`),
      );
      expect(tableRows(stale.stdout)).toEqual(tableRows(fresh.stdout));
      // The coordinator answered: this is not "no coordinator at".
      expect(none.exitCode).toBe(1);
      expect(none.stderr).toBe(
        `spreadscan: UNAVAILABLE: the scanner is unavailable: its circuit breaker is open\nspreadscan: retry in ${RETRY_DELAY_MS / 1000} s\n`,
      );
      // A batch says the same of each symbol: SPY's result stale, QQQ's error.
      const batch = await spreadscan(["batch", "SPY", "QQQ", ...QUICK_FLAGS, "--addr", degraded.address]);
      expect(batch.stdout).toMatch(new RegExp(`^SPY: job job-\\d{6} · cache hit, computed ${ELAPSED} ago · STALE: the scanner could not be reached; this result is ${ELAPSED} old$`, "m"));
      expect(batch.stdout).toMatch(/^QQQ: UNAVAILABLE: the scanner is unavailable/m);
    } finally {
      await degraded.close();
    }
  });
});

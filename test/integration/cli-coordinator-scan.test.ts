// `spreadscan scan SYMBOL` as a user runs it: the real entry point in its own process, against a
// CoordinatorService on loopback whose answers come from the real engine on fixed synthetic
// chains (test/fixtures/fixed-coordinator.ts). What the CLI prints is checked against what the
// server sent and against the engine called directly; a bare query against the defaults the
// documentation gives, and a query the engine refuses against its refusal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { scanChain } from "../../services/engine/index.js";
import { startFixedCoordinator, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { fixedChain } from "../fixtures/fixed-market.js";
import {
  BROAD_FLAGS,
  defaultsJson,
  defaultsText,
  expectFiltersHold,
  QUERY,
  QUERY_FLAGS,
  QUICK_FLAGS,
  REFUSAL,
  REFUSED_FLAGS,
  REFUSED_QUERY,
} from "../support/cli-queries.js";
import { countsText, ELAPSED, escape, noStackTrace, occurrences, spreadscan, startsWith, tableRows } from "../support/spreadscan-cli.js";
import type { ToolResult } from "../support/tools.js";
import { summedOutcomes } from "../support/candidate-outcomes.js";

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
      const strategy = Strategy[spread.strategy]
        .replace(/^STRATEGY_/, "")
        .toLowerCase()
        .replaceAll("_", "-");
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
    const [both, spot, neither] = await Promise.all([remote("scan", "SPY", "--chain", "chain.json"), remote("scan", "SPY", "--spot", "600"), remote("scan")]);
    expect([both.exitCode, spot.exitCode, neither.exitCode]).toEqual([2, 2, 2]);
    expect(both.stderr).toMatch(/give SYMBOL to scan through the coordinator or --chain to scan a file, not both/);
    expect(spot.stderr).toMatch(/--spot applies only to a chain file \(--chain\)/);
    expect(neither.stderr).toMatch(/required option '--chain <file>' not specified, and no SYMBOL given/);
  });
});

describe.concurrent("a bare query, the broadest iron condors, and refused queries", () => {
  it("scan SYMBOL alone answers: the header says the defaults applied and what became of the candidates", async () => {
    const run = await remote("scan", "SPY");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    const sent = coordinator.sentScans.get(/^job (job-\d{6})/.exec(lines.at(-1) ?? "")?.[1] ?? "")!;
    expect(lines[0]).toMatch(
      startsWith(`SPY 600.00 as of 2025-06-02T14:30:00Z (live) · ${defaultsText(12)} · ${countsText(sent.result!)}, 20 shown · skipped `),
    );
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
    // The six outcomes: gone through one by one (the first four), or dropped in groups, or left by the work budget.
    const outcomes = ["RejectedByLegFilters", "RejectedBySpreadFilters", "RankedOut", "FullyEvaluated", "BoundedOut", "Unexplored"];
    expect(outcomes.reduce((sum, outcome) => sum + count(`candidates${outcome}`), 0)).toBe(considered);
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

  it("scan and watch answer iron condors with $1,000 wings, once refused as too broad: the header's counts add up, some bounded out", async () => {
    const [scan, watch] = await Promise.all([remote("scan", "SPY", ...BROAD_FLAGS), remote("watch", "SPY", ...BROAD_FLAGS, "--count", "1")]);
    for (const run of [scan, watch]) {
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      expect(tableRows(run.stdout)).toHaveLength(20);
    }
    const origin = /^job (job-\d{6}) · fresh scan$/m.exec(scan.stdout);
    expect(origin).not.toBeNull();
    const result = coordinator.sentScans.get(origin![1]!)!.result!;
    expect(summedOutcomes(result)).toBe(result.candidatesConsidered);
    expect(result.candidatesBoundedOut).toBeGreaterThan(0n);
    expect(scan.stdout).toContain(` · ${countsText(result)}, 20 shown · `);
    expect(scan.stdout).toMatch(/ fully evaluated, [\d,]+ bounded out/);
  });

  it("scan and watch print a refused query's violation once, naming its flags", async () => {
    const [scan, watch] = await Promise.all([remote("scan", "SPY", ...REFUSED_FLAGS), remote("watch", "SPY", ...REFUSED_FLAGS)]);
    for (const run of [scan, watch]) {
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(`spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: ${REFUSAL}\n`);
    }
  });

  it("batch prints a refused query's violation once, each unknown symbol's failure once; jobs get prints a failed job's once", async () => {
    const [refused, partly] = await Promise.all([remote("batch", "SPY", "QQQ", ...REFUSED_FLAGS), remote("batch", "ZZZZ", "QQQ", "YYYY", ...QUICK_FLAGS)]);
    // The query is wrong for every symbol alike: the whole call is refused, and said once.
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(`spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: ${REFUSAL}\n`);
    // A symbol without market data fails on its own, the others answer.
    expect(partly.exitCode).toBe(3);
    for (const symbol of ["ZZZZ", "YYYY"]) {
      expect(partly.stdout).toContain(`${symbol}: NOT_FOUND: no market data for ${symbol}\n`);
      expect(occurrences(partly.stdout, `no market data for ${symbol}`)).toBe(1);
    }
    expect(tableRows(partly.stdout)).toHaveLength(4);
    expect(partly.stderr).toBe("spreadscan: 2 of 3 symbols failed: ZZZZ (NOT_FOUND), YYYY (NOT_FOUND)\n");

    // A coordinator of its own, so that its failed job shows in no other test's job list. SubmitScan
    // refuses the query up front, as the coordinator does; the fixture queues it anyway, as a scanner
    // of another version judging queries differently would fail it.
    const own = await startFixedCoordinator();
    try {
      const id = own.submitJob("SPY", REFUSED_QUERY);
      own.runJob(id);
      const got = await spreadscan(["jobs", "get", id, "--addr", own.address]);
      expect(got.exitCode).toBe(0);
      expect(got.stdout).toMatch(/^state\s+failed$/m);
      expect(got.stdout).toMatch(/^error\s+INVALID_ARGUMENT: invalid request$/m);
      expect(got.stdout).toMatch(/^\s+(query\.)?filters\.min_dte: must not be above max_dte \(40 > 30\)$/m);
      expect(occurrences(got.stdout, "(40 > 30)")).toBe(1);
    } finally {
      await own.close();
    }
  });
});

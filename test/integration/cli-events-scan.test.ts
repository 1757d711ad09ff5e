// Issue 19's process test of events: an events file (EVENTS_FILE) puts SPY's earnings on the
// third of its listed expirations, before the open, and `spreadscan scan SPY` goes through a
// real coordinator and scanner, each in its own process, on the simulated market. Without
// --exclude-earnings-before-expiry every spread expiring on or after that date is flagged and
// the ones before are not; with it, exactly the expirations before the date keep spreads.
// The dates come from the simulated market's own listing; what is asserted is read from the
// results (the earnings date against each spread's expiry), never from the clock.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { listExpirations } from "../../services/market-model/expiration-calendar.js";
import { startScanner } from "../support/coordinator-pair.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { spreadscan } from "../support/spreadscan-cli.js";

const directory = mkdtempSync(join(tmpdir(), "events-scan-"));
// The third expiration the simulated market lists now: the first two stay before the earnings.
const earningsDate = listExpirations(new Date())[2] as string;
let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let address: string;

beforeAll(async () => {
  const eventsFile = join(directory, "events.csv");
  writeFileSync(eventsFile, `symbol,date,kind,time_of_day\nSPY,${earningsDate},earnings,bmo\n`);
  const started = await startScanner();
  scanner = started.process;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${started.port}`,
    SIMULATED_TICK_INTERVAL: "3600",
    EVENTS_FILE: eventsFile,
  });
  const listening = await coordinator.waitForLog((line) => line.msg === "listening");
  address = `127.0.0.1:${listening.grpcPort as number}`;
}, 60_000);

afterAll(() => {
  coordinator.kill();
  scanner.kill();
  rmSync(directory, { recursive: true, force: true });
});

// Every expiration from today to 60 days, at most four spreads each: the limit never cuts.
const FLAGS = ["--strategy", "bull-put,bear-call", "--min-dte", "0", "--max-dte", "60", "--max-per-expiry", "4", "--limit", "100"];

/** FLAGS with the DTE range starting at `minDte` (the earnings' expiration): only the expirations from the earnings on. */
const fromEarnings = (minDte: number): string[] => FLAGS.map((flag, index) => (FLAGS[index - 1] === "--min-dte" ? String(minDte) : flag));

async function scan(...extra: string[]): Promise<ScanResponse> {
  const run = await spreadscan(["scan", "SPY", ...FLAGS, ...extra, "--json", "--addr", address]);
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  return ScanResponse.fromJSON(JSON.parse(run.stdout));
}

const expiriesOf = (spreads: readonly Spread[]): string[] => [...new Set(spreads.map((spread) => spread.expiryDate))].sort();

describe("spreadscan scan SYMBOL with an events file", () => {
  it("flags the spreads expiring on or after the earnings, and --exclude-earnings-before-expiry leaves out exactly those expirations", async () => {
    const flagged = (await scan()).result!;
    const context = flagged.marketContext!;
    expect(context.eventsSource).toBe("file");
    expect(context.nextEarningsDate).toBe(earningsDate);
    // The file is the only source: SPY's simulated ex-dividend dates are not there.
    expect(context.nextExDividendDate).toBe("");
    for (const expiry of context.expiries) expect(expiry.earningsBeforeExpiry, expiry.expiryDate).toBe(expiry.expiryDate >= earningsDate);

    const before = flagged.spreads.filter((spread) => spread.expiryDate < earningsDate);
    const after = flagged.spreads.filter((spread) => spread.expiryDate >= earningsDate);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    for (const spread of flagged.spreads) {
      // Before the open on the expiry date is before that expiry's 16:00 close.
      expect(spread.earningsBeforeExpiry, spread.id).toBe(spread.expiryDate >= earningsDate);
      expect(spread.exDividendBeforeExpiry, spread.id).toBe(false);
      expect(spread.earlyAssignmentRisk, spread.id).toBe(false);
    }

    const kept = (await scan("--exclude-earnings-before-expiry")).result!;
    expect(kept.effectiveQuery?.filters?.excludeEarningsBeforeExpiry).toBe(true);
    expect(kept.spreads.length).toBeGreaterThan(0);
    expect(kept.spreads.every((spread) => spread.expiryDate < earningsDate && spread.earningsBeforeExpiry === false)).toBe(true);
    expect(expiriesOf(kept.spreads)).toEqual(expiriesOf(before));
    // The expirations left out are counted as cut by the leg filters.
    expect(kept.candidatesRejectedByLegFilters).toBeGreaterThan(flagged.candidatesRejectedByLegFilters);

    // The per-filter counts say so: exclude_earnings_before_expiry rejected exactly the
    // candidates of the expirations from the earnings on, as a scan of only those counts them.
    const earningsDte = flagged.expiryDistributions.find((distribution) => distribution.expiryDate === earningsDate)!.dte;
    const onlyThose = await spreadscan(["scan", "SPY", ...fromEarnings(earningsDte), "--json", "--addr", address]);
    expect(onlyThose.exitCode).toBe(0);
    const those = ScanResponse.fromJSON(JSON.parse(onlyThose.stdout)).result!;
    expect(those.candidatesConsidered).toBeGreaterThan(0n);
    expect(expiriesOf(those.spreads).every((expiry) => expiry >= earningsDate)).toBe(true);
    const byFilter = new Map(kept.rejectionsByFilter.map(({ filter, candidates }) => [filter, candidates]));
    expect(byFilter.get("exclude_earnings_before_expiry")).toBe(those.candidatesConsidered);
    expect(byFilter.has("exclude_ex_dividend_before_expiry")).toBe(false);
    expect(kept.rejectionsByFilter.reduce((sum, { candidates }) => sum + candidates, 0n)).toBe(
      kept.candidatesRejectedByLegFilters + kept.candidatesRejectedBySpreadFilters,
    );
    // Without the flag, no candidate is rejected by it.
    expect(flagged.rejectionsByFilter.some(({ filter }) => filter === "exclude_earnings_before_expiry")).toBe(false);
  }, 60_000);

  it("says which filter to loosen when nothing qualified: the earnings filter, with the count of the expirations it left out", async () => {
    const flagged = (await scan()).result!;
    const earningsDte = flagged.expiryDistributions.find((distribution) => distribution.expiryDate === earningsDate)!.dte;
    const those = ScanResponse.fromJSON(
      JSON.parse((await spreadscan(["scan", "SPY", ...fromEarnings(earningsDte), "--json", "--addr", address])).stdout),
    ).result!;
    const run = await spreadscan(["scan", "SPY", ...fromEarnings(earningsDte), "--exclude-earnings-before-expiry", "--addr", address]);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split("\n");
    const at = lines.indexOf("No spreads passed the filters.");
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(
      `nothing qualified: --exclude-earnings-before-expiry rejected ${new Intl.NumberFormat("en-US").format(those.candidatesConsidered)}`,
    );
  }, 60_000);

  it("marks the flagged spreads in the table, with the legend and the events' source", async () => {
    const run = await spreadscan(["scan", "SPY", ...FLAGS, "--addr", address]);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toContain(`events (file): next earnings ${earningsDate}, ex-dividend none`);
    // Each row: its expiry (the first date in it) is on or after the earnings exactly when it is marked E.
    const rows = lines.filter((line) => /^\s*\d+\s+(bull-put|bear-call)\s/.test(line)).map((line) => line.trim().split(/\s+/));
    expect(rows.length).toBeGreaterThan(0);
    for (const cells of rows) {
      const expiry = cells.find((cell) => /^\d{4}-\d\d-\d\d$/.test(cell)) as string;
      expect(cells.includes("E"), cells.join(" ")).toBe(expiry >= earningsDate);
    }
    expect(run.stdout).toContain("events: E earnings before expiry");
  }, 60_000);
});

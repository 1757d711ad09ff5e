// Calendars and diagonals end to end: the scanner and the coordinator as their own processes on
// the simulated market, and the `spreadscan` CLI as a user runs it. The two-expiry query's
// flags reach the engine through the coordinator (scan, watch and jobs alike) and its spreads
// come back with both expirations: the front inside the DTE range, the back inside the back
// range, each leg in its own expiry, and the table showing both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetJobResponse, ScanResponse, WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { daysToExpiry } from "../../services/engine/new-york-time.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { spreadscan } from "../support/spreadscan-cli.js";
import type { ToolResult } from "../support/tools.js";

const FRONT = { min: 20, max: 40 };
const BACK = { min: 45, max: 90 };
const calendarFlags = (minBackDte = BACK.min): string[] => [
  "--strategy",
  "call-calendar",
  "--min-dte",
  String(FRONT.min),
  "--max-dte",
  String(FRONT.max),
  "--min-back-dte",
  String(minBackDte),
  "--max-back-dte",
  String(BACK.max),
  "--limit",
  "8",
];
const CALENDAR_FLAGS = calendarFlags();

let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let address: string;
const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", address]);

beforeAll(async () => {
  scanner = spawnService("services/scanner/main.ts", freePorts("SCANNER"));
  const scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    MARKET_DATA: "simulated",
  });
  address = `127.0.0.1:${(await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
});

afterAll(() => {
  coordinator.kill();
  scanner.kill();
});

/**
 * A calendar as the contract defines it: sells a call at the front, buys a call at the same
 * strike in the back; the front within the DTE range, the back within the back range, both
 * DTEs as the chain's as-of counts them.
 */
function expectCalendar(spread: Spread, asOf: Date, strategy = Strategy.STRATEGY_CALL_CALENDAR): void {
  expect(spread.strategy).toBe(strategy);
  expect(spread.backExpiryDate).not.toBe("");
  expect(spread.legs).toHaveLength(2);
  const sold = spread.legs.find((leg) => leg.action === LegAction.LEG_ACTION_SELL)!;
  const bought = spread.legs.find((leg) => leg.action === LegAction.LEG_ACTION_BUY)!;
  expect(sold.expiryDate).toBe(spread.expiryDate);
  expect(bought.expiryDate).toBe(spread.backExpiryDate);
  expect(new Set(spread.legs.map((leg) => leg.expiryDate)).size).toBe(2);
  expect(sold.strike).toBe(bought.strike);
  expect(sold.right).toBe(bought.right);
  expect(spread.dte).toBe(daysToExpiry(asOf, spread.expiryDate));
  expect(spread.backDte).toBe(daysToExpiry(asOf, spread.backExpiryDate));
  expect(spread.dte).toBeGreaterThanOrEqual(FRONT.min);
  expect(spread.dte).toBeLessThanOrEqual(FRONT.max);
  expect(spread.backDte).toBeGreaterThanOrEqual(BACK.min);
  expect(spread.backDte).toBeLessThanOrEqual(BACK.max);
}

describe("spreadscan scan/watch/jobs with calendars, on the simulated market through the coordinator", () => {
  it("scan --json: call calendars whose legs are in two expirations, front and back each in its range", async () => {
    const run = await remote("scan", "SPY", ...CALENDAR_FLAGS, "--json");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const result = ScanResponse.fromJSON(JSON.parse(run.stdout)).result!;
    expect(result.spreads.length).toBeGreaterThan(0);
    for (const spread of result.spreads) expectCalendar(spread, result.chainAsOf!);
    // The query as the scanner applied it carries the back bounds as given.
    expect(result.effectiveQuery?.filters).toMatchObject({ minBackDte: BACK.min, maxBackDte: BACK.max });
    expect(result.effectiveQuery?.strategies).toEqual([Strategy.STRATEGY_CALL_CALENDAR]);
  });

  it("scan: the table shows each calendar's back expiry and back DTE beside the front's", async () => {
    const json = ScanResponse.fromJSON(JSON.parse((await remote("scan", "SPY", ...CALENDAR_FLAGS, "--json")).stdout)).result!;
    const run = await remote("scan", "SPY", ...CALENDAR_FLAGS);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/ · DTE 20–40 · back DTE 45–90 · .*call-calendar · /);
    expect(run.stdout).toMatch(/^\s*#\s+strategy\s+expiry\s+DTE\s+back expiry\s+back DTE\s+strikes\s/m);
    const rows = run.stdout.split("\n").filter((line) => /^\s*\d+\s+call-calendar\s/.test(line));
    // The second scan is a cache hit of the first: the same spreads, in order.
    expect(rows).toHaveLength(json.spreads.length);
    rows.forEach((row, index) => {
      const spread = json.spreads[index]!;
      const strike = spread.legs[0]!.strike;
      expect(row).toMatch(
        new RegExp(
          `^\\s*${index + 1}\\s+call-calendar\\s+${spread.expiryDate}\\s+${spread.dte}\\s+${spread.backExpiryDate}\\s+${spread.backDte}\\s+${strike}/${strike}\\s`,
        ),
      );
    });
  });

  it("watch --count 1 --json: the initial update holds the same kind of calendars", async () => {
    const run = await remote("watch", "SPY", ...CALENDAR_FLAGS, "--strategy", "put-calendar", "--count", "1", "--json");
    expect(run.exitCode).toBe(0);
    const update = WatchSpreadsResponse.fromJSON(JSON.parse(run.stdout.trim().split("\n")[0]!)).update!;
    const result = update.result!;
    expect(result.spreads.length).toBeGreaterThan(0);
    for (const spread of result.spreads) {
      expectCalendar(
        spread,
        result.chainAsOf!,
        spread.strategy === Strategy.STRATEGY_PUT_CALENDAR ? Strategy.STRATEGY_PUT_CALENDAR : Strategy.STRATEGY_CALL_CALENDAR,
      );
    }
  });

  it("a back range upside down is refused by the coordinator, naming the flags", async () => {
    const run = await remote("scan", "SPY", "--strategy", "put-diagonal", "--min-back-dte", "90", "--max-back-dte", "60");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^spreadscan: --min-back-dte: must not be above --max-back-dte \(90 > 60\)$/m);
  });

  it("jobs submit, then jobs get --json: the job's result is calendars too", async () => {
    const submitted = await remote("jobs", "submit", "SPY", ...calendarFlags(BACK.min + 1), "--no-cache");
    expect(submitted.exitCode).toBe(0);
    const id = submitted.stdout.trim();
    let job: GetJobResponse["job"];
    for (let attempt = 0; attempt < 100; attempt++) {
      job = GetJobResponse.fromJSON(JSON.parse((await remote("jobs", "get", id, "--json")).stdout)).job;
      if (job?.result) break;
    }
    const result = job?.result;
    expect(result?.spreads.length).toBeGreaterThan(0);
    for (const spread of result!.spreads) {
      expectCalendar(spread, result!.chainAsOf!);
      expect(spread.backDte).toBeGreaterThanOrEqual(BACK.min + 1);
    }
  });
});

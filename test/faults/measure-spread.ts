// Runs one fault suite again and again and keeps every run's raw figures (its result's
// `measurements`) in test/faults/spread/<suite>.json, with the machine, the date and the load
// average before and after: the spread that support/spread.ts derives the suite's bounds from.
//
//   node --import tsx test/faults/measure-spread.ts <suite> [runs, default 10] [--fresh] [--loaded]
//
// --loaded keeps one busy process per core running beside the suite for each run (started
// once the machine is quiet, stopped when the run ends): the suites must pass on a loaded
// machine too, so their bounds must come from runs on one as well as from quiet runs.
//
// It adds `runs` counted runs (see below), trying at most twice as many.
// --fresh starts the file again (after a change to what the suite measures); otherwise the
// runs are added to those recorded. Each run is written as soon as it ends, so that an
// interrupted series keeps what it measured. The suites' own results go to a directory of
// their own, not over test/faults/results/.
//
// Before each run it waits (up to QUIET_WAIT_MS) until the machine is quiet: a 1-minute load
// average at most its core count, so that the previous run's processes are gone and a spread
// measured on a shared machine is not the spread of whatever else ran there. The load average
// it started and ended at is kept with the run; a run that started on a busy machine anyway is
// kept but not counted (support/spread.ts).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultResult } from "./support/fault-report.js";
import { counted, readSpreadFile, SPREAD_DIR, spreadFilePath, type SpreadRun } from "./support/spread.js";
import { REPO_ROOT } from "../support/tools.js";

const fresh = process.argv.includes("--fresh");
const addLoad = process.argv.includes("--loaded");
const [suite, runsArgument, ...flags] = process.argv.slice(2).filter((argument) => argument !== "--fresh" && argument !== "--loaded");
const runs = Number(runsArgument ?? "10");
if (!suite || !Number.isInteger(runs) || runs < 1 || flags.length > 0) {
  process.stderr.write("usage: node --import tsx test/faults/measure-spread.ts <suite> [runs] [--fresh] [--loaded]\n");
  process.exit(64);
}
const suiteFile = `test/faults/${suite}.fault.ts`;
if (!existsSync(path.join(REPO_ROOT, suiteFile))) {
  process.stderr.write(`no suite ${suiteFile}\n`);
  process.exit(64);
}

const resultsDir = path.join(REPO_ROOT, ".tools/faults/spread-results");
const loadAverage = (): number[] => os.loadavg().map((value) => Math.round(value * 100) / 100);
const recorded: SpreadRun[] = fresh ? [] : [...(readSpreadFile(suite)?.runs ?? [])];
mkdirSync(SPREAD_DIR, { recursive: true });

const QUIET_WAIT_MS = 10 * 60_000;
const cores = os.cpus().length;

let added = 0;
for (let run = 1; added < runs && run <= 2 * runs; run++) {
  rmSync(resultsDir, { recursive: true, force: true });
  const waitUntil = Date.now() + QUIET_WAIT_MS;
  while ((os.loadavg()[0] ?? 0) > cores && Date.now() < waitUntil) await sleep(5000);
  const before = loadAverage();
  const busy = addLoad ? Array.from({ length: cores }, () => spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" })) : [];
  const started = performance.now();
  const vitest = spawnSync(path.join(REPO_ROOT, "node_modules/.bin/vitest"), ["run", "--config", "vitest.faults.config.ts", suiteFile], {
    cwd: REPO_ROOT,
    env: { ...process.env, FAULT_RESULTS_DIR: resultsDir },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const after = loadAverage();
  for (const child of busy) child.kill("SIGKILL");
  const resultFile = path.join(resultsDir, `${suite}.json`);
  if (!existsSync(resultFile)) {
    process.stdout.write(`run ${run}: no result (vitest exited ${vitest.status ?? vitest.signal}); not recorded\n`);
    continue;
  }
  const result = JSON.parse(readFileSync(resultFile, "utf8")) as FaultResult;
  const entry: SpreadRun = {
    ranAt: result.ranAt,
    machine: result.machine,
    loadAverage: { before, after },
    ...(addLoad ? { addedLoad: cores } : {}),
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    failedCriteria: result.criteria.filter((each) => !each.passed).map((each) => `${each.criterion}: ${each.measured}`),
    measurements: result.measurements ?? {},
  };
  recorded.push(entry);
  if (counted(entry)) added++;
  writeFileSync(spreadFilePath(suite), `${JSON.stringify({ suite, runs: recorded }, null, 2)}\n`);
  process.stdout.write(
    `run ${run}${addLoad ? ` (${cores} busy processes beside it)` : counted(entry) ? "" : " (busy machine: not counted)"}: ${entry.durationSeconds} s, load ${before.join(" ")} → ${after.join(" ")}, ${entry.failedCriteria.length} criteria not met; ${JSON.stringify(entry.measurements)}\n`,
  );
}

// Bounds that come from measurement rather than from a guess: a suite records the raw figures
// its timing and memory criteria compare (FaultResult.measurements), measure-spread.ts runs
// the suite again and again and keeps every run's figures in test/faults/spread/<suite>.json,
// with the machine, the date and the load average, and the suite derives each bound from
// that file by one rule:
//
//   upper bound = the largest value seen + the range seen (max + (max − min))
//
// A run fails only if it is worse than every recorded run by as much again as the recorded
// runs differed among themselves. A baseline (what a relative criterion multiplies) must lie
// within the range seen widened by the range on each side, [min − range, max + range], and
// not below half the smallest value seen: one outside says the run measured something else
// (a machine too busy, a broken warm-up), and comparing against it would prove nothing. The
// slack of a relative criterion is the excess over the baseline's multiple that runs showed,
// by the same rule, and none when no run went above it. A run that started while the machine
// was busy with other work (a 1-minute load average above its core count; measure-spread.ts
// waits for it to settle first) is recorded but not counted. Runs made with --loaded, where
// measure-spread.ts itself keeps one busy process per core running beside the suite, are
// counted: the suites must pass on a loaded machine too, so their spread must include one. Runs
// on another Node major version than the one running the suites are kept as history but not
// counted. Fewer than MIN_RUNS counted runs is not a spread: the criterion fails until they
// are recorded.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../support/tools.js";

export const SPREAD_DIR = path.resolve(REPO_ROOT, "test/faults/spread");

/** Runs a spread needs before a bound is taken from it. */
export const MIN_RUNS = 10;

export interface SpreadRun {
  readonly ranAt: string;
  readonly machine: string;
  /** os.loadavg() (1, 5 and 15 minutes) when the run started and when it ended. */
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
  /**
   * Busy processes measure-spread.ts kept running beside the suite (--loaded: one per core),
   * so that the spread covers a loaded machine too; absent or 0 for a run on a quiet one.
   */
  readonly addedLoad?: number;
  readonly durationSeconds: number;
  /** Criteria the run did not meet (those with bounds from an earlier spread included). */
  readonly failedCriteria: readonly string[];
  readonly measurements: Record<string, number>;
}

export interface SpreadFile {
  readonly suite: string;
  readonly runs: readonly SpreadRun[];
}

export interface Spread {
  readonly runs: number;
  /** Of `runs`, those with load added on purpose. */
  readonly loadedRuns: number;
  readonly min: number;
  readonly max: number;
  readonly range: number;
}

export function spreadFilePath(suite: string): string {
  return path.join(SPREAD_DIR, `${suite}.json`);
}

export function readSpreadFile(suite: string): SpreadFile | undefined {
  const file = spreadFilePath(suite);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as SpreadFile) : undefined;
}

/** The machine's core count, from its description ("2 × AMD EPYC ..."). */
const coresOf = (run: SpreadRun): number => Number(/^(\d+) ×/.exec(run.machine)?.[1] ?? Number.NaN);

/** The Node major version a run was measured on, from its description ("..., Node v24.22.3, ..."). */
const nodeMajorOf = (run: SpreadRun): string | undefined => /Node v(\d+)\./.exec(run.machine)?.[1];

/** The major version of the Node that runs the suites now (the one .nvmrc pins). */
const RUNTIME_MAJOR = process.versions.node.split(".")[0];

/**
 * Whether a run counts: it ran on the Node major version the suites run on now (a run on
 * another runtime measured another program: Node 20 and Node 24 hold a different number of
 * stream messages in their HTTP/2 buffers, for one), and it started on a machine not busy with
 * other work, or its load was the one measure-spread.ts added on purpose (which it starts only
 * once the machine is quiet).
 */
export function counted(run: SpreadRun): boolean {
  if (nodeMajorOf(run) !== RUNTIME_MAJOR) return false;
  return (run.addedLoad ?? 0) > 0 || (run.loadAverage.before[0] ?? Number.POSITIVE_INFINITY) <= coresOf(run);
}

/** Whether a run had load added on purpose. */
export const loaded = (run: SpreadRun): boolean => (run.addedLoad ?? 0) > 0;

/** The counted values of one measurement, or undefined when fewer than MIN_RUNS counted runs have it. */
export function spreadOf(suite: string, measurement: string): Spread | undefined {
  const runs = (readSpreadFile(suite)?.runs ?? []).filter((run) => {
    const value = run.measurements[measurement];
    return counted(run) && typeof value === "number" && Number.isFinite(value);
  });
  if (runs.length < MIN_RUNS) return undefined;
  const values = runs.map((run) => run.measurements[measurement] as number);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { runs: runs.length, loadedRuns: runs.filter(loaded).length, min, max, range: max - min };
}

/** "12 runs, 6 of them loaded". */
export const runsText = (spread: Spread): string => `${spread.runs} runs${spread.loadedRuns > 0 ? `, ${spread.loadedRuns} of them loaded` : ""}`;

/** A number as a bound is shown: three significant digits at most. */
const shown = (value: number): number => Number(value.toPrecision(3));

export interface Bound {
  /** NaN when there is no spread yet: every comparison with it fails. */
  readonly value: number;
  /** How it was derived, for the criterion's text. */
  readonly text: string;
}

/** max + range of the counted runs (never below `floor`). */
export function upperBound(suite: string, measurement: string, { floor = Number.NEGATIVE_INFINITY, unit = "" } = {}): Bound {
  const spread = spreadOf(suite, measurement);
  if (!spread) return { value: Number.NaN, text: `no bound: fewer than ${MIN_RUNS} recorded runs of ${measurement}` };
  const value = shown(Math.max(floor, spread.max + spread.range));
  return { value, text: `${value}${unit} (max ${shown(spread.max)}${unit} + range ${shown(spread.range)}${unit} of ${runsText(spread)})` };
}

/**
 * The slack of a relative criterion, from the excess over its multiple of the baseline that
 * counted runs showed: max + range when some run went above, else none.
 */
export function slack(suite: string, measurement: string, { unit = "" } = {}): Bound {
  const spread = spreadOf(suite, measurement);
  if (!spread) return { value: Number.NaN, text: `no slack: fewer than ${MIN_RUNS} recorded runs of ${measurement}` };
  if (spread.max <= 0) return { value: 0, text: `no slack (no run of ${spread.runs} went above; the most was ${shown(spread.max)}${unit})` };
  const value = shown(spread.max + spread.range);
  return { value, text: `${value}${unit} slack (max ${shown(spread.max)}${unit} + range ${shown(spread.range)}${unit} of ${runsText(spread)})` };
}

export interface Band {
  readonly low: number;
  readonly high: number;
  readonly text: string;
  contains(value: number): boolean;
}

/** [max(min − range, min / 2), max + range] of the counted runs: where a sane baseline lies. */
export function saneBand(suite: string, measurement: string, { unit = "" } = {}): Band {
  const spread = spreadOf(suite, measurement);
  if (!spread) return { low: Number.NaN, high: Number.NaN, text: `no band: fewer than ${MIN_RUNS} recorded runs of ${measurement}`, contains: () => false };
  const low = shown(Math.max(spread.min - spread.range, spread.min / 2));
  const high = shown(spread.max + spread.range);
  return { low, high, text: `${low}–${high}${unit}`, contains: (value) => value >= low && value <= high };
}

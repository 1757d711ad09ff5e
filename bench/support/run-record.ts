// One benchmark run as it is recorded: the raw figures, the targets, what was measured and
// on which machine. Every run is kept, one file each (bench/results/<bench>/<time>.json), and
// bench/write-results.ts renders each benchmark's page from them: no figure on a page that a
// recorded run does not hold.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, release, totalmem, type as osType, arch } from "node:os";
import { join } from "node:path";
import { renderTable } from "./markdown.js";

/** Where runs are recorded; `make bench` may send them elsewhere (BENCH_RESULTS_DIR). */
export function resultsDirectory(): string {
  return process.env.BENCH_RESULTS_DIR ?? "bench/results";
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly grpcJs: string;
  /** 1, 5 and 15 minute load averages as the run started and as it ended. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
}

/** A column of a table: which field of each row, its heading, and how to print it. */
export interface Column {
  readonly key: string;
  readonly label: string;
  /** Digits after the point for a number; 0 unless given. */
  readonly digits?: number;
}

export type Cell = string | number | boolean | null;

export interface Table {
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Readonly<Record<string, Cell>>[];
}

/** A target and how this run measured against it. */
export interface Target {
  /** What is measured, e.g. "cache hits' share of the bare server's calls/s, at concurrency 1". */
  readonly name: string;
  readonly measured: number;
  readonly bound: number;
  /** "at least": met when measured ≥ bound; "at most": when measured ≤ bound; "below": when measured < bound. */
  readonly comparison: "at least" | "at most" | "below";
  readonly unit: string;
  readonly digits?: number;
  readonly met: boolean;
}

export interface BenchRun {
  readonly bench: string;
  readonly title: string;
  readonly recordedAt: string;
  /** The command that ran it: `make bench`, or the benchmark's own script. */
  readonly command: string;
  /** The code that ran: its commit, and whether the work tree had changes on top. */
  readonly code: { readonly commit: string; readonly uncommittedChanges: boolean };
  readonly machine: Machine;
  /** How the benchmark measures, in words (its figures come from the code that writes this). */
  readonly method: string;
  /** What was on in the services measured: logging, interceptors, limits, auth. */
  readonly layers: readonly string[];
  readonly tables: readonly Table[];
  readonly targets: readonly Target[];
}

export function target(name: string, measured: number, comparison: Target["comparison"], bound: number, unit: string, digits = 0): Target {
  const met = comparison === "at least" ? measured >= bound : comparison === "at most" ? measured <= bound : measured < bound;
  return { name, measured, bound, comparison, unit, digits, met };
}

function grpcJsVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = readFileSync(require.resolve("@grpc/grpc-js/package.json"), "utf8");
  return (JSON.parse(manifest) as { version: string }).version;
}

function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

const roundedLoad = (): number[] => loadavg().map((load) => Math.round(load * 100) / 100);

/**
 * Starts recording a run: the machine's load now, to be set beside its load at the end.
 * `finish` writes the run and prints each target, met or MISS; a missed target is a finding,
 * not a failure, so nothing here sets the exit status.
 */
export function startRun(bench: string, title: string): { finish(run: Pick<BenchRun, "method" | "layers" | "tables" | "targets">): BenchRun } {
  const loadAtStart = roundedLoad();
  const startedAt = new Date();
  return {
    finish(figures) {
      const run: BenchRun = {
        bench,
        title,
        recordedAt: startedAt.toISOString(),
        // `make bench` sets MAKELEVEL for the commands it runs.
        command: process.env.MAKELEVEL === undefined ? `node dist/bench/${bench}.js` : "make bench",
        code: { commit: git(["rev-parse", "HEAD"]) ?? "unknown", uncommittedChanges: (git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "" },
        machine: {
          cpu: cpus()[0]?.model.trim() ?? "unknown",
          cores: cpus().length,
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          os: `${osType()} ${release()} ${arch()}`,
          node: process.version,
          grpcJs: grpcJsVersion(),
          loadAverage: { start: loadAtStart, end: roundedLoad() },
        },
        ...figures,
      };
      const directory = join(resultsDirectory(), bench);
      mkdirSync(directory, { recursive: true });
      const file = join(directory, `${run.recordedAt.replaceAll(":", "-")}.json`);
      writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
      console.log(`${title}: recorded in ${file} (load average ${loadAtStart.join(" ")} at the start, ${run.machine.loadAverage.end.join(" ")} at the end)`);
      for (const table of run.tables) console.log(`\n${renderTable(table).join("\n")}`);
      console.log("");
      for (const each of run.targets) console.log(`${each.met ? "met " : "MISS"} ${describeTarget(each)}`);
      return run;
    },
  };
}

/** A figure as pages and consoles print it: "1,234.5 ms". */
export function formatFigure(value: number, unit: string, digits: number): string {
  const number = Number.isFinite(value) ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(value);
  return `${number}${unit}`;
}

/** "hits' share of the bare server's calls/s, at least 70.0%". */
export function targetWithBound(each: Target): string {
  return `${each.name}, ${each.comparison} ${formatFigure(each.bound, each.unit, each.digits ?? 0)}`;
}

/** "hits' share of the bare server's calls/s: 84.2% (target at least 70.0%)". */
export function describeTarget(each: Target): string {
  return `${each.name}: ${formatFigure(each.measured, each.unit, each.digits ?? 0)} (target ${each.comparison} ${formatFigure(each.bound, each.unit, each.digits ?? 0)})`;
}

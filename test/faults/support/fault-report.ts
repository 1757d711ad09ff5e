// What each fault suite measured, in one shape: printed as a table when the suite ends, and
// written as JSON under test/faults/results/ for write-reliability.ts to render into
// docs/RELIABILITY.md. Suites record before they assert, so a failed run still shows what
// it saw.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { status } from "@grpc/grpc-js";
import Table from "cli-table3";
import { REPO_ROOT } from "../../support/tools.js";

/**
 * test/faults/results/ for `make test-faults`, whose results are committed with the document;
 * `make test` sends them elsewhere (FAULT_RESULTS_DIR), so that CI leaves the tree as it was.
 */
export const RESULTS_DIR = path.resolve(REPO_ROOT, process.env.FAULT_RESULTS_DIR ?? "test/faults/results");

/** Resident memory of one process, before the faults and after them, mebibytes. */
export interface MemoryFigure {
  readonly process: string;
  readonly beforeMb: number;
  readonly afterMb: number;
  /** When and how each reading was taken (after a forced GC, after a settle, ...). */
  readonly note?: string;
}

export interface Criterion {
  readonly criterion: string;
  readonly measured: string;
  readonly passed: boolean;
  /**
   * Set when the criterion is not met because of a defect in the services that this suite
   * found and defects.fault.ts reproduces: recorded, shown, but not asserted, so that
   * the suite stays green until the fix; remove it with the fix.
   */
  readonly knownDefect?: string;
}

export interface FaultResult {
  /** File name under results/, and the suite's id in the document. */
  readonly name: string;
  readonly title: string;
  readonly load: string;
  readonly faults: string;
  /** Calls the suite made against the services (streams count once each). */
  readonly calls: number;
  /** Every call's final status by name, OK included. */
  readonly byStatus: Record<string, number>;
  /** Calls not ended by their deadline + 1 s. */
  readonly hungCalls: number;
  /** Watcher updates lost (gaps in sequence numbers); null when the suite has no watchers. */
  readonly lostWatcherUpdates: number | null;
  readonly memory: readonly MemoryFigure[];
  readonly criteria: readonly Criterion[];
  /** Further figures worth reading: latencies, recovery times, ... */
  readonly figures: Record<string, string | number>;
  /**
   * The raw numbers the suite's measured bounds are derived from (support/spread.ts), by name:
   * what measure-spread.ts keeps from every run.
   */
  readonly measurements?: Record<string, number>;
  readonly durationSeconds: number;
  readonly ranAt: string;
  readonly machine: string;
}

export const machineDescription = (): string =>
  `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;

export function statusName(code: number): string {
  const name: string | undefined = status[code];
  return name ?? `CODE_${code}`;
}

export const mebibytes = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Failed calls by status, OK left out: "UNAVAILABLE 12, DEADLINE_EXCEEDED 1", or "none". */
export function failuresText(byStatus: Record<string, number>): string {
  const failed = Object.entries(byStatus)
    .filter(([name, count]) => name !== "OK" && count > 0)
    .sort(([, a], [, b]) => b - a);
  return failed.length === 0 ? "none" : failed.map(([name, count]) => `${name} ${count}`).join(", ");
}

export function memoryText(memory: readonly MemoryFigure[]): string {
  return memory.map((figure) => `${figure.process} ${figure.beforeMb} → ${figure.afterMb} MB`).join("; ");
}

const plainStyle = { head: [], border: [] };

/** The result as tables on stdout, for whoever runs the suite. */
export function printResult(result: FaultResult): void {
  const summary = new Table({ style: plainStyle, wordWrap: true, colWidths: [22, 90] });
  summary.push(
    { test: result.title },
    { load: result.load },
    { "faults injected": result.faults },
    { calls: result.calls },
    {
      "calls by status": Object.entries(result.byStatus)
        .map(([name, count]) => `${name} ${count}`)
        .join(", "),
    },
    { "hung calls": result.hungCalls },
    { "lost watcher updates": result.lostWatcherUpdates ?? "n/a" },
    { memory: memoryText(result.memory) || "n/a" },
    { duration: `${result.durationSeconds} s` },
  );
  const figures = new Table({ head: ["figure", "value"], style: plainStyle, wordWrap: true, colWidths: [46, 66] });
  for (const [name, value] of Object.entries(result.figures)) figures.push([name, value]);
  const criteria = new Table({ head: ["pass criterion", "measured", "ok"], style: plainStyle, wordWrap: true, colWidths: [52, 40, 18] });
  for (const each of result.criteria) criteria.push([each.criterion, each.measured, verdict(each)]);
  process.stdout.write(`\n${summary.toString()}\n${figures.toString()}\n${criteria.toString()}\n`);
}

/** Prints the result and writes it to results/<name>.json. */
export function recordResult(result: Omit<FaultResult, "ranAt" | "machine">): FaultResult {
  const full: FaultResult = { ...result, ranAt: new Date().toISOString(), machine: machineDescription() };
  printResult(full);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}/${result.name}.json`, `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

/** A criterion's verdict, kept with what was measured, so the document can show both. */
export function criterion(text: string, measured: string, passed: boolean, knownDefect?: string): Criterion {
  return knownDefect === undefined ? { criterion: text, measured, passed } : { criterion: text, measured, passed, knownDefect };
}

/** "yes", "NO", or "NO (known defect KD-n)": a criterion's verdict in a table. */
export function verdict(each: Criterion): string {
  if (each.passed) return "yes";
  return each.knownDefect ? `NO (known defect ${each.knownDefect})` : "NO";
}

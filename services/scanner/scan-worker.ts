// Work for the scan pool's threads (see scan-pool.ts): scanning an inline chain, scanning
// one prepared (shared) version for many queries in one task, and preparing a chain version
// another replica published, off the main thread. Results go back encoded; the engine's refusals go back as their
// violations, one outcome per query, so that one bad query never fails its neighbours.
import { threadId, workerData } from "node:worker_threads";
import { LRUCache } from "lru-cache";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { EngineInputError, prepareChain, scanPrepared, type InputViolation, type PreparedChain } from "../engine/index.js";
import { openSharedPreparedChain, sharePreparedChain, type SharedPreparedChain } from "../engine/shared-prepared-chain.js";
import { startTracing } from "../common/tracing/start-tracing.js";
import { UNDECODABLE_CHAIN } from "./undecodable-chain.js";
import { activeSpan, inWorkerSpan, type TraceCarrier } from "./worker-spans.js";

export type WorkerTask =
  /** Scan an inline chain given in its wire form; `trace`: the scan's trace context, when it is traced. */
  | { readonly kind: "scan"; readonly chain: Uint8Array; readonly query: Uint8Array; readonly trace?: TraceCarrier | undefined }
  /** Scan a prepared (shared) chain version for each of `queries` (`traces`: each one's trace context, when traced). */
  | {
      readonly kind: "scan-prepared";
      readonly chain: SharedPreparedChain;
      readonly chainVersion: string;
      readonly queries: readonly Uint8Array[];
      readonly traces?: readonly (TraceCarrier | undefined)[];
    }
  /** Export the spans this thread still holds, once each of `threads` such tasks has reached a thread (as warm-up). */
  | { readonly kind: "flush-traces"; readonly arrived: Int32Array; readonly threads: number }
  /** Prepare a chain given in its wire form into shared memory (a version another replica published), named `key`. */
  | { readonly kind: "prepare"; readonly chain: Uint8Array; readonly key: string }
  /**
   * Scan an inline chain for each of `queries` once every one of `threads` warm-up tasks has
   * reached a thread (`arrived` counts them): the engine's code compiled on every thread.
   */
  | {
      readonly kind: "warm-up";
      readonly chain: Uint8Array;
      readonly queries: readonly Uint8Array[];
      readonly arrived: Int32Array;
      readonly threads: number;
    };

/** What every thread of the pool is started with. */
export interface ScanWorkerData {
  /** Candidates one scan may go through one by one (SCAN_WORK_BUDGET); the engine's default when absent. */
  readonly workBudget?: number | undefined;
  /** Whether the scanner traces: each thread then exports its own spans. */
  readonly tracing?: boolean | undefined;
}

const { workBudget, tracing: traced } = (workerData ?? {}) as ScanWorkerData;
// The thread's own exporter, from the same OTEL_* variables as the scanner's (threads share its environment).
const tracing = traced ? await startTracing("scanner") : undefined;

export type ScanOutcome =
  | { readonly result: Uint8Array }
  /** The engine refused the query: fields under "chain." or "query.". */
  | { readonly violations: readonly InputViolation[] }
  /** Something we did not foresee; the message is for the log, not the caller. */
  | { readonly failure: string };

export type WorkerOutcome =
  | ScanOutcome
  | { readonly outcomes: readonly ScanOutcome[] }
  | { readonly prepared: SharedPreparedChain }
  /** A warm-up's outcomes, with the thread that ran it. */
  | { readonly warmed: number; readonly outcomes: readonly ScanOutcome[] }
  /** The thread whose spans were exported. */
  | { readonly flushed: number };

// Versions this worker has opened: scans of one version reuse its views.
const openedChains = new LRUCache<string, PreparedChain>({ max: 16 });

function prepare(chain: Uint8Array, trace?: TraceCarrier): PreparedChain {
  return inWorkerSpan("engine.prepare", trace, () => prepareDecoded(chain));
}

function prepareDecoded(chain: Uint8Array): PreparedChain {
  let decoded: OptionChain;
  try {
    decoded = OptionChain.decode(chain);
    // Inside engine.prepare when the scan is traced: the contracts it prepares.
    if (tracing) activeSpan()?.setAttribute("engine.contracts", decoded.quotes.length);
  } catch (error) {
    throw new Error(`${UNDECODABLE_CHAIN}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return prepareChain(decoded);
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("chain.") : error;
  }
}

function scanned(prepared: PreparedChain, query: Uint8Array, chainVersion: bigint, prepareMs: number, trace?: TraceCarrier): ScanOutcome {
  try {
    const scan = (): ScanResult =>
      scanPrepared(prepared, ScanQuery.decode(query), { chainVersion, prepareMs, ...(workBudget === undefined ? {} : { workBudget }) });
    return { result: ScanResult.encode(inWorkerSpan("engine.evaluate", trace, scan, candidateCounts)).finish() };
  } catch (error) {
    if (error instanceof EngineInputError) return { violations: error.violations };
    return { failure: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

/** What became of a scan's candidates, as `engine.evaluate` attributes. */
function candidateCounts(result: ScanResult): Record<string, number> {
  return {
    "engine.candidates.considered": Number(result.candidatesConsidered),
    "engine.candidates.rejected_by_leg_filters": Number(result.candidatesRejectedByLegFilters),
    "engine.candidates.rejected_by_spread_filters": Number(result.candidatesRejectedBySpreadFilters),
    "engine.candidates.ranked_out": Number(result.candidatesRankedOut),
    "engine.candidates.fully_evaluated": Number(result.candidatesFullyEvaluated),
    "engine.candidates.bounded_out": Number(result.candidatesBoundedOut),
    "engine.candidates.unexplored": Number(result.candidatesUnexplored),
    "engine.spreads": result.spreads.length,
  };
}

/** Holds this thread until every one of a gathering's tasks has reached a thread of its own. */
function gather(arrived: Int32Array, threads: number): void {
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  const gaveUpAt = Date.now() + WARM_UP_GATHER_MS;
  for (let seen = Atomics.load(arrived, 0); seen < threads && Date.now() < gaveUpAt; seen = Atomics.load(arrived, 0)) {
    Atomics.wait(arrived, 0, seen, 100);
  }
}

/** Longest a warm-up task holds its thread waiting for the others to reach theirs, milliseconds. */
const WARM_UP_GATHER_MS = 10_000;

/**
 * Holds this thread until every warm-up task has one (a thread that finished its warm-up early
 * would otherwise take a second, leaving another thread cold), then scans.
 */
function warmUp(task: Extract<WorkerTask, { kind: "warm-up" }>): WorkerOutcome {
  gather(task.arrived, task.threads);
  const started = performance.now();
  const prepared = prepare(task.chain);
  const prepareMs = performance.now() - started;
  return { warmed: threadId, outcomes: task.queries.map((query) => scanned(prepared, query, 0n, prepareMs)) };
}

export default function work(task: WorkerTask): WorkerOutcome | Promise<WorkerOutcome> {
  if (task.kind === "warm-up") return warmUp(task);
  if (task.kind === "flush-traces") {
    gather(task.arrived, task.threads);
    return (tracing?.shutdown() ?? Promise.resolve()).then(() => ({ flushed: threadId }));
  }
  if (task.kind === "scan-prepared") {
    const shared = task.chain;
    const prepared = openedChains.get(shared.key) ?? openSharedPreparedChain(shared);
    openedChains.set(shared.key, prepared);
    const version = BigInt(task.chainVersion);
    return { outcomes: task.queries.map((query, index) => scanned(prepared, query, version, 0, task.traces?.[index])) };
  }
  try {
    if (task.kind === "prepare") return { prepared: sharePreparedChain(prepare(task.chain), task.key) };
    const started = performance.now();
    const prepared = prepare(task.chain, task.trace);
    return scanned(prepared, task.query, 0n, performance.now() - started, task.trace);
  } catch (error) {
    // Errors cross threads as plain messages; the violations are what the caller needs.
    if (error instanceof EngineInputError) return { violations: error.violations };
    throw error;
  }
}

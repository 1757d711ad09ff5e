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
import { UNDECODABLE_CHAIN } from "./undecodable-chain.js";

export type WorkerTask =
  /** Scan an inline chain given in its wire form. */
  | { readonly kind: "scan"; readonly chain: Uint8Array; readonly query: Uint8Array }
  /** Scan a prepared (shared) chain version for each of `queries`. */
  | { readonly kind: "scan-prepared"; readonly chain: SharedPreparedChain; readonly chainVersion: string; readonly queries: readonly Uint8Array[] }
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
}

const { workBudget } = (workerData ?? {}) as ScanWorkerData;

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
  | { readonly warmed: number; readonly outcomes: readonly ScanOutcome[] };

// Versions this worker has opened: scans of one version reuse its views.
const openedChains = new LRUCache<string, PreparedChain>({ max: 16 });

function prepare(chain: Uint8Array): PreparedChain {
  let decoded: OptionChain;
  try {
    decoded = OptionChain.decode(chain);
  } catch (error) {
    throw new Error(`${UNDECODABLE_CHAIN}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return prepareChain(decoded);
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("chain.") : error;
  }
}

function scanned(prepared: PreparedChain, query: Uint8Array, chainVersion: bigint, prepareMs: number): ScanOutcome {
  try {
    return {
      result: ScanResult.encode(
        scanPrepared(prepared, ScanQuery.decode(query), { chainVersion, prepareMs, ...(workBudget === undefined ? {} : { workBudget }) }),
      ).finish(),
    };
  } catch (error) {
    if (error instanceof EngineInputError) return { violations: error.violations };
    return { failure: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

/** Longest a warm-up task holds its thread waiting for the others to reach theirs, milliseconds. */
const WARM_UP_GATHER_MS = 10_000;

/**
 * Holds this thread until every warm-up task has one (a thread that finished its warm-up early
 * would otherwise take a second, leaving another thread cold), then scans.
 */
function warmUp(task: Extract<WorkerTask, { kind: "warm-up" }>): WorkerOutcome {
  Atomics.add(task.arrived, 0, 1);
  Atomics.notify(task.arrived, 0);
  const gaveUpAt = Date.now() + WARM_UP_GATHER_MS;
  for (let seen = Atomics.load(task.arrived, 0); seen < task.threads && Date.now() < gaveUpAt; seen = Atomics.load(task.arrived, 0)) {
    Atomics.wait(task.arrived, 0, seen, 100);
  }
  const started = performance.now();
  const prepared = prepare(task.chain);
  const prepareMs = performance.now() - started;
  return { warmed: threadId, outcomes: task.queries.map((query) => scanned(prepared, query, 0n, prepareMs)) };
}

export default function work(task: WorkerTask): WorkerOutcome {
  if (task.kind === "warm-up") return warmUp(task);
  if (task.kind === "scan-prepared") {
    const shared = task.chain;
    const prepared = openedChains.get(shared.key) ?? openSharedPreparedChain(shared);
    openedChains.set(shared.key, prepared);
    const version = BigInt(task.chainVersion);
    return { outcomes: task.queries.map((query) => scanned(prepared, query, version, 0)) };
  }
  try {
    if (task.kind === "prepare") return { prepared: sharePreparedChain(prepare(task.chain), task.key) };
    const started = performance.now();
    const prepared = prepare(task.chain);
    return scanned(prepared, task.query, 0n, performance.now() - started);
  } catch (error) {
    // Errors cross threads as plain messages; the violations are what the caller needs.
    if (error instanceof EngineInputError) return { violations: error.violations };
    throw error;
  }
}

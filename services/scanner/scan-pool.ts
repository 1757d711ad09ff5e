// Scans on a pool of worker threads (piscina), so that
// health checks, streams and small calls stay responsive while large scans run.
//
// Scans of one stored chain version asked for in the same turn of the event loop (the
// watchers of a symbol after an update, say) travel together in a few tasks of up to
// SCANS_PER_TASK queries each, rather than one message each way per query; small enough
// tasks that the first results go out while the threads work on the rest.
//
// Scan calls are admitted up to MAX_CONCURRENT_SCANS running plus a bounded queue; past
// that they get RESOURCE_EXHAUSTED with a retry delay. Watchers' evaluations are not
// refused: they are bounded by the distinct queries watched, one per chain version, and a
// refusal would end a stream that did nothing wrong.
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { invalidArgument, resourceExhausted } from "../common/errors.js";
import { decodeScanResult } from "./encoded-results.js";
import type { SharedPreparedChain } from "../engine/shared-prepared-chain.js";
import type { ScanOutcome, ScanWorkerData, WorkerOutcome, WorkerTask } from "./scan-worker.js";
import { tracingIsOn } from "../common/tracing/tracer.js";
import { activeTraceCarrier, type TraceCarrier } from "./worker-spans.js";

export interface ScanPoolOptions {
  /** Scan calls running at once (MAX_CONCURRENT_SCANS). */
  readonly maxConcurrentScans: number;
  /** Scan calls that may wait for a slot before new ones are refused. */
  readonly maxQueuedScans: number;
  /** Delay advised to refused callers, milliseconds. */
  readonly retryAfterMs: number;
  /** Candidates one scan may go through one by one (SCAN_WORK_BUDGET); the engine's default when absent. */
  readonly workBudget?: number;
}

/** Whether a scan counts against the call limit (and may be refused), or waits its turn. */
export type Admission = "limited" | "unlimited";

// From TypeScript sources (tests, `node --import tsx`), the worker needs the same loader.
const fromSource = import.meta.url.endsWith(".ts");
const WORKER = new URL(fromSource ? "./scan-worker.ts" : "./scan-worker.js", import.meta.url);

const SCANS_PER_TASK = 8;

interface PendingScan {
  readonly query: Uint8Array;
  /** The scan's trace context, when it is traced: its thread's spans are children of the caller's. */
  readonly trace: TraceCarrier | undefined;
  readonly resolve: (result: ScanResult) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingBatch {
  readonly chain: SharedPreparedChain;
  readonly version: bigint;
  readonly scans: PendingScan[];
}

function resultOf(outcome: ScanOutcome | WorkerOutcome): ScanResult {
  if ("result" in outcome) return decodeScanResult(outcome.result);
  if ("violations" in outcome) throw invalidArgument(outcome.violations);
  if ("failure" in outcome) throw new Error(`the scan worker failed: ${outcome.failure}`);
  throw new Error("the scan worker answered a scan with no result");
}

export class ScanPool {
  private readonly pool: Piscina<WorkerTask, WorkerOutcome>;
  private readonly threads: number;
  private readonly batches = new Map<string, PendingBatch>();
  private admitted = 0;
  private inFlight = 0;
  /** Whether the threads trace (decided when they start, as tracing is on or off then). */
  private readonly tracing = tracingIsOn();

  constructor(private readonly options: ScanPoolOptions) {
    this.threads = Math.max(1, Math.min(options.maxConcurrentScans, availableParallelism()));
    this.pool = new Piscina({
      filename: WORKER.href,
      // Threads stay: a new one would pay its start-up and reopen every chain version.
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: 2 ** 31 - 1,
      // The queue is bounded by our admission, and by batching, not by piscina.
      maxQueue: Number.POSITIVE_INFINITY,
      workerData: { workBudget: options.workBudget, tracing: this.tracing } satisfies ScanWorkerData,
      // A thread parked between tasks (piscina's default, "sync" atomics) runs no timers: its
      // span exporter would send nothing until the pool closes. Tracing, it waits on its event loop.
      ...(this.tracing ? { atomics: "async" as const } : {}),
      ...(fromSource ? { execArgv: ["--import", "tsx"] } : {}),
    });
  }

  /** Scans now running or waiting, calls and watchers' evaluations alike. */
  get active(): number {
    return this.inFlight;
  }

  /**
   * Scans a chain given inline in its wire form; `signal` stops it (a running scan's worker
   * is replaced). Throws RESOURCE_EXHAUSTED when the calls' slots and queue are full,
   * and with INVALID_ARGUMENT when the engine refuses.
   */
  scanInline(chain: Uint8Array, query: ScanQuery | undefined, signal: AbortSignal): Promise<ScanResult> {
    const trace = activeTraceCarrier();
    return this.counted("limited", async () => resultOf(await this.pool.run({ kind: "scan", chain, query: encodeQuery(query), trace }, { signal })));
  }

  /**
   * Decodes and prepares a chain given in its wire form on a thread, into shared memory named
   * `key`: a version another replica published, which this one only scans. Never refused
   * (one per version received); throws with the engine's violations when it cannot be scanned.
   */
  async prepare(chain: Uint8Array, key: string): Promise<SharedPreparedChain> {
    const outcome = await this.pool.run({ kind: "prepare", chain, key });
    if ("prepared" in outcome) return outcome.prepared;
    throw new Error("violations" in outcome ? outcome.violations.map((each) => `${each.field}: ${each.description}`).join("; ") : JSON.stringify(outcome));
  }

  /**
   * Scans a prepared (shared) chain version, batched with the other scans of that version
   * asked for in this turn. It runs to completion: its result is shared and cached.
   * Throws RESOURCE_EXHAUSTED at once when a limited scan finds no room.
   */
  scanStored(chain: SharedPreparedChain, query: ScanQuery | undefined, version: bigint, admission: Admission): Promise<ScanResult> {
    return this.counted(
      admission,
      () =>
        new Promise<ScanResult>((resolve, reject) => {
          let batch = this.batches.get(chain.key);
          if (!batch) {
            batch = { chain, version, scans: [] };
            this.batches.set(chain.key, batch);
            if (this.batches.size === 1) setImmediate(() => this.flush());
          }
          batch.scans.push({ query: encodeQuery(query), trace: activeTraceCarrier(), resolve, reject });
        }),
    );
  }

  /**
   * Scans `chain` for each of `queries` on every thread, one warm-up task each: a thread's
   * first scans run the engine's code before the JavaScript engine has compiled it, several
   * times slower than later ones, and a cold call would otherwise pay for that on each
   * thread. Resolves with the number of distinct threads warmed; throws when the engine
   * refuses the chain or a query.
   */
  async warmUp(chain: Uint8Array, queries: readonly ScanQuery[]): Promise<number> {
    const arrived = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const task: WorkerTask = { kind: "warm-up", chain, queries: queries.map(encodeQuery), arrived, threads: this.threads };
    const outcomes = await Promise.all(Array.from({ length: this.threads }, () => this.pool.run(task)));
    const threads = new Set<number>();
    for (const outcome of outcomes) {
      if (!("warmed" in outcome)) throw new Error(`a warm-up task answered ${JSON.stringify(outcome)}`);
      outcome.outcomes.forEach(resultOf);
      threads.add(outcome.warmed);
    }
    return threads.size;
  }

  async close(): Promise<void> {
    if (this.tracing) await this.flushTraces();
    await this.pool.destroy();
  }

  /** Has every thread export the spans it holds, before the threads end (one task each, gathered as warm-up's are). */
  private async flushTraces(): Promise<void> {
    const arrived = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const task: WorkerTask = { kind: "flush-traces", arrived, threads: this.threads };
    await Promise.allSettled(Array.from({ length: this.threads }, () => this.pool.run(task)));
  }

  /** Worker threads alive now: the configured count while open, none once closed. */
  get liveThreads(): number {
    return this.pool.threads.length;
  }

  /** Runs `scan` counted; a refused call throws at once, so no caller ever shares a refusal. */
  private counted(admission: Admission, scan: () => Promise<ScanResult>): Promise<ScanResult> {
    const limited = admission === "limited";
    if (limited) {
      const { maxConcurrentScans, maxQueuedScans, retryAfterMs } = this.options;
      if (this.admitted >= maxConcurrentScans + maxQueuedScans) {
        throw resourceExhausted(`${this.admitted} scans are running or queued, the most this scanner takes; retry shortly`, retryAfterMs);
      }
      this.admitted++;
    }
    this.inFlight++;
    const release = (): void => {
      this.inFlight--;
      if (limited) this.admitted--;
    };
    return scan().finally(release);
  }

  /** Sends each version's waiting scans to the threads, in shares that keep every thread busy. */
  private flush(): void {
    const batches = [...this.batches.values()];
    this.batches.clear();
    for (const { chain, version, scans } of batches) {
      const shares = Math.min(scans.length, Math.max(this.threads, Math.ceil(scans.length / SCANS_PER_TASK)));
      for (let share = 0; share < shares; share++) {
        const mine = scans.filter((_, index) => index % shares === share);
        const traces = this.tracing ? mine.map((scan) => scan.trace) : undefined;
        const task: WorkerTask = {
          kind: "scan-prepared",
          chain,
          chainVersion: String(version),
          queries: mine.map((scan) => scan.query),
          ...(traces ? { traces } : {}),
        };
        this.pool.run(task).then(
          (outcome) => {
            const outcomes = "outcomes" in outcome ? outcome.outcomes : [];
            mine.forEach((scan, index) => {
              const own = outcomes[index];
              try {
                if (!own) throw new Error("the scan worker answered a batch with too few results");
                scan.resolve(resultOf(own));
              } catch (error) {
                scan.reject(error);
              }
            });
          },
          (error: unknown) => {
            for (const scan of mine) scan.reject(error);
          },
        );
      }
    }
  }
}

function encodeQuery(query: ScanQuery | undefined): Uint8Array {
  return ScanQuery.encode(query ?? ScanQuery.fromPartial({})).finish();
}

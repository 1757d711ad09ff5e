// The coordinator's scan jobs: at most MAX_CONCURRENT_SCANS running, a bounded queue behind
// them, then RESOURCE_EXHAUSTED; identical scans asked for while one is queued or running
// share it; finished jobs are kept for a while so that callers can read them; every change of
// state is an event (the original design's event emission), logged and streamed.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { status } from "@grpc/grpc-js";
import { context } from "@opentelemetry/api";
import { LRUCache } from "lru-cache";
import { JobState, type Job } from "../../../gen/ts/spreadscan/coordinator/v1/job.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { cancelled, deadlineExceeded, resourceExhausted, RpcError, unavailable } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { tracingIsOn } from "../../common/tracing/tracer.js";
import { unlessAborted } from "../../common/unless-aborted.js";
import { listedTo, type JobViewer } from "./job-visibility.js";
import { FINISHED_STATES, jobMessage, missingJob, stateName, type ScanJob } from "./scan-job.js";

/** The work of a job: the scan itself, stopped by `signal`. */
export type JobWork = (job: Pick<ScanJob, "id" | "symbol" | "query" | "key" | "createdAt">, signal: AbortSignal) => Promise<ScanResult>;

export interface JobManagerOptions {
  readonly work: JobWork;
  /** Jobs running at once (MAX_CONCURRENT_SCANS). */
  readonly maxRunning: number;
  /** Jobs waiting for a slot before new ones are refused (JOB_QUEUE_SIZE). */
  readonly maxQueued: number;
  /** Longest a job may run, milliseconds. */
  readonly timeLimitMs: number;
  /** How long a finished job stays readable, milliseconds (JOB_RETENTION). */
  readonly retentionMs: number;
  /** Finished jobs kept at most, the oldest dropped first. */
  readonly maxRetained: number;
  /** Delay advised when the queue is full, milliseconds. */
  readonly retryAfterMs: number;
  readonly logger: Logger;
  /** Clock of the retention period, milliseconds (tests move it). */
  readonly now?: () => number;
}

/** A change of a job's state, with the job as it was then (without its result). */
export interface JobEvent {
  readonly time: Date;
  readonly previousState: JobState;
  readonly job: Job;
}

export interface JobPage {
  readonly jobs: readonly ScanJob[];
  /** Empty when there are no more. */
  readonly nextPageToken: string;
}

/** Newest first; ties (same millisecond) by id, so that a page token is a precise cursor. */
function newestFirst(a: ScanJob, b: ScanJob): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function pageToken(job: ScanJob): string {
  return Buffer.from(`${job.createdAt.getTime()}:${job.id}`).toString("base64url");
}

function cursorOf(token: string): { time: number; id: string } | undefined {
  const match = /^(\d+):(.+)$/.exec(Buffer.from(token, "base64url").toString());
  return match?.[1] && match[2] ? { time: Number(match[1]), id: match[2] } : undefined;
}

export class JobManager {
  /** Emits "change" with a JobEvent for every change of a job's state. */
  readonly events = new EventEmitter();
  private readonly active = new Map<string, ScanJob>();
  private readonly activeByKey = new Map<string, ScanJob>();
  private readonly queue: ScanJob[] = [];
  private readonly finishedJobs: LRUCache<string, ScanJob>;
  private readonly settle = new WeakMap<ScanJob, () => void>();
  private running = 0;
  private closed = false;

  constructor(private readonly options: JobManagerOptions) {
    const now = options.now ?? (() => performance.now());
    // Purged when they expire, not when read: an expired job nobody asks for again would
    // otherwise stay in memory until maxRetained newer ones push it out.
    this.finishedJobs = new LRUCache({ max: options.maxRetained, ttl: options.retentionMs, ttlAutopurge: true, perf: { now } });
    // Watchers of job events are bounded by the service, not by this emitter.
    this.events.setMaxListeners(0);
  }

  get runningCount(): number {
    return this.running;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Whether a job submitted now would start at once, taking no slot a queued scan waits for. */
  get hasIdleSlot(): boolean {
    return this.running < this.options.maxRunning && this.queue.length === 0;
  }

  /**
   * Queues a scan, or returns the queued or running job of the same key. Throws
   * RESOURCE_EXHAUSTED with a retry delay when the queue is full.
   */
  submit(symbol: string, query: ScanQuery | undefined, key: string, askedBy?: string): { job: ScanJob; joined: boolean } {
    if (this.closed) throw unavailable("the coordinator is shutting down; retry on another instance", 1000);
    const existing = this.activeByKey.get(key);
    if (existing) {
      if (askedBy !== undefined) existing.askedBy.add(askedBy);
      return { job: existing, joined: true };
    }
    if (this.running >= this.options.maxRunning && this.queue.length >= this.options.maxQueued) {
      throw resourceExhausted(
        `${this.running} scans are running and ${this.queue.length} are queued, the most this coordinator takes; retry shortly`,
        this.options.retryAfterMs,
      );
    }
    const job = this.create(symbol, query, key, JobState.JOB_STATE_QUEUED, askedBy);
    this.active.set(job.id, job);
    this.activeByKey.set(key, job);
    this.queue.push(job);
    this.emit(job, JobState.JOB_STATE_UNSPECIFIED);
    this.startQueued();
    return { job, joined: false };
  }

  /** Records a scan answered from the cache as a job born finished, for callers who asked for a job. */
  recordCached(symbol: string, query: ScanQuery | undefined, key: string, result: ScanResult, askedBy?: string): ScanJob {
    const job = this.create(symbol, query, key, JobState.JOB_STATE_SUCCEEDED, askedBy);
    job.startedAt = job.createdAt;
    job.finishedAt = job.createdAt;
    job.result = result;
    job.cacheHit = true;
    this.finishedJobs.set(job.id, job);
    this.settle.get(job)?.();
    this.emit(job, JobState.JOB_STATE_UNSPECIFIED);
    return job;
  }

  /** `owner` was answered with the result of job `id` (a cache hit): the job is theirs to read too, while it is kept. */
  noteAskedFor(id: string, owner: string): void {
    this.get(id)?.askedBy.add(owner);
  }

  get(id: string): ScanJob | undefined {
    return this.active.get(id) ?? this.finishedJobs.get(id);
  }

  /** The job, or NOT_FOUND naming it. */
  require(id: string): ScanJob {
    const job = this.get(id);
    if (!job) throw missingJob(id);
    return job;
  }

  /**
   * The jobs `viewer` may list in `states` (all when empty), newest first, `pageSize` at a time
   * after `token`. Undefined when the token is not one of ours.
   */
  list(viewer: JobViewer, states: ReadonlySet<JobState>, pageSize: number, token: string): JobPage | undefined {
    const cursor = token === "" ? undefined : cursorOf(token);
    if (token !== "" && !cursor) return undefined;
    const all = [...this.active.values(), ...this.finishedJobs.values()]
      .filter((job) => listedTo(viewer, job) && (states.size === 0 || states.has(job.state)))
      .sort(newestFirst)
      .filter((job) => !cursor || job.createdAt.getTime() < cursor.time || (job.createdAt.getTime() === cursor.time && job.id > cursor.id));
    const jobs = all.slice(0, pageSize);
    const last = jobs.at(-1);
    return { jobs, nextPageToken: all.length > pageSize && last ? pageToken(last) : "" };
  }

  /** Cancels a queued or running job; a finished one is returned as it is. */
  cancel(id: string): ScanJob {
    const job = this.require(id);
    if (FINISHED_STATES.has(job.state)) return job;
    const reason = cancelled(`job ${job.id} was cancelled`);
    if (job.state === JobState.JOB_STATE_QUEUED) {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.finish(job, JobState.JOB_STATE_CANCELLED, { error: reason });
    } else {
      job.controller.abort(reason);
    }
    return job;
  }

  /** Refuses new jobs (UNAVAILABLE); those queued and running carry on. */
  stopAccepting(): void {
    this.closed = true;
  }

  /** Cancels every job; new ones are refused. */
  close(): void {
    this.closed = true;
    for (const job of [...this.active.values()]) this.cancel(job.id);
  }

  private create(symbol: string, query: ScanQuery | undefined, key: string, state: JobState, askedBy: string | undefined): ScanJob {
    let settle: () => void = () => undefined;
    const job: ScanJob = {
      id: randomUUID(),
      symbol,
      query,
      key,
      createdAt: new Date(),
      state,
      cacheHit: false,
      askedBy: new Set(askedBy === undefined ? [] : [askedBy]),
      controller: new AbortController(),
      ...(tracingIsOn() ? { traceContext: context.active() } : {}),
      finished: new Promise<ScanJob>((resolve) => {
        settle = () => {
          resolve(job);
        };
      }),
    };
    this.settle.set(job, settle);
    return job;
  }

  private startQueued(): void {
    while (this.running < this.options.maxRunning) {
      const job = this.queue.shift();
      if (!job) return;
      void this.run(job);
    }
  }

  private async run(job: ScanJob): Promise<void> {
    this.running++;
    job.startedAt = new Date();
    job.state = JobState.JOB_STATE_RUNNING;
    this.emit(job, JobState.JOB_STATE_QUEUED);
    const timer = setTimeout(() => {
      job.controller.abort(deadlineExceeded(`the scan ran past the coordinator's time limit of ${this.options.timeLimitMs} ms`));
    }, this.options.timeLimitMs);
    try {
      // A cancelled or timed-out job ends now, whether or not its work heeds the signal.
      const { work } = this.options;
      const running = job.traceContext ? context.with(job.traceContext, work, undefined, job, job.controller.signal) : work(job, job.controller.signal);
      const result = await unlessAborted(running, job.controller.signal);
      this.finish(job, JobState.JOB_STATE_SUCCEEDED, { result });
    } catch (error) {
      const reason: unknown = job.controller.signal.aborted ? job.controller.signal.reason : error;
      const rpcError = reason instanceof RpcError ? reason : this.unexpected(job, reason);
      const state = job.controller.signal.aborted && rpcError.code === status.CANCELLED ? JobState.JOB_STATE_CANCELLED : JobState.JOB_STATE_FAILED;
      this.finish(job, state, { error: rpcError });
    } finally {
      clearTimeout(timer);
      this.running--;
      this.startQueued();
    }
  }

  /** An error we did not name: logged in full, reported to callers as INTERNAL without its detail. */
  private unexpected(job: ScanJob, error: unknown): RpcError {
    this.options.logger.error({ err: error, jobId: job.id }, "scan job failed unexpectedly");
    return new RpcError(status.INTERNAL, `the scan of ${job.symbol} failed unexpectedly (job ${job.id}); the coordinator's log has the details`);
  }

  private finish(job: ScanJob, state: JobState, outcome: { result?: ScanResult; error?: RpcError }): void {
    const previous = job.state;
    job.state = state;
    job.finishedAt = new Date();
    if (outcome.result) job.result = outcome.result;
    if (outcome.error) job.error = outcome.error.settled();
    this.active.delete(job.id);
    if (this.activeByKey.get(job.key) === job) this.activeByKey.delete(job.key);
    this.finishedJobs.set(job.id, job);
    this.settle.get(job)?.();
    this.emit(job, previous);
  }

  private emit(job: ScanJob, previousState: JobState): void {
    const event: JobEvent = { time: new Date(), previousState, job: jobMessage(job, { withResult: false }) };
    this.options.logger.info(
      {
        jobId: job.id,
        symbol: job.symbol,
        state: stateName(job.state),
        previousState: previousState === JobState.JOB_STATE_UNSPECIFIED ? undefined : stateName(previousState),
        ...(job.error ? { code: job.error.code, error: job.error.message } : {}),
      },
      "scan job changed state",
    );
    this.events.emit("change", event);
  }
}

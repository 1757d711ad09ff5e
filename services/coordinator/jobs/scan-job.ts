// One scan job as the coordinator keeps it, and its wire form. A job is a scan of one symbol
// for one query; identical scans asked for while it is queued or running share it.
import { Duration } from "../../../gen/ts/google/protobuf/duration.js";
import { JobState, type ErrorStatus, type Job } from "../../../gen/ts/spreadscan/coordinator/v1/job.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { Context } from "@opentelemetry/api";
import { notFound, RpcError } from "../../common/errors.js";

export const FINISHED_STATES: ReadonlySet<JobState> = new Set([JobState.JOB_STATE_SUCCEEDED, JobState.JOB_STATE_FAILED, JobState.JOB_STATE_CANCELLED]);

export interface ScanJob {
  readonly id: string;
  readonly symbol: string;
  readonly query: ScanQuery | undefined;
  /** Symbol and normalized query: equal keys, the same scan. */
  readonly key: string;
  readonly createdAt: Date;
  state: JobState;
  startedAt?: Date;
  finishedAt?: Date;
  result?: ScanResult;
  /** Why it failed or was cancelled, as the status its callers get. */
  error?: RpcError;
  cacheHit: boolean;
  /**
   * The owners (owner.ts) who asked for it: who submitted it, joined it in flight, or were
   * answered with its result from the cache. Empty for the coordinator's own work (a refresh
   * ahead of expiry). A caller reads only the jobs it asked for (job-visibility.ts).
   */
  readonly askedBy: Set<string>;
  /** Aborted to cancel the job or when its time is up. */
  readonly controller: AbortController;
  /** Settles (never rejects) when the job reaches a finished state. */
  readonly finished: Promise<ScanJob>;
  /**
   * With tracing on, the trace context of the call that made the job: its work runs in it
   * even when it waited in the queue, so the job's spans belong to that call's trace.
   */
  readonly traceContext?: Context;
}

/** NOT_FOUND for a job id: the same words whether it never existed, has gone, or is another caller's. */
export function missingJob(id: string): RpcError {
  return notFound(`no job ${JSON.stringify(id)}: it never existed here, or finished more than the retention period ago`);
}

export function durationOf(milliseconds: number): Duration {
  const seconds = Math.floor(milliseconds / 1000);
  return Duration.fromPartial({ seconds: BigInt(seconds), nanos: Math.round((milliseconds - seconds * 1000) * 1e6) });
}

export function errorStatusOf(error: RpcError): ErrorStatus {
  return {
    code: error.code,
    message: error.message,
    fieldViolations: (error.details.fieldViolations ?? []).map(({ field, description }) => ({ field, description })),
    ...(error.details.retryDelayMs === undefined ? {} : { retryDelay: durationOf(error.details.retryDelayMs) }),
  };
}

export function jobMessage(job: ScanJob, { withResult = true }: { withResult?: boolean } = {}): Job {
  return {
    id: job.id,
    state: job.state,
    symbol: job.symbol,
    query: job.query,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    result: withResult ? job.result : undefined,
    error: job.error ? errorStatusOf(job.error) : undefined,
    cacheHit: job.cacheHit,
  };
}

export function stateName(state: JobState): string {
  return JobState[state].replace("JOB_STATE_", "").toLowerCase();
}

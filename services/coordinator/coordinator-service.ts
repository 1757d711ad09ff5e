// spreadscan.coordinator.v1.CoordinatorService over gRPC: each handler checks what the wire
// can get wrong (symbols, queries, ids, enum values, sizes) and hands the rest to the scans,
// the jobs and the feeds.
import {
  type CancelJobRequest,
  type CancelJobResponse,
  type CoordinatorServiceServer,
  type GetJobRequest,
  type GetJobResponse,
  type GetMetricsResponse,
  type ListJobsRequest,
  type ListJobsResponse,
  type ScanBatchRequest,
  type ScanBatchResponse,
  type ScanRequest,
  type ScanResponse,
  type SubmitScanRequest,
  type SubmitScanResponse,
  type WatchJobEventsRequest,
  type WatchJobEventsResponse,
  type WatchSpreadsRequest,
  type WatchSpreadsResponse,
  type WatchUniverseRequest,
  type WatchUniverseResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { ScanUniverseRequest, ScanUniverseResponse } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { invalidArgument, resourceExhausted, RpcError, type FieldViolation } from "../common/errors.js";
import { serverStreamHandler, unaryHandler, type HandlerOptions, type StreamSink } from "../common/handlers.js";
import { tickerOf } from "../common/ticker.js";
import type { CoordinatorMetrics } from "./coordinator-metrics.js";
import type { CoordinatorScans } from "./coordinator-scans.js";
import type { JobEvent, JobManager } from "./jobs/job-manager.js";
import { errorStatusOf, FINISHED_STATES, jobMessage } from "./jobs/scan-job.js";
import { ageField, asRpcError, collect, scanKey, validQuery } from "./scan-request.js";
import type { SpreadFeeds } from "./spread-feeds.js";
import { scanUniverse } from "./universe/universe-scan.js";
import { readableBy, readableJob, viewerOf } from "./jobs/job-visibility.js";
import { ownerOf } from "./owner.js";
import { watchUniverse } from "./universe/watch-universe.js";
import type { WatchlistLookup } from "./watchlists/watchlist-lookup.js";

export const MAX_BATCH_SYMBOLS = 100;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const MAX_WATCH_INTERVAL_MS = 3_600_000;
/** Entries of ListJobsRequest.states; repeats are allowed, up to this many. */
const MAX_LISTED_STATES = 16;
/** Job events a slow WatchJobEvents reader may fall behind by before its stream is ended. */
const MAX_PENDING_EVENTS = 1000;
const JOB_STATES: ReadonlySet<JobState> = new Set([
  JobState.JOB_STATE_QUEUED,
  JobState.JOB_STATE_RUNNING,
  JobState.JOB_STATE_SUCCEEDED,
  JobState.JOB_STATE_FAILED,
  JobState.JOB_STATE_CANCELLED,
]);

export interface CoordinatorServiceParts {
  readonly scans: CoordinatorScans;
  readonly jobs: JobManager;
  readonly feeds: SpreadFeeds;
  readonly metrics: CoordinatorMetrics;
  /** Scans of one batch running at once. */
  readonly batchConcurrency: number;
  /** Where ScanUniverse reads a named watchlist; absent while the coordinator keeps none. */
  readonly watchlists?: WatchlistLookup | undefined;
}

/** The scan's symbol and cache key, or INVALID_ARGUMENT naming every bad field. */
function validScan(rawSymbol: string, rawQuery: ScanQuery | undefined): { symbol: string; key: string; query: ScanQuery | undefined } {
  const violations: FieldViolation[] = [];
  const symbol = collect(violations, () => tickerOf(rawSymbol));
  const valid = collect(violations, () => validQuery(rawQuery));
  if (symbol === undefined || valid === undefined) throw invalidArgument(violations);
  return { symbol, key: scanKey(symbol, valid.key), query: valid.query };
}

function jobIdOf(raw: string): string {
  const id = raw.trim();
  // Ids are UUIDs; anything but a short run of visible ASCII cannot be one.
  if (!/^[\x21-\x7e]{1,100}$/.test(id)) throw invalidArgument([{ field: "job_id", description: "must be the id of a job, as SubmitScan or Scan returned it" }]);
  return id;
}

export function coordinatorService(parts: CoordinatorServiceParts, options: HandlerOptions): CoordinatorServiceServer {
  const { scans, jobs, feeds, metrics } = parts;

  return {
    scan: unaryHandler(
      "Scan",
      async (request: ScanRequest, context): Promise<ScanResponse> => {
        const { symbol, key, query } = validScan(request.symbol, request.query);
        const answer = await scans.scan(symbol, query, key, { bypassCache: request.bypassCache, signal: context.signal, askedBy: ownerOf(context.caller) });
        return { result: answer.result, cacheHit: answer.cacheHit, jobId: answer.jobId, stale: answer.stale, ...ageField(answer) };
      },
      options,
    ),

    submitScan: unaryHandler(
      "SubmitScan",
      async (request: SubmitScanRequest, context): Promise<SubmitScanResponse> => {
        const { symbol, key, query } = validScan(request.symbol, request.query);
        return { job: jobMessage(await scans.submit(symbol, query, key, { bypassCache: request.bypassCache, askedBy: ownerOf(context.caller) })) };
      },
      options,
    ),

    getJob: unaryHandler(
      "GetJob",
      (request: GetJobRequest, context): Promise<GetJobResponse> => {
        const id = jobIdOf(request.jobId);
        return Promise.resolve({ job: jobMessage(readableJob(viewerOf(context), id, jobs.get(id))) });
      },
      options,
    ),

    listJobs: unaryHandler(
      "ListJobs",
      (request: ListJobsRequest, context): Promise<ListJobsResponse> => {
        // Not looked at entry by entry past the bound: a 4 MiB request holds four million.
        if (request.states.length > MAX_LISTED_STATES) {
          throw invalidArgument([
            { field: "states", description: `must list at most ${MAX_LISTED_STATES} states (there are ${JOB_STATES.size}); got ${request.states.length}` },
          ]);
        }
        const violations: FieldViolation[] = request.states
          .map((state, index) => ({ state, index }))
          .filter(({ state }) => !JOB_STATES.has(state))
          .map(({ state, index }) => ({
            field: `states[${index}]`,
            description: `is not a job state (${state}); use QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED`,
          }));
        const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
        const page = jobs.list(viewerOf(context), new Set(request.states), pageSize, request.pageToken);
        if (!page) violations.push({ field: "page_token", description: "is not a token a previous ListJobs returned" });
        if (violations.length > 0 || !page) throw invalidArgument(violations);
        // Results stay out of lists, so that a page stays small; GetJob has them.
        return Promise.resolve({ jobs: page.jobs.map((job) => jobMessage(job, { withResult: false })), nextPageToken: page.nextPageToken });
      },
      options,
    ),

    cancelJob: unaryHandler(
      "CancelJob",
      async (request: CancelJobRequest): Promise<CancelJobResponse> => {
        // A running job ends as soon as its work sees the abort: answer with that end.
        const job = await jobs.cancel(jobIdOf(request.jobId)).finished;
        return { job: jobMessage(job) };
      },
      options,
    ),

    watchJobEvents: serverStreamHandler(
      "WatchJobEvents",
      async (request: WatchJobEventsRequest, sink: StreamSink<WatchJobEventsResponse>, context) => {
        const viewer = viewerOf(context);
        const onlyId = request.jobId.trim() === "" ? undefined : jobIdOf(request.jobId);
        const only = onlyId === undefined ? undefined : readableJob(viewer, onlyId, jobs.get(onlyId));
        const pending: JobEvent[] = [];
        const stream = { overflowed: false, wake: undefined as (() => void) | undefined };
        const onChange = (event: JobEvent): void => {
          if (only && event.job.id !== only.id) return;
          // Another caller's job is none of this one's business (job-visibility.ts).
          const job = jobs.get(event.job.id);
          if (!only && (!job || !readableBy(viewer, job))) return;
          if (pending.length >= MAX_PENDING_EVENTS) stream.overflowed = true;
          else pending.push(event);
          stream.wake?.();
        };
        const onAbort = (): void => stream.wake?.();
        jobs.events.on("change", onChange);
        context.signal.addEventListener("abort", onAbort, { once: true });
        try {
          let sequence = 0n;
          const sendEvent = async (event: JobEvent): Promise<void> => {
            sequence++;
            await sink.send({ sequence, eventTime: event.time, previousState: event.previousState, job: event.job });
          };
          // One job: where it is now first, then every change until it is finished.
          if (only) {
            await sendEvent({ time: new Date(), previousState: JobState.JOB_STATE_UNSPECIFIED, job: jobMessage(only, { withResult: false }) });
            if (FINISHED_STATES.has(only.state)) return;
          }
          for (;;) {
            const event = pending.shift();
            if (!event) {
              if (stream.overflowed) throw resourceExhausted(`this stream fell more than ${MAX_PENDING_EVENTS} events behind; reconnect and read faster`, 1000);
              context.signal.throwIfAborted();
              await new Promise<void>((resolve) => (stream.wake = resolve));
              stream.wake = undefined;
              continue;
            }
            await sendEvent(event);
            if (only && FINISHED_STATES.has(event.job.state)) return;
          }
        } finally {
          jobs.events.off("change", onChange);
          context.signal.removeEventListener("abort", onAbort);
        }
      },
      options,
    ),

    scanBatch: serverStreamHandler(
      "ScanBatch",
      async (request: ScanBatchRequest, sink: StreamSink<ScanBatchResponse>, context) => {
        const violations: FieldViolation[] = [];
        if (request.symbols.length === 0) violations.push({ field: "symbols", description: "must name at least one symbol" });
        if (request.symbols.length > MAX_BATCH_SYMBOLS)
          violations.push({ field: "symbols", description: `must name at most ${MAX_BATCH_SYMBOLS} symbols; got ${request.symbols.length}` });
        const symbols: string[] = [];
        request.symbols.slice(0, MAX_BATCH_SYMBOLS).forEach((raw, index) => {
          const symbol = collect(violations, () => tickerOf(raw, `symbols[${index}]`));
          if (symbol !== undefined && !symbols.includes(symbol)) symbols.push(symbol);
        });
        const valid = collect(violations, () => validQuery(request.query));
        if (violations.length > 0 || valid === undefined) throw invalidArgument(violations);

        // A few workers take the symbols in turn: within the concurrency limit, each result
        // goes out as soon as it is ready.
        let next = 0;
        const worker = async (): Promise<void> => {
          for (let index = next++; index < symbols.length; index = next++) {
            const symbol = symbols[index] ?? "";
            context.signal.throwIfAborted();
            let message: ScanBatchResponse;
            try {
              const answer = await scans.scan(symbol, valid.query, scanKey(symbol, valid.key), {
                bypassCache: request.bypassCache,
                signal: context.signal,
                askedBy: ownerOf(context.caller),
              });
              message = { symbol, jobId: answer.jobId, cacheHit: answer.cacheHit, result: answer.result, stale: answer.stale, ...ageField(answer) };
            } catch (error) {
              context.signal.throwIfAborted();
              const rpcError = asRpcError(error);
              if (!(error instanceof RpcError)) context.logger.error({ err: error, symbol }, "a batch scan failed unexpectedly");
              message = { symbol, jobId: "", cacheHit: false, error: errorStatusOf(rpcError), stale: false };
            }
            await sink.send(message);
          }
        };
        await Promise.all(Array.from({ length: Math.min(parts.batchConcurrency, symbols.length) }, worker));
      },
      options,
    ),

    watchSpreads: serverStreamHandler(
      "WatchSpreads",
      async (request: WatchSpreadsRequest, sink: StreamSink<WatchSpreadsResponse>, context) => {
        const violations: FieldViolation[] = [];
        const symbol = collect(violations, () => tickerOf(request.symbol));
        const valid = collect(violations, () => validQuery(request.query));
        if (request.minIntervalMs > MAX_WATCH_INTERVAL_MS) {
          violations.push({ field: "min_interval_ms", description: `must be at most ${MAX_WATCH_INTERVAL_MS} milliseconds; got ${request.minIntervalMs}` });
        }
        if (violations.length > 0 || symbol === undefined || valid === undefined) throw invalidArgument(violations);
        await feeds.watch(symbol, valid.query, request.minIntervalMs, context.signal, (message) => sink.send(message));
      },
      options,
    ),

    scanUniverse: unaryHandler(
      "ScanUniverse",
      (request: ScanUniverseRequest, context): Promise<ScanUniverseResponse> =>
        scanUniverse({ scans, watchlists: parts.watchlists, concurrency: parts.batchConcurrency }, request, context),
      options,
    ),

    watchUniverse: serverStreamHandler(
      "WatchUniverse",
      (request: WatchUniverseRequest, sink: StreamSink<WatchUniverseResponse>, context) =>
        watchUniverse({ feeds, watchlists: parts.watchlists }, request, sink, context),
      options,
    ),

    getMetrics: unaryHandler("GetMetrics", (): Promise<GetMetricsResponse> => Promise.resolve(metrics.snapshot()), options),
  };
}

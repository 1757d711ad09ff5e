// Scan jobs for people: state names as --state takes them, the jobs table, one job in
// full, and one line per job event.
import { InvalidArgumentError } from "commander";
import type { WatchJobEventsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState, type ErrorStatus, type Job } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import { messageWithoutViolations, statusCodeName } from "./coordinator-connection.js";
import { keyValueTable, plainTable } from "./plain-table.js";
import { formatScanTable } from "./scan-table.js";
import { formatElapsed, formatInstant, NONE } from "./time-format.js";

/** The command-line name of each state, as --state takes it and the tables show it. */
export const JOB_STATE_NAMES: ReadonlyMap<JobState, string> = new Map([
  [JobState.JOB_STATE_QUEUED, "queued"],
  [JobState.JOB_STATE_RUNNING, "running"],
  [JobState.JOB_STATE_SUCCEEDED, "succeeded"],
  [JobState.JOB_STATE_FAILED, "failed"],
  [JobState.JOB_STATE_CANCELLED, "cancelled"],
]);
const STATES_BY_NAME = new Map([...JOB_STATE_NAMES].map(([state, name]) => [name, state]));

export function jobStateName(state: JobState): string {
  return JOB_STATE_NAMES.get(state) ?? (state === JobState.JOB_STATE_UNSPECIFIED ? "unspecified" : `state ${state}`);
}

/** QUEUED and RUNNING are active; every other state is final. */
export function isFinalState(state: JobState): boolean {
  return state !== JobState.JOB_STATE_QUEUED && state !== JobState.JOB_STATE_RUNNING && state !== JobState.JOB_STATE_UNSPECIFIED;
}

/** --state: repeatable, and each value may list several: --state queued,running. */
export function collectJobStates(text: string, previous: readonly JobState[] | undefined): JobState[] {
  const parsed = text.split(",").map((part) => {
    const key = part
      .trim()
      .toLowerCase()
      .replace(/^job_state_/, "");
    const state = STATES_BY_NAME.get(key);
    if (state === undefined) throw new InvalidArgumentError(`expected a job state: ${[...STATES_BY_NAME.keys()].join(", ")}.`);
    return state;
  });
  return [...(previous ?? []), ...parsed];
}

/** How long the job ran: to its end, or so far while it runs; none before it starts. */
export function jobDuration(job: Job, now: Date): string {
  if (!job.startedAt) return NONE;
  const end = job.finishedAt ?? now;
  const text = formatElapsed(end.getTime() - job.startedAt.getTime());
  return job.finishedAt ? text : `${text} so far`;
}

export function formatErrorStatus(error: ErrorStatus | undefined): string {
  if (!error) return "";
  return error.message === "" ? statusCodeName(error.code) : `${statusCodeName(error.code)}: ${error.message}`;
}

/** The jobs table: id, state, symbol, created, duration, error; a plain line when there are none. */
export function formatJobTable(jobs: readonly Job[], now: Date): string {
  if (jobs.length === 0) return "No jobs.\n";
  const rows = jobs.map((job) => [
    job.id,
    jobStateName(job.state),
    job.symbol,
    formatInstant(job.createdAt, { toSeconds: true }),
    jobDuration(job, now),
    formatErrorStatus(job.error),
  ]);
  const table = plainTable(
    [{ header: "id" }, { header: "state" }, { header: "symbol" }, { header: "created" }, { header: "duration", align: "right" }, { header: "error" }],
    rows,
  );
  return `${table}\n`;
}

/** One job in full: its fields, the field violations of its error, then its result's table when it has one. */
export function formatJobDetails(job: Job, now: Date, width: number | undefined): string {
  const details = keyValueTable([
    ["job", job.id],
    ["state", jobStateName(job.state)],
    ["symbol", job.symbol],
    ["created", formatInstant(job.createdAt)],
    ["started", formatInstant(job.startedAt)],
    ["finished", formatInstant(job.finishedAt)],
    ["duration", jobDuration(job, now)],
    ["cache hit", job.cacheHit ? "yes" : "no"],
    ["error", job.error ? formatErrorStatus({ ...job.error, message: messageWithoutViolations(job.error.message, job.error.fieldViolations) }) : NONE],
    ...(job.error?.fieldViolations ?? []).map(({ field, description }): [string, string] => ["", `${field}: ${description}`]),
  ]);
  const result = job.result ? `\n${formatScanTable(job.result, { width })}` : "";
  return `${details}\n${result}`;
}

/** One line per state change: sequence, when, which job, from what to what, and the error when it failed. */
export function formatJobEvent(event: WatchJobEventsResponse): string {
  const job = event.job;
  const from = event.previousState === JobState.JOB_STATE_UNSPECIFIED ? "new" : jobStateName(event.previousState);
  const parts = [
    `#${event.sequence}`,
    formatInstant(event.eventTime),
    job?.id ?? NONE,
    job?.symbol ?? NONE,
    `${from} → ${job ? jobStateName(job.state) : NONE}`,
  ];
  const error = formatErrorStatus(job?.error);
  return `${parts.join("  ")}${error ? `  ${error}` : ""}\n`;
}

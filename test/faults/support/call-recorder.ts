// Every call a fault suite makes goes through here: its final status, how long it took, and
// whether it was still open a second past its deadline (a hung call; grpc-js enforces
// deadlines on the client too, so anything here means a call the library or the service
// never ended).
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { REQUEST_ID_KEY } from "../../../services/common/call-observer.js";
import { statusName } from "./fault-report.js";

/** The code of a call that hung: no gRPC status has it. */
export const HUNG = -1;
export type Outcome = status | typeof HUNG;

/** How long past its deadline a call may take to end before it counts as hung. */
export const HUNG_AFTER_DEADLINE_MS = 1000;

export interface CallOutcome<Response> {
  /** gRPC status code; HUNG when the call did not end in time. */
  readonly code: Outcome;
  readonly details: string;
  readonly response?: Response;
  readonly error?: ServiceError;
  /** The x-request-id it was sent with, when the caller chose one: the services log it with the call. */
  readonly requestId?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly durationMs: number;
}

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: Response) => void,
) => unknown;

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

/** Outcomes counted by status name. */
export function countByStatus(outcomes: readonly { readonly code: Outcome }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const name = outcome.code === HUNG ? "HUNG" : statusName(outcome.code);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

export class CallRecorder {
  readonly outcomes: CallOutcome<unknown>[] = [];
  private readonly counts = new Map<string, number>();
  private hung = 0;
  private open = 0;
  private peak = 0;

  /**
   * A unary call with a deadline `deadlineMs` from now, recorded whatever happens to it;
   * sent with `requestId` as its x-request-id when given, so that the services' log lines
   * for it can be found.
   */
  unary<Request, Response>(
    method: UnaryMethod<Request, Response>,
    request: Request,
    deadlineMs: number,
    { keep = true, requestId }: { keep?: boolean; requestId?: string } = {},
  ): Promise<CallOutcome<Response>> {
    const startedAt = performance.now();
    this.open++;
    this.peak = Math.max(this.peak, this.open);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: Omit<CallOutcome<Response>, "startedAt" | "endedAt" | "durationMs">): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.open--;
        const endedAt = performance.now();
        const full: CallOutcome<Response> = {
          ...outcome,
          ...(requestId === undefined ? {} : { requestId }),
          startedAt,
          endedAt,
          durationMs: endedAt - startedAt,
        };
        this.count(outcome.code);
        if (keep) this.outcomes.push(full);
        resolve(full);
      };
      const watchdog = setTimeout(() => {
        this.hung++;
        finish({ code: HUNG, details: `no status ${HUNG_AFTER_DEADLINE_MS} ms after the deadline` });
      }, deadlineMs + HUNG_AFTER_DEADLINE_MS);
      const metadata = new Metadata();
      if (requestId !== undefined) metadata.set(REQUEST_ID_KEY, requestId);
      method(request, metadata, { deadline: new Date(Date.now() + deadlineMs) }, (error, response) => {
        if (error) finish({ code: error.code, details: error.details, error });
        else finish({ code: status.OK, details: "", response });
      });
    });
  }

  /** Records the end of a call made some other way (a stream, a raw call). */
  record(code: status): void {
    this.count(code);
  }

  /** Records a call that did not end in time (a stream still open when it should have ended). */
  recordHung(): void {
    this.hung++;
    this.count(HUNG);
  }

  private count(code: Outcome): void {
    const name = code === HUNG ? "HUNG" : statusName(code);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  get hungCalls(): number {
    return this.hung;
  }

  get inFlight(): number {
    return this.open;
  }

  /** Starts a new peak: from now on, peakInFlight is the most calls open at once since this call. */
  markPeak(): void {
    this.peak = this.open;
  }

  /** The most calls open at once since markPeak. */
  get peakInFlight(): number {
    return this.peak;
  }

  get total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }

  byStatus(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a === "OK" ? -1 : b === "OK" ? 1 : a.localeCompare(b))));
  }
}

// What became of the calls sent to a service just before its SIGTERM, judged by the
// service's own log: those it had started must finish OK, the rest be refused retryably.
import { status } from "@grpc/grpc-js";
import type { LogLine } from "../../support/echo-server.js";
import { countByStatus, type CallOutcome } from "./call-recorder.js";
import type { RunningService } from "./services.js";

/** A log line's time, epoch ms (pino writes it as an ISO string here). */
const logTime = (line: LogLine): number => Date.parse(String(line.time));

/** What became of the calls sent to a service just before its signal, by its own log. */
export interface InFlightVerdict {
  /** Calls the service had started when it logged "shutting down". */
  readonly started: CallOutcome<unknown>[];
  readonly notStarted: CallOutcome<unknown>[];
  readonly text: string;
  readonly passed: boolean;
}

export function inFlightVerdict(service: RunningService, outcomes: CallOutcome<unknown>[]): InFlightVerdict {
  const logs = service.process.logs;
  const signalledAt = logTime(logs.find((line) => line.msg === "shutting down") ?? {});
  const startedIds = new Set(
    logs.filter((line) => line.msg === "call" && logTime(line) - Number(line.durationMs) < signalledAt).map((line) => String(line.requestId)),
  );
  const started = outcomes.filter((outcome) => outcome.requestId !== undefined && startedIds.has(outcome.requestId));
  const notStarted = outcomes.filter((outcome) => !started.includes(outcome));
  const ok = started.filter((outcome) => outcome.code === status.OK).length;
  const refused = notStarted.filter((outcome) => outcome.code === status.OK || outcome.code === status.UNAVAILABLE).length;
  return {
    started,
    notStarted,
    text: `${started.length} of ${outcomes.length} started before the signal: ${ok} OK${started.length > ok ? ` (${countText(started)})` : ""}; ${notStarted.length} not: ${countText(notStarted) || "none"}`,
    passed: started.length > 0 && ok === started.length && refused === notStarted.length,
  };
}

const countText = (outcomes: readonly CallOutcome<unknown>[]): string =>
  Object.entries(countByStatus(outcomes))
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");

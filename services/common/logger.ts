import { pino, type Logger } from "pino";
import { BatchedLines } from "./batched-lines.js";
import { traceFields } from "./tracing/log-trace-fields.js";
import { tracingIsOn } from "./tracing/tracer.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  readonly format: "json" | "pretty";
  /** Where JSON lines go instead of stdout: a test that reads them, each as it is logged. */
  readonly destination?: { write(line: string): void };
  /** The file descriptor JSON lines are written to when there is no `destination`; stdout unless given. */
  readonly fd?: number;
}

/**
 * pino's ISO timestamp, formatted once per millisecond: a busy service logs several lines in
 * one, and formatting a date costs more than the rest of a call's line.
 */
function isoTimeOncePerMillisecond(): () => string {
  let formattedMs = Number.NaN;
  let formatted = "";
  return () => {
    const now = Date.now();
    if (now !== formattedMs) {
      formattedMs = now;
      formatted = `,"time":"${new Date(now).toISOString()}"`;
    }
    return formatted;
  };
}

/**
 * JSON lines by default, written in batches (a line waits at most 100 ms; see
 * batched-lines.ts for what that trades); `pretty` (for `make run`) renders them for a person
 * in a terminal. Made after tracing starts (start-tracing.ts), lines carry the active span's ids.
 */
export function createLogger({ service, level, format, destination, fd = 1 }: LoggerOptions): Logger {
  const options = {
    level,
    base: { service },
    timestamp: isoTimeOncePerMillisecond(),
    // Credentials must never reach a log line, whichever way a caller sends them.
    redact: {
      paths: ["authorization", "*.authorization", "*['x-api-key']", "['x-api-key']"],
      censor: "[redacted]",
    },
    // Lines written inside a span carry its trace_id and span_id; while tracing is off no
    // mixin runs at all.
    ...(tracingIsOn() ? { mixin: traceFields } : {}),
  };
  if (format === "pretty") {
    return pino({
      ...options,
      transport: {
        target: "pino-pretty",
        options: { colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service", messageFormat: "{service}: {msg}" },
      },
    });
  }
  return pino(options, destination ?? new BatchedLines({ fd }));
}

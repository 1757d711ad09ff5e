import { pino, type Logger } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  readonly format: "json" | "pretty";
}

/** JSON lines by default; `pretty` (for `make run`) renders them for a person in a terminal. */
export function createLogger({ service, level, format }: LoggerOptions): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials must never reach a log line, whichever way a caller sends them.
    redact: {
      paths: ["authorization", "*.authorization", "*['x-api-key']", "['x-api-key']"],
      censor: "[redacted]",
    },
    ...(format === "pretty"
      ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service", messageFormat: "{service}: {msg}" } } }
      : {}),
  });
}

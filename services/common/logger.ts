import { pino, type Logger } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  readonly format: "json" | "pretty";
  /** Where JSON lines go instead of stdout: a test that reads them. */
  readonly destination?: { write(line: string): void };
}

/** JSON lines by default; `pretty` (for `make run`) renders them for a person in a terminal. */
export function createLogger({ service, level, format, destination }: LoggerOptions): Logger {
  const options = {
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
  };
  return destination && format === "json" ? pino(options, destination) : pino(options);
}

// What the benchmarks turn on, so that they measure the services as they run in production:
// logging at info as JSON lines to a file, the call observer, call limits on (generous enough
// never to refuse a benchmark's call), API keys off.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallLimits } from "../../services/common/call-limits.js";

const GENEROUS = 100_000;

/** Call limits on, per client and global, far above anything a benchmark asks for. */
export const GENEROUS_LIMITS: CallLimits = {
  perClientRate: GENEROUS,
  perClientBurst: GENEROUS,
  globalRate: GENEROUS,
  globalBurst: GENEROUS,
  maxStreamsPerClient: GENEROUS,
};

/** The same limits, as a service process reads them from its environment. */
export const GENEROUS_LIMITS_ENV: Readonly<Record<string, string>> = {
  RATE_LIMIT_PER_CLIENT: String(GENEROUS),
  RATE_LIMIT_BURST: String(GENEROUS),
  RATE_LIMIT_GLOBAL: String(GENEROUS),
  RATE_LIMIT_GLOBAL_BURST: String(GENEROUS),
  MAX_STREAMS_PER_CLIENT: String(GENEROUS),
};

/** Logging as a service logs by default: info, JSON lines, to its standard output, here a file. */
export const LOGGING_ENV: Readonly<Record<string, string>> = { LOG_LEVEL: "info", LOG_FORMAT: "json", AUTH: "off" };

/** What a page lists as on, for a benchmark of a gRPC service with every layer on. */
export const SERVICE_LAYERS: readonly string[] = [
  "logging at info: one JSON line per call, written in batches to a file (as a service's standard output would be)",
  "the call observer, which identifies each call: a request id per call, echoed to the caller; the call's log line; Prometheus metrics",
  `call limits, per client and global, at ${GENEROUS.toLocaleString("en-US")} calls a second (bursts as large) and ${GENEROUS.toLocaleString("en-US")} streams per client: on, and never reached`,
  "API keys off; plaintext",
  "tolerant request decoding and the handler adapter (time limit, cancellation, error mapping)",
];

/** A file a service logs to for the length of a benchmark, removed after. */
export class LogFile {
  readonly path: string;
  readonly fd: number;
  private readonly directory: string;

  constructor(name: string) {
    this.directory = mkdtempSync(join(tmpdir(), "spreadscan-bench-"));
    this.path = join(this.directory, `${name}.jsonl`);
    this.fd = openSync(this.path, "a");
  }

  /** The lines written so far, parsed. */
  lines(): Record<string, unknown>[] {
    return readFileSync(this.path, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  remove(): void {
    closeSync(this.fd);
    rmSync(this.directory, { recursive: true, force: true });
  }
}

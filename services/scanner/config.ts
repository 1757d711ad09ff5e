import type { z } from "zod";
import { commonSettings, commonVariables, env, type CommonSettings } from "../common/config.js";
import type { ListenSettings } from "../common/service-runtime.js";
import { DEFAULT_WORK_BUDGET } from "../engine/index.js";

/** The scanner's environment variables, with the original design's names and defaults. */
export const scannerVariables = {
  ...commonVariables,
  SCANNER_HOST: env.host("127.0.0.1"),
  SCANNER_PORT: env.port(50051),
  SCANNER_ADMIN_PORT: env.port(9451),
  // Coordinators resolve SCANNER_ADDR again only when a connection ends: a replica added to the
  // name gets calls within this age (a watch stays on its connection until it ends).
  GRPC_MAX_CONNECTION_AGE: env.duration(30, { allowZero: true }),
  MAX_CONCURRENT_SCANS: env.integer(10, { min: 1, max: 1024 }),
  SCAN_QUEUE_SIZE: env.integer(50, { min: 0, max: 100_000 }),
  // Candidates one scan may go through one by one before it stops and says so
  // (work_budget_exhausted): a safety valve far above what a full chain needs.
  SCAN_WORK_BUDGET: env.integer(DEFAULT_WORK_BUDGET, { min: 1, max: Number.MAX_SAFE_INTEGER }),
  CACHE_TTL: env.duration(300),
  RESULT_CACHE_ENTRIES: env.integer(1000, { min: 1, max: 1_000_000 }),
  WATCH_MIN_INTERVAL: env.duration(0.25),
  // Absent: the replica keeps its chains to itself, as a lone scanner does.
  NATS_URL: env.serverUrl(["nats", "tls"]),
};

export interface ScannerConfig extends CommonSettings, ListenSettings {
  readonly maxConcurrentScans: number;
  /** Scans that may wait for a slot before new ones get RESOURCE_EXHAUSTED. */
  readonly scanQueueSize: number;
  /** Candidates one scan may go through one by one (SCAN_WORK_BUDGET); see ScanOptions.workBudget. */
  readonly scanWorkBudget: number;
  /** How long a stored chain lives without an update, milliseconds. */
  readonly cacheTtlMs: number;
  /** Scan results kept for reuse, keyed by chain version and query, entries. */
  readonly resultCacheEntries: number;
  /** Interval between watch messages when a watcher asks for none, milliseconds. */
  readonly watchMinIntervalMs: number;
  /** The event bus (NATS_URL) that carries chain updates to every replica; absent: chains stay in this replica. */
  readonly natsUrl?: string | undefined;
}

export function scannerConfig(values: z.infer<z.ZodObject<typeof scannerVariables>>): ScannerConfig {
  return {
    ...commonSettings(values),
    host: values.SCANNER_HOST,
    port: values.SCANNER_PORT,
    adminPort: values.SCANNER_ADMIN_PORT,
    maxConcurrentScans: values.MAX_CONCURRENT_SCANS,
    scanQueueSize: values.SCAN_QUEUE_SIZE,
    scanWorkBudget: values.SCAN_WORK_BUDGET,
    cacheTtlMs: values.CACHE_TTL,
    resultCacheEntries: values.RESULT_CACHE_ENTRIES,
    watchMinIntervalMs: values.WATCH_MIN_INTERVAL,
    natsUrl: values.NATS_URL,
  };
}

import { z } from "zod";
import { commonSettings, commonVariables, ConfigError, env, type CommonSettings } from "../common/config.js";
import type { ClientTls } from "../common/tls.js";
import { resolve } from "node:path";
import type { DatabaseSettings } from "./storage/database-settings.js";
import type { ListenSettings } from "../common/service-runtime.js";
import type { EventSettings } from "./events/event-provider-choice.js";
import { EventsFileError, readEventsFile, type FileEvents } from "./events/events-file.js";

/**
 * A variable no longer read: set (not blank), it is reported like a bad value, saying what
 * replaced it, so a deployment does not go on believing it applies.
 */
function retired(replacedBy: string) {
  return z
    .string()
    .optional()
    .superRefine((raw, context) => {
      if (raw !== undefined && raw.trim() !== "") context.addIssue({ code: "custom", message: `is no longer read: ${replacedBy}; got ${JSON.stringify(raw)}` });
    });
}

/**
 * DATABASE_URL: a postgres:// or postgresql:// URL with a host; absent or blank: SQLite under
 * DATA_DIR. A bad value is reported without repeating it: the URL may hold a password.
 */
function databaseUrl() {
  return z
    .string()
    .optional()
    .transform((raw, context): string | undefined => {
      if (raw === undefined || raw.trim() === "") return undefined;
      const url = raw.trim();
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      if (parsed && (parsed.protocol === "postgres:" || parsed.protocol === "postgresql:") && parsed.hostname !== "") return url;
      context.addIssue({ code: "custom", message: "must be postgres://user:password@host:port/database (or postgresql://) (the value is not shown)" });
      return z.NEVER;
    });
}

/** DATA_DIR: a directory, relative to the working directory unless absolute. */
function dataDir(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw) => resolve(raw === undefined || raw.trim() === "" ? fallback : raw.trim()));
}

/** EVENTS_FILE: a CSV of earnings and ex-dividend dates (events/events-file.ts), read and checked at start. */
function eventsFile() {
  return z
    .string()
    .optional()
    .transform((raw, context): { path: string; events: FileEvents } | undefined => {
      if (raw === undefined || raw.trim() === "") return undefined;
      const path = resolve(raw.trim());
      try {
        return { path, events: readEventsFile(path) };
      } catch (error) {
        if (!(error instanceof EventsFileError)) throw error;
        context.addIssue({ code: "custom", message: error.message });
        return z.NEVER;
      }
    });
}

/** The coordinator's environment variables, with the original design's names and defaults. */
export const coordinatorVariables = {
  ...commonVariables,
  COORDINATOR_HOST: env.host("127.0.0.1"),
  COORDINATOR_PORT: env.port(50052),
  COORDINATOR_ADMIN_PORT: env.port(9452),
  SCANNER_ADDR: env.address("127.0.0.1:50051"),
  SCANNER_TIMEOUT: env.duration(30),
  SCANNER_MAX_RETRIES: env.integer(3, { min: 0, max: 10 }),
  MAX_CONCURRENT_SCANS: env.integer(5, { min: 1, max: 1024 }),
  JOB_QUEUE_SIZE: env.integer(100, { min: 0, max: 100_000 }),
  JOB_RETENTION: env.duration(3600),
  SCANNER_CHANNELS: env.integer(1, { min: 1, max: 64 }),
  SCANNER_API_KEY: env.secret(),
  SCANNER_TLS_CA_FILE: env.pemFile(),
  SCANNER_TLS_CERT_FILE: env.pemFile(),
  SCANNER_TLS_KEY_FILE: env.pemFile(),
  SCANNER_TLS_SERVER_NAME: env.host(""),
  SCAN_CACHE_TTL: env.duration(300, { allowZero: true }),
  // Cache warming: a hit in this last part of a result's TTL has it recomputed before it expires (0: off);
  // a live feed's chain update keeps the cached results it cannot change and drops the others at once.
  SCAN_REFRESH_AHEAD: env.number(0.2, { min: 0, max: 0.9 }),
  SCAN_PREDICTIVE_INVALIDATION: env.flag(true),
  STALE_RESULT_MAX_AGE: env.duration(3600, { allowZero: true }),
  REQUESTS_PER_SECOND: env.number(10, { min: 0.001, max: 1_000_000 }),
  BURST_SIZE: env.integer(20, { min: 1, max: 1_000_000 }),
  BACKPRESSURE_STRATEGY: env.oneOf(["token-bucket", "sliding-window", "fixed-window", "adaptive"], "token-bucket"),
  CIRCUIT_BREAKER_THRESHOLD: env.integer(5, { min: 1, max: 1000 }),
  CIRCUIT_BREAKER_TIMEOUT: env.duration(60),
  MARKET_DATA: env.oneOf(["simulated", "ibkr"], "simulated"),
  SIMULATED_SEED: env.integer(1, { min: 0, max: 2 ** 31 - 1 }),
  SIMULATED_TICK_INTERVAL: env.duration(1),
  IB_HOST: env.host("127.0.0.1"),
  IB_PORT: env.port(7497),
  IB_CLIENT_ID: env.integer(0, { min: 0, max: 2 ** 31 - 1 }),
  IB_MARKET_DATA_TYPE: env.oneOf(["1", "2", "3", "4"], "1"),
  IB_MAX_LINES: env.integer(90, { min: 1, max: 10_000 }),
  // IBKR allows 50 messages a second; a little under leaves room for the library's own.
  IB_MAX_MSG_PER_SEC: env.integer(45, { min: 1, max: 50 }),
  // How long a contract lookup (conId, option parameters) and the wait for the first session may take.
  IB_LOOKUP_TIMEOUT: env.duration(11),
  // Quotes no longer use snapshots: the setting that timed them out is gone, and a leftover one says what replaced it.
  IB_SNAPSHOT_TIMEOUT: retired("quotes wait IB_QUOTE_WAIT; contract lookups and the wait for the first session take IB_LOOKUP_TIMEOUT"),
  // How long a quote request waits for bid, ask, greeks and open interest before keeping what it has.
  IB_QUOTE_WAIT: env.duration(4),
  // Frozen data: the close's quotes outside trading hours, flagged frozen; false fails such scans FAILED_PRECONDITION.
  IB_FROZEN_DATA: env.flag(true),
  // Absent: one coordinator on its own, as without a cluster.
  REDIS_URL: env.serverUrl(["redis", "rediss"]),
  NATS_URL: env.serverUrl(["nats", "tls"]),
  // With NATS_URL: a symbol's feed lease lives this long unless renewed; the owner renews it this often.
  FEED_LEASE_TTL: env.duration(10),
  FEED_LEASE_RENEW_INTERVAL: env.duration(2),
  // NATS unreachable for a lease's life: "local" runs the feeds of watched symbols here (watchers keep
  // receiving; a coordinator cut off from a NATS the others still reach duplicates a feed), "none" waits for NATS.
  FEED_WITHOUT_NATS: env.oneOf(["local", "none"], "local"),
  // The shared scan cache (only with REDIS_URL): how long one Redis command may take before the
  // coordinator goes on without Redis, how long a computation's lease lives unless renewed (a
  // dead owner's waiters take over after it), and how long a scan waits for another
  // coordinator's result before computing its own.
  REDIS_COMMAND_TIMEOUT: env.duration(0.25),
  SCAN_LEASE_TTL: env.duration(5),
  SCAN_LEASE_WAIT: env.duration(15),
  // What the coordinator stores (watchlists): SQLite in DATA_DIR, or the PostgreSQL of DATABASE_URL.
  DATA_DIR: dataDir("data"),
  DATABASE_URL: databaseUrl(),
  // Earnings and ex-dividend dates: with a file, the only source; without, the simulated calendar on the simulated market, none (unknown) on IBKR.
  EVENTS_FILE: eventsFile(),
};

export interface CoordinatorConfig extends CommonSettings, ListenSettings {
  readonly scanner: {
    readonly address: string;
    /** Time limit of one attempt, milliseconds. */
    readonly timeoutMs: number;
    readonly maxRetries: number;
    /** Channels to the scanner, used in turn. */
    readonly channels: number;
    /** The key the coordinator presents when the scanner requires API keys (admin scope: it sends UpdateChain). */
    readonly apiKey?: string | undefined;
    /** TLS to the scanner; absent: plaintext. */
    readonly tls?: ClientTls | undefined;
    /** The circuit breaker in front of the scanner (CIRCUIT_BREAKER_THRESHOLD, CIRCUIT_BREAKER_TIMEOUT). */
    readonly circuitBreaker: {
      /** Scanner failures in a row that open the circuit. */
      readonly threshold: number;
      /** How long the circuit stays open before one probe call is let through, milliseconds. */
      readonly halfOpenAfterMs: number;
    };
  };
  readonly maxConcurrentScans: number;
  /** Jobs that may wait for a slot before new ones get RESOURCE_EXHAUSTED. */
  readonly jobQueueSize: number;
  /** How long a finished job stays readable, milliseconds. */
  readonly jobRetentionMs: number;
  /** How long a scan result is served from the cache, milliseconds; 0 turns the cache off. */
  readonly scanCacheTtlMs: number;
  /** Cache warming (warming/): refresh-ahead's part of the TTL (0: off) and predictive invalidation on live feeds' updates. */
  readonly warming: { readonly refreshAheadFraction: number; readonly predictiveInvalidation: boolean };
  /** How old a result may be to answer, marked stale, while the scanner or market is unavailable, milliseconds; 0: never. */
  readonly staleResultMaxAgeMs: number;
  /** Pacing of the chain fetches every scan shares (BACKPRESSURE_STRATEGY, REQUESTS_PER_SECOND, BURST_SIZE: legacy names kept). */
  readonly pacing: {
    readonly strategy: "token-bucket" | "sliding-window" | "fixed-window" | "adaptive";
    readonly requestsPerSecond: number;
    readonly burstSize: number;
  };
  /** The shared scan cache and its leases (REDIS_URL); absent: this coordinator's own cache only. */
  readonly redisUrl?: string | undefined;
  /** The shared cache's timings (used only with redisUrl), milliseconds. */
  readonly sharedCache: {
    /** One Redis command's time limit (REDIS_COMMAND_TIMEOUT). */
    readonly commandTimeoutMs: number;
    /** A computation's lease, renewed while it runs (SCAN_LEASE_TTL). */
    readonly leaseTtlMs: number;
    /** The longest a scan waits for another coordinator's computation (SCAN_LEASE_WAIT). */
    readonly leaseWaitMs: number;
  };
  /** The event bus (NATS_URL): the fleet's one feed per symbol; absent: every coordinator runs its own feeds. */
  readonly natsUrl?: string | undefined;
  /** The fleet's one feed per symbol (with NATS_URL): a lease's life and how often its owner renews it, milliseconds. */
  readonly feedLease: { readonly ttlMs: number; readonly renewIntervalMs: number; readonly withoutNats: "local" | "none" };
  /** The coordinator's database (DATA_DIR, DATABASE_URL). */
  readonly database: DatabaseSettings;
  /** Where chains' event calendars come from (EVENTS_FILE, SIMULATED_SEED). */
  readonly events: EventSettings;
  readonly marketData: {
    readonly source: "simulated" | "ibkr";
    readonly simulatedSeed: number;
    /** Time between the simulated market's ticks, milliseconds. */
    readonly simulatedTickMs: number;
    readonly ibHost: string;
    readonly ibPort: number;
    readonly ibClientId: number;
    /** 1 or 2: live data, frozen outside trading hours (TWS is asked for type 2); 3 or 4: delayed, delayed-frozen outside trading hours (type 4). */
    readonly ibMarketDataType: 1 | 2 | 3 | 4;
    /** Market data lines open at once. */
    readonly ibMaxLines: number;
    /** Messages a second to TWS, at most 50. */
    readonly ibMaxMessagesPerSecond: number;
    /** How long a contract lookup (or the wait for the first session) may take, milliseconds. */
    readonly ibLookupTimeoutMs: number;
    /** How long one quote request waits for what its quote needs, milliseconds. */
    readonly ibQuoteWaitMs: number;
    /** Ask TWS for frozen data (the close's quotes outside trading hours). */
    readonly ibFrozenData: boolean;
  };
}

/** SCANNER_TLS_CA_FILE turns TLS on; a certificate and key (together) make it mutual. */
function scannerTls(values: z.infer<z.ZodObject<typeof coordinatorVariables>>): ClientTls | undefined {
  const { SCANNER_TLS_CA_FILE: ca, SCANNER_TLS_CERT_FILE: certificate, SCANNER_TLS_KEY_FILE: privateKey, SCANNER_TLS_SERVER_NAME: serverName } = values;
  if (!ca) {
    if (certificate || privateKey)
      throw new ConfigError(["SCANNER_TLS_CERT_FILE, SCANNER_TLS_KEY_FILE: need SCANNER_TLS_CA_FILE, the CA of the scanner's certificate"]);
    return undefined;
  }
  if (Boolean(certificate) !== Boolean(privateKey)) throw new ConfigError(["SCANNER_TLS_CERT_FILE, SCANNER_TLS_KEY_FILE: give both, or neither"]);
  return { ca, certificate, privateKey, serverName: serverName === "" ? undefined : serverName };
}

/** A lease must be renewed a few times within its life, or a single late renewal stops the feed. */
function feedLease(values: z.infer<z.ZodObject<typeof coordinatorVariables>>): CoordinatorConfig["feedLease"] {
  const { FEED_LEASE_TTL: ttlMs, FEED_LEASE_RENEW_INTERVAL: renewIntervalMs } = values;
  if (renewIntervalMs * 2 > ttlMs)
    throw new ConfigError([`FEED_LEASE_RENEW_INTERVAL: must be at most half of FEED_LEASE_TTL (${ttlMs / 1000} s); got ${renewIntervalMs / 1000} s`]);
  return { ttlMs, renewIntervalMs, withoutNats: values.FEED_WITHOUT_NATS };
}

export function coordinatorConfig(values: z.infer<z.ZodObject<typeof coordinatorVariables>>): CoordinatorConfig {
  return {
    ...commonSettings(values),
    host: values.COORDINATOR_HOST,
    port: values.COORDINATOR_PORT,
    adminPort: values.COORDINATOR_ADMIN_PORT,
    scanner: {
      address: values.SCANNER_ADDR,
      timeoutMs: values.SCANNER_TIMEOUT,
      maxRetries: values.SCANNER_MAX_RETRIES,
      channels: values.SCANNER_CHANNELS,
      apiKey: values.SCANNER_API_KEY,
      tls: scannerTls(values),
      circuitBreaker: { threshold: values.CIRCUIT_BREAKER_THRESHOLD, halfOpenAfterMs: values.CIRCUIT_BREAKER_TIMEOUT },
    },
    maxConcurrentScans: values.MAX_CONCURRENT_SCANS,
    jobQueueSize: values.JOB_QUEUE_SIZE,
    jobRetentionMs: values.JOB_RETENTION,
    scanCacheTtlMs: values.SCAN_CACHE_TTL,
    warming: { refreshAheadFraction: values.SCAN_REFRESH_AHEAD, predictiveInvalidation: values.SCAN_PREDICTIVE_INVALIDATION },
    staleResultMaxAgeMs: values.STALE_RESULT_MAX_AGE,
    pacing: {
      strategy: values.BACKPRESSURE_STRATEGY,
      requestsPerSecond: values.REQUESTS_PER_SECOND,
      burstSize: values.BURST_SIZE,
    },
    redisUrl: values.REDIS_URL,
    sharedCache: { commandTimeoutMs: values.REDIS_COMMAND_TIMEOUT, leaseTtlMs: values.SCAN_LEASE_TTL, leaseWaitMs: values.SCAN_LEASE_WAIT },
    natsUrl: values.NATS_URL,
    feedLease: feedLease(values),
    database: { dataDir: values.DATA_DIR, databaseUrl: values.DATABASE_URL },
    events: { file: values.EVENTS_FILE, simulatedSeed: values.SIMULATED_SEED },
    marketData: {
      source: values.MARKET_DATA,
      simulatedSeed: values.SIMULATED_SEED,
      simulatedTickMs: values.SIMULATED_TICK_INTERVAL,
      ibHost: values.IB_HOST,
      ibPort: values.IB_PORT,
      ibClientId: values.IB_CLIENT_ID,
      ibMarketDataType: Number(values.IB_MARKET_DATA_TYPE) as 1 | 2 | 3 | 4,
      ibMaxLines: values.IB_MAX_LINES,
      ibMaxMessagesPerSecond: values.IB_MAX_MSG_PER_SEC,
      ibLookupTimeoutMs: values.IB_LOOKUP_TIMEOUT,
      ibQuoteWaitMs: values.IB_QUOTE_WAIT,
      ibFrozenData: values.IB_FROZEN_DATA,
    },
  };
}

import bytes from "bytes";
import { z } from "zod";
import { ApiKeys, type ApiKeyEntry } from "./auth/api-keys.js";
import type { CallLimits } from "./call-limits.js";
import { parseDecimal } from "./decimal.js";
import { readPem, type ServerTls } from "./tls.js";
import type { GatewayTrust } from "./call-identity.js";

/** Thrown when the environment holds bad values: one line per bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

/** Exit status for a bad configuration (sysexits EX_CONFIG). */
export const EXIT_CONFIG = 78;

/**
 * One environment variable: absent or blank takes the default; otherwise `parse` must
 * accept it, or the variable is reported with what it must be and what it was.
 */
function variable<T>(mustBe: string, fallback: T, parse: (raw: string) => T | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, context): T => {
      if (raw === undefined || raw.trim() === "") return fallback;
      const value = parse(raw.trim());
      if (value === undefined) {
        context.addIssue({ code: "custom", message: `must be ${mustBe}; got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    });
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Like `variable`, but a bad value is not repeated in the error: it holds secrets. */
function secretVariable<T>(mustBe: string, fallback: T, parse: (raw: string) => T | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, context): T => {
      if (raw === undefined || raw.trim() === "") return fallback;
      const value = parse(raw.trim());
      if (value === undefined) {
        context.addIssue({ code: "custom", message: `must be ${mustBe} (the value is not shown)` });
        return z.NEVER;
      }
      return value;
    });
}

const HOST_PORT = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;

/**
 * A gRPC target with a port: host:port, a `dns:` name (resolved to every replica behind it),
 * or an `ipv4:`/`ipv6:` list of replicas separated by commas.
 */
function isGrpcTarget(raw: string): boolean {
  const list = /^(ipv4|ipv6):(.+)$/.exec(raw);
  if (list?.[2] !== undefined) return list[2].split(",").every((entry) => HOST_PORT.test(entry));
  return HOST_PORT.test(raw.replace(/^dns:(\/\/[^/]*\/)?/, "").replace(/^[a-z]+:\/\/\/?/, ""));
}

/** Builders for the kinds of values spreadscan reads from its environment. */
export const env = {
  /** A duration, in seconds when bare ("30", "2.5") or with a unit ("500ms", "30s", "5m", "1h"); yields milliseconds. */
  duration(fallbackSeconds: number, { allowZero = false } = {}) {
    const mustBe = `a ${allowZero ? "non-negative" : "positive"} duration in seconds (like 30 or 2.5) or with a unit (500ms, 30s, 5m, 1h)`;
    return variable(mustBe, fallbackSeconds * 1000, (raw) => {
      const match = /^(.*?)(ms|s|m|h)?$/.exec(raw);
      const amount = match?.[1] === undefined ? undefined : parseDecimal(match[1]);
      const unitMs = DURATION_UNITS_MS[match?.[2] ?? "s"];
      if (amount === undefined || unitMs === undefined) return undefined;
      const milliseconds = amount * unitMs;
      return milliseconds > 0 || (allowZero && milliseconds === 0) ? milliseconds : undefined;
    });
  },

  /** An integer within [min, max]. */
  integer(fallback: number, { min, max }: { min: number; max: number }) {
    return variable(`an integer from ${min} to ${max}`, fallback, (raw) => {
      const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
      return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
    });
  },

  /** A number within [min, max]. */
  number(fallback: number, { min, max }: { min: number; max: number }) {
    return variable(`a number from ${min} to ${max}`, fallback, (raw) => {
      const value = parseDecimal(raw);
      return value !== undefined && value >= min && value <= max ? value : undefined;
    });
  },

  /** A TCP port; 0 asks the system for a free one. */
  port(fallback: number) {
    return env.integer(fallback, { min: 0, max: 65_535 });
  },

  /** A size in bytes, bare ("4194304") or with a unit ("4MB", "512kb"; units are powers of 1024). */
  byteSize(fallback: number, { min = 1, max = 2 ** 31 - 1 } = {}) {
    return variable(`a size from ${min} to ${max} bytes, like 4194304 or 4MB`, fallback, (raw) => {
      // bytes.parse floors a bare fraction ("1.5" is 1): a size without a unit must be whole.
      if (/^[\d.]+$/.test(raw) && !/^\d+$/.test(raw)) return undefined;
      const value = bytes.parse(raw);
      return value !== null && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
    });
  },

  /** One of a fixed set of words. */
  oneOf<const T extends string>(values: readonly T[], fallback: T) {
    return variable(`one of ${values.join(", ")}`, fallback, (raw) => values.find((value) => value === raw));
  },

  /** A host name or IP address to bind or connect to. */
  host(fallback: string) {
    return variable("a host name or IP address", fallback, (raw) => (/^[A-Za-z0-9.\-:[\]]+$/.test(raw) ? raw : undefined));
  },

  /**
   * The URL of a shared server, or several separated by commas (a cluster's seeds), each with
   * one of `schemes`; absent: the service runs without it. Secret: a URL may carry a password.
   */
  serverUrl(schemes: readonly string[]) {
    const mustBe = `${schemes.map((scheme) => `${scheme}://host:port`).join(" or ")} (several separated by commas)`;
    return secretVariable(mustBe, undefined as string | undefined, (raw) => {
      const urls = raw.split(",").map((part) => part.trim());
      const valid = urls.every((url) => {
        if (!URL.canParse(url)) return false;
        const parsed = new URL(url);
        return schemes.includes(parsed.protocol.replace(/:$/, "")) && parsed.hostname !== "";
      });
      return valid ? urls.join(",") : undefined;
    });
  },

  /** API keys written inline, `client:key:scope+scope` separated by commas. */
  apiKeys() {
    return secretVariable("client:key:scope+scope entries separated by commas (keys of 16+ characters, scopes scan or admin)", [] as ApiKeyEntry[], (raw) => {
      try {
        const entries = ApiKeys.parseInline(raw);
        new ApiKeys(entries);
        return entries;
      } catch {
        return undefined;
      }
    });
  },

  /** GATEWAY_SECRET: the browser gateway's secret, 16 characters or more; absent: no gateway is trusted. */
  gatewaySecret() {
    return secretVariable("a secret of 16 or more printable characters", undefined as Buffer | undefined, (raw) =>
      /^[\x21-\x7e]{16,256}$/.test(raw) ? Buffer.from(raw) : undefined,
    );
  },

  /** A JSON file of API keys, read and checked at start. */
  apiKeysFile() {
    return z
      .string()
      .optional()
      .transform((raw, context): ApiKeyEntry[] => {
        if (raw === undefined || raw.trim() === "") return [];
        try {
          const entries = ApiKeys.readFile(raw.trim());
          new ApiKeys(entries);
          return entries;
        } catch (error) {
          context.addIssue({
            code: "custom",
            message: `must name a readable JSON file of API keys; ${raw.trim()}: ${error instanceof Error ? error.message : String(error)}`,
          });
          return z.NEVER;
        }
      });
  },

  /** A secret such as an API key: optional, never echoed back in an error. */
  secret() {
    return z
      .string()
      .optional()
      .transform((raw, context): string | undefined => {
        if (raw === undefined || raw.trim() === "") return undefined;
        if (!/^[A-Za-z0-9._~+/=-]{16,256}$/.test(raw.trim())) {
          context.addIssue({ code: "custom", message: "must be 16 to 256 characters of letters, digits or ._~+/=- (the value is not shown)" });
          return z.NEVER;
        }
        return raw.trim();
      });
  },

  /** A PEM file (certificate or key), read at start; absent when not set. */
  pemFile() {
    return z
      .string()
      .optional()
      .transform((raw, context): Buffer | undefined => {
        if (raw === undefined || raw.trim() === "") return undefined;
        try {
          return readPem(raw.trim());
        } catch (error) {
          context.addIssue({ code: "custom", message: `must name a readable PEM file; ${error instanceof Error ? error.message : String(error)}` });
          return z.NEVER;
        }
      });
  },

  /** true or false (also 1/0, yes/no, on/off). */
  flag(fallback: boolean) {
    return variable("true or false", fallback, (raw) => {
      const word = raw.toLowerCase();
      if (["true", "1", "yes", "on"].includes(word)) return true;
      if (["false", "0", "no", "off"].includes(word)) return false;
      return undefined;
    });
  },

  /** A gRPC target such as "127.0.0.1:50051", "localhost:50051" or "dns:///scanner:50051". */
  address(fallback: string) {
    const mustBe = 'a gRPC target like "127.0.0.1:50051", "dns:///scanner.internal:50051" or "ipv4:127.0.0.1:50051,127.0.0.1:50061"';
    return variable(mustBe, fallback, (raw) => (isGrpcTarget(raw) ? raw : undefined));
  },
};

/** Settings every service reads. */
export const commonVariables = {
  LOG_LEVEL: env.oneOf(["trace", "debug", "info", "warn", "error", "fatal", "silent"], "info"),
  LOG_FORMAT: env.oneOf(["json", "pretty"], "json"),
  MAX_REQUEST_SIZE: env.byteSize(4 * 1024 * 1024),
  REQUEST_TIMEOUT: env.duration(30),
  SHUTDOWN_GRACE_PERIOD: env.duration(10, { allowZero: true }),
  GRPC_KEEPALIVE_TIME: env.duration(30),
  GRPC_KEEPALIVE_TIMEOUT: env.duration(10),
  // 0: connections live as long as their clients keep them.
  GRPC_MAX_CONNECTION_AGE: env.duration(0, { allowZero: true }),
  AUTH: env.oneOf(["off", "api-key"], "off"),
  API_KEYS: env.apiKeys(),
  API_KEYS_FILE: env.apiKeysFile(),
  AUTH_OPEN_HEALTH: env.flag(true),
  RATE_LIMIT_PER_CLIENT: env.number(0, { min: 0, max: 1_000_000 }),
  RATE_LIMIT_BURST: env.integer(0, { min: 0, max: 1_000_000 }),
  RATE_LIMIT_GLOBAL: env.number(0, { min: 0, max: 1_000_000 }),
  RATE_LIMIT_GLOBAL_BURST: env.integer(0, { min: 0, max: 1_000_000 }),
  MAX_STREAMS_PER_CLIENT: env.integer(0, { min: 0, max: 1_000_000 }),
  TLS_CERT_FILE: env.pemFile(),
  TLS_KEY_FILE: env.pemFile(),
  TLS_CLIENT_CA_FILE: env.pemFile(),
  GATEWAY_SECRET: env.gatewaySecret(),
};

/**
 * Reads and validates the environment against a schema built from `env` variables.
 * Throws ConfigError listing every bad variable, one line each, so a person can fix them
 * all at once.
 */
export function loadConfig<Shape extends z.ZodRawShape>(variables: Shape, source: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<Shape>> {
  const result = z.object(variables).safeParse(source);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

/** The common settings in the form the bootstrap takes them. */
export interface CommonSettings {
  readonly logLevel: string;
  readonly logFormat: "json" | "pretty";
  readonly maxRequestBytes: number;
  readonly requestTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /**
   * How long a client connection may live before the server asks it to go (GOAWAY) and the
   * client connects afresh, resolving the service's name again, milliseconds; 0: forever.
   */
  readonly maxConnectionAgeMs: number;
  /** Who may call, when AUTH=api-key; absent when anyone may. */
  readonly auth?: {
    readonly keys: ApiKeys;
    /** Health and reflection stay open to callers without a key. */
    readonly openHealth: boolean;
  };
  /** TLS for the gRPC port; absent: plaintext. */
  readonly tls?: ServerTls;
  /** Per-client and global call rates, and streams per client; 0 turns each off. */
  readonly limits: CallLimits;
  /** The secret of the browser gateway whose calls may name the client they forward; absent: none may. */
  readonly gateway?: GatewayTrust;
}

/** TLS_CERT_FILE and TLS_KEY_FILE go together; TLS_CLIENT_CA_FILE (mutual TLS) needs them. */
function serverTls(values: z.infer<z.ZodObject<typeof commonVariables>>): ServerTls | undefined {
  const { TLS_CERT_FILE: certificate, TLS_KEY_FILE: privateKey, TLS_CLIENT_CA_FILE: clientCa } = values;
  if (!certificate && !privateKey) {
    if (clientCa) throw new ConfigError(["TLS_CLIENT_CA_FILE: mutual TLS needs TLS_CERT_FILE and TLS_KEY_FILE too"]);
    return undefined;
  }
  if (!certificate || !privateKey) throw new ConfigError([`${certificate ? "TLS_KEY_FILE" : "TLS_CERT_FILE"}: TLS needs both TLS_CERT_FILE and TLS_KEY_FILE`]);
  return { certificate, privateKey, clientCa };
}

/** Throws ConfigError when AUTH=api-key has no keys, or both sources hold one key twice. */
export function commonSettings(values: z.infer<z.ZodObject<typeof commonVariables>>): CommonSettings {
  let auth: CommonSettings["auth"];
  if (values.AUTH === "api-key") {
    const entries = [...values.API_KEYS, ...values.API_KEYS_FILE];
    if (entries.length === 0) throw new ConfigError(["AUTH: api-key needs at least one key in API_KEYS or API_KEYS_FILE"]);
    try {
      auth = { keys: new ApiKeys(entries), openHealth: values.AUTH_OPEN_HEALTH };
    } catch (error) {
      throw new ConfigError([`API_KEYS, API_KEYS_FILE: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }
  const tls = serverTls(values);
  // A burst left at 0 is one second's worth of calls (at least one).
  const limits: CallLimits = {
    perClientRate: values.RATE_LIMIT_PER_CLIENT,
    perClientBurst: values.RATE_LIMIT_BURST || Math.ceil(values.RATE_LIMIT_PER_CLIENT),
    globalRate: values.RATE_LIMIT_GLOBAL,
    globalBurst: values.RATE_LIMIT_GLOBAL_BURST || Math.ceil(values.RATE_LIMIT_GLOBAL),
    maxStreamsPerClient: values.MAX_STREAMS_PER_CLIENT,
  };
  return {
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
    ...(values.GATEWAY_SECRET ? { gateway: { secret: values.GATEWAY_SECRET } } : {}),
    limits,
    logLevel: values.LOG_LEVEL,
    logFormat: values.LOG_FORMAT,
    maxRequestBytes: values.MAX_REQUEST_SIZE,
    requestTimeoutMs: values.REQUEST_TIMEOUT,
    shutdownGraceMs: values.SHUTDOWN_GRACE_PERIOD,
    keepaliveTimeMs: values.GRPC_KEEPALIVE_TIME,
    keepaliveTimeoutMs: values.GRPC_KEEPALIVE_TIMEOUT,
    maxConnectionAgeMs: values.GRPC_MAX_CONNECTION_AGE,
  };
}

/**
 * Loads the configuration and builds the service's settings from it (`build` may throw
 * ConfigError too) or, when the environment is bad, says why on stderr and exits.
 */
export function loadConfigOrExit<Shape extends z.ZodRawShape, Settings>(
  service: string,
  variables: Shape,
  build: (values: z.infer<z.ZodObject<Shape>>) => Settings,
  source: NodeJS.ProcessEnv = process.env,
): Settings {
  try {
    return build(loadConfig(variables, source));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${service}: configuration error: ${problem}\n`);
    process.exit(EXIT_CONFIG);
  }
}

// What every command that talks to the coordinator shares: the --addr, --timeout and --json
// flags (with the security flags of connection-security.ts), the gRPC clients, promise and
// stream wrappers around grpc-js calls, and turning a failed call into lines a person can act
// on, with the exit status docs/clients.md documents.
import {
  connectivityState,
  Metadata,
  status as GrpcStatus,
  type CallOptions,
  type Channel,
  type ClientOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import { InvalidArgumentError, Option, type Command } from "commander";
import { HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import { CoordinatorServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SavedScanServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { WatchlistServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import type { FieldViolation } from "../common/errors.js";
import { isServiceError, readStatusDetails } from "../common/status-details.js";
import { CommandFailure, EXIT_STATUS, type ExitStatus } from "./command-failure.js";
import {
  addSecurityFlags,
  authHint,
  connectionCause,
  connectionSecurity,
  tlsFailureLines,
  type ConnectionSecurity,
  type SecurityOptions,
} from "./connection-security.js";
import { parseDuration } from "./query-flag-parsers.js";
import { queryViolationLines } from "./query-violation-lines.js";

export const DEFAULT_COORDINATOR_ADDR = "127.0.0.1:50052";
export const COORDINATOR_ADDR_ENV = "SPREADSCAN_ADDR";
const DEFAULT_TIMEOUT_MS = 30_000;
const CONNECTION_GROUP = "Coordinator:";
export const OUTPUT_GROUP = "Output:";

/** The options `addConnectionFlags` adds, as commander parses them. */
export interface ConnectionOptions extends SecurityOptions {
  readonly addr: string;
  /** Milliseconds. */
  readonly timeout: number;
  readonly json?: boolean;
}

/** host:port, [v6]:port, or a grpc-js target such as unix:/path. */
function parseAddress(text: string): string {
  const address = text.trim();
  if (/^unix:.+/.test(address)) return address;
  const port = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(address)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65_535) throw new InvalidArgumentError("expected HOST:PORT, like 127.0.0.1:50052.");
  return address;
}

function parseTimeout(text: string): number {
  const { seconds, nanos } = parseDuration(text);
  const milliseconds = Number(seconds) * 1000 + nanos / 1e6;
  if (!(milliseconds > 0)) throw new InvalidArgumentError("expected a time above 0, like 30, 2.5 or 500ms.");
  return milliseconds;
}

export interface ConnectionFlagHelp {
  /** What --json prints. */
  readonly json: string;
  /** What --timeout bounds, when it is not the whole call. */
  readonly timeout?: string;
}

/**
 * Adds --addr, --timeout, the TLS and API key flags (see `addSecurityFlags`), and --json to a
 * command that calls the coordinator.
 */
export function addConnectionFlags(command: Command, help: ConnectionFlagHelp): Command {
  command
    .addOption(
      new Option("--addr <host:port>", "coordinator address")
        .env(COORDINATOR_ADDR_ENV)
        .default(DEFAULT_COORDINATOR_ADDR)
        .argParser(parseAddress)
        .helpGroup(CONNECTION_GROUP),
    )
    .addOption(
      new Option("--timeout <seconds>", help.timeout ?? "deadline of the call (seconds, or with a unit: 500ms, 30s, 2m)")
        .default(DEFAULT_TIMEOUT_MS, "30")
        .argParser(parseTimeout)
        .helpGroup(CONNECTION_GROUP),
    );
  return addSecurityFlags(command, CONNECTION_GROUP).addOption(new Option("--json", help.json).helpGroup(OUTPUT_GROUP));
}

/** --no-cache, for the commands whose request has `bypass_cache`; shown with the connection flags. */
export function noCacheOption(): Option {
  return new Option("--no-cache", "skip the coordinator's cache and fetch fresh market data").helpGroup(CONNECTION_GROUP);
}

/** The last overload of every generated unary method: request, metadata, options, callback. */
type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

/** How a stream read by `readStream` finished: the server ended it, or we stopped it. */
export type StreamEnd = "ended" | "stopped";

export interface StreamReading {
  readonly done: Promise<StreamEnd>;
  /** Cancels the call; `done` then resolves "stopped". */
  stop(): void;
}

/**
 * Hands each message of a server stream to `onMessage`, in order. Listeners stay attached
 * for the call's whole life, so the CANCELLED a stop causes is never an unhandled error.
 */
export function readStream<T>(call: ClientReadableStream<T>, onMessage: (message: T) => void): StreamReading {
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    call.cancel();
  };
  const done = new Promise<StreamEnd>((resolve, reject) => {
    call.on("data", (message: T) => {
      if (stopped) return;
      try {
        onMessage(message);
      } catch (error) {
        stop();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    call.on("error", (error: Error) => {
      if (stopped && isServiceError(error) && error.code === GrpcStatus.CANCELLED) resolve("stopped");
      else reject(error);
    });
    call.on("end", () => resolve(stopped ? "stopped" : "ended"));
  });
  // A caller may make other calls before awaiting `done`; a stream failing meanwhile must not
  // count as an unhandled rejection (which ends the process). Awaiting `done` still throws.
  done.catch(() => undefined);
  return { done, stop };
}

// Scan results of a large limit are bigger than grpc-js's 4 MiB default.
const CHANNEL_OPTIONS = { "grpc.max_receive_message_length": 64 * 1024 * 1024 };

/** The clients of one command run, all to one address, and what their channels went through. */
export class CoordinatorConnection {
  readonly address: string;
  readonly timeoutMs: number;
  readonly security: ConnectionSecurity;
  private coordinatorClient: CoordinatorServiceClient | undefined;
  private healthClient: HealthClient | undefined;
  private watchlistClient: WatchlistServiceClient | undefined;
  private savedScanClient: SavedScanServiceClient | undefined;
  private connected = false;

  /** Throws a UsageError for connection flags that do not go together. */
  constructor(options: ConnectionOptions) {
    this.address = options.addr;
    this.timeoutMs = options.timeout;
    this.security = connectionSecurity(options.addr, options);
  }

  get coordinator(): CoordinatorServiceClient {
    if (!this.coordinatorClient) {
      this.coordinatorClient = new CoordinatorServiceClient(this.address, this.security.credentials, this.clientOptions());
      this.watchChannel(this.coordinatorClient.getChannel());
    }
    return this.coordinatorClient;
  }

  get health(): HealthClient {
    if (!this.healthClient) {
      this.healthClient = new HealthClient(this.address, this.security.credentials, this.clientOptions());
      this.watchChannel(this.healthClient.getChannel());
    }
    return this.healthClient;
  }

  get watchlists(): WatchlistServiceClient {
    if (!this.watchlistClient) {
      this.watchlistClient = new WatchlistServiceClient(this.address, this.security.credentials, this.clientOptions());
      this.watchChannel(this.watchlistClient.getChannel());
    }
    return this.watchlistClient;
  }

  get savedScans(): SavedScanServiceClient {
    if (!this.savedScanClient) {
      this.savedScanClient = new SavedScanServiceClient(this.address, this.security.credentials, this.clientOptions());
      this.watchChannel(this.savedScanClient.getChannel());
    }
    return this.savedScanClient;
  }

  /** True once a connection to the address was established: a failure after that came from the server. */
  get everConnected(): boolean {
    return this.connected;
  }

  /** The deadline of a call starting now. */
  deadline(): Date {
    return new Date(Date.now() + this.timeoutMs);
  }

  /** Calls a unary method (pass it bound: `client.scan.bind(client)`) with the --timeout deadline. */
  unary<Request, Response>(method: UnaryMethod<Request, Response>, request: Request): Promise<Response> {
    return new Promise((resolve, reject) => {
      method(request, new Metadata(), { deadline: this.deadline() }, (error, response) => {
        if (error) reject(error);
        else resolve(response);
      });
    });
  }

  close(): void {
    this.coordinatorClient?.close();
    this.healthClient?.close();
    this.watchlistClient?.close();
    this.savedScanClient?.close();
  }

  // A fresh object per client: grpc-js takes the interceptors out of the options it is given.
  private clientOptions(): ClientOptions {
    return { ...CHANNEL_OPTIONS, ...this.security.channelOptions, interceptors: [...this.security.interceptors] };
  }

  // grpc-js says "UNAVAILABLE" both when nothing listens and when the coordinator answers
  // that its scanner is down; only the first deserves "no coordinator at", so remember
  // whether the channel ever reached READY.
  private watchChannel(channel: Pick<Channel, "getConnectivityState" | "watchConnectivityState">): void {
    const watch = (current: connectivityState): void => {
      if (current === connectivityState.READY) this.connected = true;
      if (current === connectivityState.SHUTDOWN) return;
      channel.watchConnectivityState(current, Infinity, () => watch(channel.getConnectivityState(false)));
    };
    watch(channel.getConnectivityState(false));
  }
}

// ---- failures to lines ---------------------------------------------------------------------

/** The name of a gRPC status code, "NOT_FOUND" for 5. */
export function statusCodeName(code: number): string {
  const name: string | undefined = GrpcStatus[code];
  return name ?? `code ${code}`;
}

/** Codes that say the request itself must change: like bad usage, the user's to fix. */
const USER_FIXABLE_CODES: readonly number[] = [GrpcStatus.INVALID_ARGUMENT, GrpcStatus.NOT_FOUND, GrpcStatus.ALREADY_EXISTS, GrpcStatus.OUT_OF_RANGE];

/**
 * INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS and OUT_OF_RANGE (an alert sequence no longer
 * kept) are the user's to fix, like bad usage; the rest are not.
 */
export function exitStatusForCode(code: number): ExitStatus {
  return USER_FIXABLE_CODES.includes(code) ? EXIT_STATUS.usage : EXIT_STATUS.failure;
}

/** What sets each request field outside the query, on the command lines of this CLI. */
const REQUEST_FIELD_NAMES: Readonly<Record<string, string>> = {
  symbol: "SYMBOL",
  symbols: "SYMBOL",
  bypass_cache: "--no-cache",
  min_interval_ms: "--interval",
  job_id: "JOB",
  states: "--state",
  page_size: "--page-size",
  page_token: "--page-token",
  service: "--service",
  watchlist: "--watchlist",
  per_symbol_limit: "--per-symbol",
  name: "NAME",
  "watchlist.name": "NAME",
  "watchlist.symbols": "SYMBOL",
  "alerts.check_interval": "--alert-every",
  "alerts.retention": "--retention",
  "alerts.webhook.url": "--webhook",
  "alerts.webhook.secret": "--webhook-secret",
};

/** SavedScanService names a saved scan's fields under it; the command line sets them as it sets a request's own. */
const SAVED_SCAN_FIELD = /^saved_scan\./;

/**
 * One line per refused field, naming what the user typed: the flag for a query field (by
 * `queryViolationLines`), the argument or flag for the others, the field itself otherwise.
 */
export function fieldViolationLines(violations: readonly FieldViolation[], flagValues: Readonly<Record<string, unknown>> = {}): string[] {
  return violations.flatMap(({ field: given, description }) => {
    const field = given.replace(SAVED_SCAN_FIELD, "");
    if (field.startsWith("query.")) return queryViolationLines([{ field: field.slice("query.".length), description }], flagValues);
    const name = REQUEST_FIELD_NAMES[field.replace(/\[\d+\]$/, "")];
    return [`${name ?? field}: ${description}`];
  });
}

/** "5 s", "2.5 s", "200 ms": the way --timeout and a retry delay are given. */
function seconds(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const value = milliseconds / 1000;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} s`;
}

/**
 * A status message without the field violations it repeats. The services' INVALID_ARGUMENT
 * message is "invalid request: " followed by every violation ("field: description", joined
 * by "; "), and the violations are printed on lines of their own, naming the flag: printed
 * whole, the message would say each of them twice. What else the message says is kept.
 */
export function messageWithoutViolations(message: string, violations: readonly FieldViolation[]): string {
  if (violations.length === 0) return message;
  const repeated = violations.map(({ field, description }) => `${field}: ${description}`).join("; ");
  if (message.endsWith(repeated)) return message.slice(0, message.length - repeated.length).replace(/[\s:;,]+$/, "");
  // Worded some other way: if it still holds every description, it adds nothing they do not say.
  return violations.every(({ description }) => message.includes(description)) ? "" : message;
}

/** "CODE: message", or "CODE" alone for an empty message. */
function statusLine(code: number, message: string): string {
  return message === "" ? statusCodeName(code) : `${statusCodeName(code)}: ${message}`;
}

/** The lines of a failure: "CODE: message" (less the violations it repeats), then each field violation, then when to retry. */
export function statusLines(
  code: number,
  message: string,
  violations: readonly FieldViolation[],
  retryDelayMs: number | undefined,
  flagValues: Readonly<Record<string, unknown>> = {},
): string[] {
  return [
    statusLine(code, messageWithoutViolations(message, violations)),
    ...fieldViolationLines(violations, flagValues),
    ...(retryDelayMs === undefined ? [] : [`retry in ${seconds(retryDelayMs)}`]),
  ];
}

/** The failure to report for an error thrown by a call; anything but a gRPC error is passed on as it is. */
export function callFailure(error: unknown, connection: CoordinatorConnection, flagValues: Readonly<Record<string, unknown>> = {}): unknown {
  if (!isServiceError(error)) return error;
  const unreachable = !connection.everConnected && (error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.DEADLINE_EXCEEDED);
  if (unreachable) {
    // grpc-js's own words say why ("connect ECONNREFUSED ..."); keep them, shortened.
    const cause = connectionCause(error.details);
    const tlsLines = tlsFailureLines(statusCodeName(error.code), cause, connection.address, connection.security);
    if (tlsLines) return new CommandFailure(tlsLines, EXIT_STATUS.failure);
    const waited = error.code === GrpcStatus.DEADLINE_EXCEEDED ? ` answered within ${seconds(connection.timeoutMs)}` : "";
    return new CommandFailure(
      [
        `${statusCodeName(error.code)}: no coordinator${waited} at ${connection.address} — start one with \`make run\`, ` +
          `or give its address with --addr or ${COORDINATOR_ADDR_ENV} (${cause})`,
      ],
      EXIT_STATUS.failure,
    );
  }
  const details = readStatusDetails(error);
  const lines = statusLines(error.code, error.details, details.fieldViolations, details.retryDelayMs, flagValues);
  // grpc-js's own words for a passed deadline do not say which knob sets it.
  if (error.code === GrpcStatus.DEADLINE_EXCEEDED) lines.push(`no answer within --timeout ${seconds(connection.timeoutMs)}; raise it to wait longer`);
  const hint = authHint(error, connection.security);
  if (hint !== undefined) lines.push(hint);
  return new CommandFailure(lines, exitStatusForCode(error.code));
}

/**
 * Runs `body` with a connection to the coordinator, closes it whatever happens, and turns a
 * failed call into a CommandFailure. `flagValues` are the command's options, so refused
 * query fields are reported by the flag (or alias) the user typed.
 */
export async function withCoordinator<T>(
  options: ConnectionOptions,
  flagValues: Readonly<Record<string, unknown>>,
  body: (connection: CoordinatorConnection) => Promise<T>,
): Promise<T> {
  const connection = new CoordinatorConnection(options);
  try {
    return await body(connection);
  } catch (error) {
    throw callFailure(error, connection, flagValues);
  } finally {
    connection.close();
  }
}

/** The width to lay tables out for: the terminal's, or none when the output goes to a file or pipe. */
export function outputWidth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

// The coordinator's way to the scanner, composed of one layer per concern: the channels
// (scanner-channels.ts, credentials from common/client-credentials.ts), the concurrency cap,
// retries (scanner-retry.ts), the shared breaker (scanner-breaker.ts), the deadline of the
// call and of each attempt (call-scope.ts, scanner-attempt.ts).
import { Metadata, status as GrpcStatus, type ChannelOptions } from "@grpc/grpc-js";
import {
  CircuitState,
  isBrokenCircuitError,
  isTaskCancelledError,
  timeout,
  TimeoutStrategy,
  type BulkheadPolicy,
  type IDisposable,
  type TimeoutPolicy,
} from "cockatiel";
import { HealthCheckRequest, HealthCheckResponse_ServingStatus } from "../../../gen/ts/grpc/health/v1/health.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type {
  ScanRequest,
  ScanResponse,
  UpdateChainRequest,
  UpdateChainResponse,
  WatchSpreadsRequest,
  WatchSpreadsResponse,
} from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { RpcError, unavailable } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { isServiceError } from "../../common/status-details.js";
import type { ClientTls } from "../../common/tls.js";
import { CallScope, type ScannerCallOptions } from "./call-scope.js";
import { cappedCallError, concurrencyCap, type ConcurrencyCapLimits } from "./concurrency-cap.js";
import { attemptTimedOut, runAttempt, type UnaryInvoker } from "./scanner-attempt.js";
import type { ScannerBreaker } from "./scanner-breaker.js";
import { ScannerChannels } from "./scanner-channels.js";
import { isStreamResetWithoutStatus, rpcErrorFromServiceError } from "./scanner-errors.js";
import { scannerRetryPolicy } from "./scanner-retry.js";
import { inSpan, tracingIsOn } from "../../common/tracing/tracer.js";

export type { ScannerCallOptions } from "./call-scope.js";

/** The name the scanner reports its health under. */
export const SCANNER_SERVICE_NAME = "spreadscan.scanner.v1.ScannerService";

export interface ScannerClientOptions {
  /** SCANNER_ADDR: host:port. */
  readonly address: string;
  /** SCANNER_TIMEOUT: time limit of one attempt, ms, inside the caller's overall deadline. */
  readonly attemptTimeoutMs: number;
  /** SCANNER_MAX_RETRIES: attempts after the first, so at most maxRetries + 1 attempts. */
  readonly maxRetries: number;
  /** Created by the caller and shared (see createScannerCircuitBreaker); its state is reported in metrics. */
  readonly breaker: ScannerBreaker;
  /** Unary calls in flight at once (default 50); more wait in a queue. */
  readonly maxConcurrentCalls?: number;
  /** Calls waiting for a place (default 200); past it a call fails at once with RESOURCE_EXHAUSTED. */
  readonly maxQueuedCalls?: number;
  /** Channels (each its own HTTP/2 connection) used in turn (default 1). */
  readonly channels?: number;
  readonly logger?: Logger;
  /** Scale of the jittered exponential backoff between attempts, ms (default 100); capped at 5 s. */
  readonly retryBaseDelayMs?: number;
  /** grpc-js channel options laid over ours: for tests and tuning. */
  readonly channelOptions?: ChannelOptions;
  /** TLS to the scanner (SCANNER_TLS_*), mutual when it holds a certificate and key; absent: plaintext. */
  readonly tls?: ClientTls | undefined;
  /** Sent as `authorization: Bearer <key>` on every call, when the scanner requires API keys (SCANNER_API_KEY). */
  readonly apiKey?: string | undefined;
}

const DEFAULT_MAX_CONCURRENT_CALLS = 50;
const DEFAULT_MAX_QUEUED_CALLS = 200;
const DEFAULT_RETRY_BASE_DELAY_MS = 100;
const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;

/**
 * Typed, promise-based calls that always fail with an RpcError, through the concurrency cap,
 * retries, the shared circuit breaker and a time limit per attempt, in that order, so that
 * every attempt counts toward the breaker.
 *
 * The breaker only ever sees a thrown error when the scanner is to blame (UNAVAILABLE,
 * DEADLINE_EXCEEDED of an attempt's own time limit, INTERNAL, UNKNOWN, DATA_LOSS); every
 * other failure passes through it as a value, so it cannot open the circuit.
 */
export class ScannerClient {
  private readonly channels: ScannerChannels;
  private readonly cap: BulkheadPolicy;
  private readonly capLimits: ConcurrencyCapLimits;
  private readonly attemptTimeout: TimeoutPolicy;
  private readonly breaker: ScannerBreaker;
  private readonly attemptTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly logger: Logger | undefined;
  private readonly subscriptions: IDisposable[] = [];
  private closed = false;

  constructor(options: ScannerClientOptions) {
    this.attemptTimeoutMs = positive("attemptTimeoutMs", options.attemptTimeoutMs);
    this.maxRetries = wholeNumber("maxRetries", options.maxRetries, 0);
    this.capLimits = {
      maxConcurrentCalls: wholeNumber("maxConcurrentCalls", options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS, 1),
      maxQueuedCalls: wholeNumber("maxQueuedCalls", options.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS, 0),
    };
    this.retryBaseDelayMs = positive("retryBaseDelayMs", options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS);
    this.breaker = options.breaker;
    this.logger = options.logger?.child({ component: "scanner-client", scanner: options.address });
    this.channels = new ScannerChannels({
      address: options.address,
      channels: wholeNumber("channels", options.channels ?? 1, 1),
      tls: options.tls,
      apiKey: options.apiKey,
      channelOptions: options.channelOptions,
      logger: this.logger,
    });
    this.cap = concurrencyCap(this.capLimits);
    this.attemptTimeout = timeout(this.attemptTimeoutMs, TimeoutStrategy.Aggressive);

    const logger = this.logger;
    if (logger) {
      this.subscriptions.push(
        this.breaker.policy.onBreak(() => logger.error(this.breaker.describeOpen(), "scanner circuit opened")),
        this.breaker.policy.onHalfOpen(() => logger.info("scanner circuit half open: probing")),
        this.breaker.policy.onReset(() => logger.info("scanner circuit closed")),
      );
    }
  }

  /** Scans on the scanner; retried, since a scan changes nothing. */
  async scan(request: ScanRequest, options: ScannerCallOptions = {}): Promise<ScanResult> {
    const response = await this.unary<ScanResponse>(
      "Scan",
      (client, metadata, callOptions, callback) => client.scan(request, metadata, callOptions, callback),
      options,
    );
    if (!response.result) throw new RpcError(GrpcStatus.INTERNAL, "the scanner answered Scan without a result");
    return response.result;
  }

  /**
   * Throws the UNAVAILABLE a call would get now without reaching the scanner: the circuit is
   * open and not yet due a probe, or a probe is in flight. Lets a caller skip work whose only
   * use is the call.
   */
  refuseWhileCircuitOpen(): void {
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return;
    if (state === CircuitState.Open) {
      // Due a probe: the next call is it.
      const { msUntilHalfOpen } = this.breaker.describeOpen();
      if (msUntilHalfOpen !== undefined && msUntilHalfOpen <= 1) return;
    }
    throw this.openCircuitError();
  }

  /** Stores or merges a chain; retried, since the scanner makes UpdateChain idempotent. */
  updateChain(request: UpdateChainRequest, options: ScannerCallOptions = {}): Promise<UpdateChainResponse> {
    return this.unary<UpdateChainResponse>(
      "UpdateChain",
      (client, metadata, callOptions, callback) => client.updateChain(request, metadata, callOptions, callback),
      options,
    );
  }

  /**
   * A server stream, not retried (the caller reconnects, and the sequence numbers let it
   * lose nothing) and outside the concurrency cap and breaker, which are for short calls.
   * Ends quietly when `signal` aborts; any other end but the server's OK throws a mapped RpcError.
   */
  async *watchSpreads(request: WatchSpreadsRequest, signal: AbortSignal): AsyncGenerator<WatchSpreadsResponse, void, undefined> {
    if (this.closed) throw unavailable("the scanner client is closed");
    if (isAborted(signal)) return;
    const call = this.channels.pick().watchSpreads(request, new Metadata());
    const onAbort = (): void => call.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const message of call as AsyncIterable<WatchSpreadsResponse>) yield message;
    } catch (error) {
      if (isAborted(signal)) return;
      const mapped = isServiceError(error) ? rpcErrorFromServiceError(error) : this.unexpected(error, "WatchSpreads");
      // A watch whose stream was reset without a status (a replica's connection recycled past
      // GRPC_MAX_CONNECTION_AGE can end so) lost its connection, nothing more: UNAVAILABLE, which
      // its caller reconnects after, as it does after any dropped connection.
      if (isStreamResetWithoutStatus(mapped)) throw unavailable(`the scanner's watch stream was reset: ${mapped.message}`);
      throw mapped;
    } finally {
      signal.removeEventListener("abort", onAbort);
      // A consumer that stops reading early must end the stream on the wire too.
      call.cancel();
    }
  }

  /**
   * grpc.health.v1 Check of the scanner service: true when SERVING. Not through the breaker
   * or retries: it reports the scanner as it is now, and never throws.
   */
  checkHealth(timeoutMs = DEFAULT_HEALTH_TIMEOUT_MS): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.channels.health.check(
        HealthCheckRequest.fromPartial({ service: SCANNER_SERVICE_NAME }),
        new Metadata(),
        { deadline: new Date(Date.now() + timeoutMs) },
        (error, response) => resolve(!error && response.status === HealthCheckResponse_ServingStatus.SERVING),
      );
    });
  }

  /** Closes the channels; calls in flight finish, new ones fail with UNAVAILABLE. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    this.channels.close();
  }

  /**
   * With tracing on, the call is one `scanner.call` span, the breaker's state at its start an
   * attribute, and each attempt on the wire a CLIENT span under it (scanner-attempt.ts).
   */
  private unary<Response>(method: string, invoke: UnaryInvoker<Response>, options: ScannerCallOptions): Promise<Response> {
    if (!tracingIsOn()) return this.unaryCall(method, invoke, options);
    return inSpan("scanner.call", () => this.unaryCall(method, invoke, options), {
      attributes: () => ({ "rpc.method": method, "scanner.breaker.state": breakerStateName(this.breaker.state) }),
    });
  }

  private async unaryCall<Response>(method: string, invoke: UnaryInvoker<Response>, options: ScannerCallOptions): Promise<Response> {
    if (this.closed) throw unavailable("the scanner client is closed");
    const scope = new CallScope(options);
    try {
      scope.throwIfOver();
      const retry = scannerRetryPolicy(method, scope, { maxRetries: this.maxRetries, baseDelayMs: this.retryBaseDelayMs, logger: this.logger });
      const run = this.cap.execute(
        ({ signal }) =>
          retry.execute(({ signal: retrySignal, attempt }) => {
            // cockatiel's retry sleeps through an abort and then tries again; refuse here,
            // before the breaker, so an attempt nobody waits for is never counted.
            scope.throwIfOver();
            return this.breaker.execute(
              () =>
                this.attemptTimeout.execute(({ signal: attemptSignal }) => {
                  // Closed between attempts: grpc-js would throw; that is our doing, not the scanner's.
                  if (this.closed) return { ok: false as const, error: unavailable("the scanner client is closed") };
                  // An attempt runs past a circuit that is not closed only as its probe (cockatiel
                  // marks the circuit half-open only once the attempt has started).
                  const client = this.breaker.state === CircuitState.Closed ? this.channels.pick() : this.channels.pickForProbe();
                  // cockatiel counts retries from 0; attempts are numbered from 1.
                  return runAttempt({ client, invoke, timeLimitMs: this.attemptTimeoutMs, scope, signal: attemptSignal, attempt: attempt + 1 });
                }, retrySignal),
              retrySignal,
            );
          }, signal),
        scope.signal,
      );
      // The caller is answered the moment its deadline passes or it aborts, even while
      // the policies are still sleeping between attempts.
      const outcome = await Promise.race([run, scope.ended]);
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    } catch (error) {
      throw this.toRpcError(error, scope, method);
    } finally {
      scope.dispose();
    }
  }

  private toRpcError(error: unknown, scope: CallScope, method: string): RpcError {
    if (error instanceof RpcError) return error;
    if (isBrokenCircuitError(error)) return this.openCircuitError();
    const capped = cappedCallError(error, this.capLimits);
    if (capped) return capped;
    if (isTaskCancelledError(error)) return scope.isOver() ? scope.reason() : attemptTimedOut(this.attemptTimeoutMs);
    return this.unexpected(error, method);
  }

  private openCircuitError(): RpcError {
    if (this.breaker.state === CircuitState.Isolated) return unavailable("the scanner is unavailable (circuit held open)");
    const { msUntilHalfOpen } = this.breaker.describeOpen();
    const when = msUntilHalfOpen === undefined ? "retry later" : `retry in ${msUntilHalfOpen} ms`;
    return unavailable(`the scanner is unavailable (circuit open: too many of its recent calls failed); ${when}`, msUntilHalfOpen);
  }

  private unexpected(error: unknown, method: string): RpcError {
    this.logger?.error({ err: error, method }, "unexpected error calling the scanner");
    return new RpcError(GrpcStatus.INTERNAL, `calling the scanner's ${method} failed unexpectedly`);
  }
}

/** The breaker's state as the `scanner.breaker.state` attribute names it. */
function breakerStateName(state: CircuitState): string {
  switch (state) {
    case CircuitState.Closed:
      return "closed";
    case CircuitState.Open:
      return "open";
    case CircuitState.HalfOpen:
      return "half-open";
    case CircuitState.Isolated:
      return "isolated";
  }
}

// A function, so the compiler does not carry a check made before an await past it.
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}, got ${value}`);
  return value;
}

import {
  connectivityState,
  Metadata,
  status as GrpcStatus,
  type CallOptions,
  type ChannelOptions,
  type ClientUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  bulkhead,
  CircuitState,
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  retry,
  timeout,
  TimeoutStrategy,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type FailureReason,
  type IBackoff,
  type IBackoffFactory,
  type IDisposable,
  type IRetryBackoffContext,
  type RetryPolicy,
  type TimeoutPolicy,
} from "cockatiel";
import {
  HealthCheckRequest,
  HealthCheckResponse_ServingStatus,
  HealthClient,
} from "../../gen/ts/grpc/health/v1/health.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import {
  ScannerServiceClient,
  type ScanRequest,
  type ScanResponse,
  type UpdateChainRequest,
  type UpdateChainResponse,
  type WatchSpreadsRequest,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { cancelled, deadlineExceeded, resourceExhausted, RpcError, unavailable } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { isServiceError } from "../common/status-details.js";
import { channelCredentials, tlsChannelOptions, type ClientTls } from "../common/tls.js";
import { describeOpenCircuit } from "./scanner-breaker.js";
import { isBreakerFailureCode, isRetryableError, rpcErrorFromServiceError } from "./scanner-errors.js";

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
  readonly breaker: CircuitBreakerPolicy;
  /** Unary calls in flight at once (default 50); more wait in a queue. */
  readonly maxConcurrentCalls?: number;
  /** Calls waiting for a slot (default 200); past it a call fails at once with RESOURCE_EXHAUSTED. */
  readonly maxQueuedCalls?: number;
  /** Channels (each its own HTTP/2 connection) used round-robin (default 1). */
  readonly channels?: number;
  readonly logger?: Logger;
  /** Base of the jittered exponential backoff between attempts, ms (default 100); capped at 5 s. */
  readonly retryBaseDelayMs?: number;
  /** grpc-js channel options laid over ours: for tests and tuning. */
  readonly channelOptions?: ChannelOptions;
  /** TLS to the scanner (SCANNER_TLS_*), mutual when it holds a certificate and key; absent: plaintext. */
  readonly tls?: ClientTls | undefined;
  /** Sent as `authorization: Bearer <key>` on every call, when the scanner requires API keys (SCANNER_API_KEY). */
  readonly apiKey?: string | undefined;
}

/** How long the caller waits: a signal to give up early, an overall deadline. */
export interface ScannerCallOptions {
  readonly signal?: AbortSignal;
  readonly deadline?: Date;
}

const MIB = 1024 * 1024;
const DEFAULT_MAX_CONCURRENT_CALLS = 50;
const DEFAULT_MAX_QUEUED_CALLS = 200;
const DEFAULT_RETRY_BASE_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 5_000;
const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;
// A full bulkhead drains as calls in flight finish; a second is a fair guess at when.
const BULKHEAD_RETRY_AFTER_MS = 1_000;
// Less time than this left before the caller's deadline is not worth another attempt.
const MIN_ATTEMPT_MS = 20;
// setTimeout overflows past this; a deadline further out is as good as none.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One attempt's answer as it crosses the breaker: failures the scanner is not to blame for travel as values. */
type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RpcError };

type UnaryInvoker<Response> = (
  client: ScannerServiceClient,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

/**
 * The coordinator's way to the scanner: typed, promise-based calls that always fail with
 * an RpcError, through a bulkhead, retries, the shared circuit breaker and a time limit per
 * attempt, in that order, so that every attempt counts toward the breaker.
 *
 * The breaker only ever sees a thrown error when the scanner is to blame (UNAVAILABLE,
 * DEADLINE_EXCEEDED of an attempt's own time limit, INTERNAL, UNKNOWN, DATA_LOSS); every
 * other failure passes through it as a value, so it cannot open the circuit whatever filter
 * the shared breaker was built with.
 */
export class ScannerClient {
  private readonly clients: ScannerServiceClient[];
  private readonly newChannelClient: () => ScannerServiceClient;
  private readonly newHealthClient: (channelOf: ScannerServiceClient) => HealthClient;
  /** Rides on the first channel, and is remade with it. */
  private health: HealthClient;
  private readonly bulkhead: BulkheadPolicy;
  private readonly attemptTimeout: TimeoutPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxConcurrentCalls: number;
  private readonly maxQueuedCalls: number;
  private readonly logger: Logger | undefined;
  private readonly apiKey: string | undefined;
  private readonly subscriptions: IDisposable[] = [];
  private nextChannel = 0;
  private closed = false;

  constructor(options: ScannerClientOptions) {
    this.attemptTimeoutMs = positive("attemptTimeoutMs", options.attemptTimeoutMs);
    this.maxRetries = wholeNumber("maxRetries", options.maxRetries, 0);
    this.maxConcurrentCalls = wholeNumber("maxConcurrentCalls", options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS, 1);
    this.maxQueuedCalls = wholeNumber("maxQueuedCalls", options.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS, 0);
    this.retryBaseDelayMs = positive("retryBaseDelayMs", options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS);
    const channels = wholeNumber("channels", options.channels ?? 1, 1);
    this.breaker = options.breaker;
    this.apiKey = options.apiKey;
    this.logger = options.logger?.child({ component: "scanner-client", scanner: options.address });

    const channelOptions: ChannelOptions = {
      // cockatiel retries; grpc-js retrying underneath would multiply attempts unseen by the breaker.
      "grpc.enable_retries": 0,
      // Chains are large, in both directions.
      "grpc.max_send_message_length": 16 * MIB,
      "grpc.max_receive_message_length": 16 * MIB,
      // Notice a dead scanner on an idle connection (watches sit idle for long) within ~40 s;
      // the scanner lets clients ping down to every 10 s.
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      // A channel in reconnect backoff fails calls at once; the circuit's probe gets a fresh
      // channel when its own is backing off, and other calls wait out no more than this.
      "grpc.initial_reconnect_backoff_ms": 250,
      "grpc.max_reconnect_backoff_ms": 2_000,
      // Without it grpc-js shares one connection among identical channels and the pool is moot.
      "grpc.use_local_subchannel_pool": 1,
      ...tlsChannelOptions(options.tls),
      ...options.channelOptions,
    };
    const channelCredentialsOfScanner = channelCredentials(options.tls);
    this.newChannelClient = () => new ScannerServiceClient(options.address, channelCredentialsOfScanner, channelOptions);
    this.newHealthClient = (client) => new HealthClient(options.address, channelCredentialsOfScanner, { channelOverride: client.getChannel() });
    this.clients = Array.from({ length: channels }, () => this.newChannelClient());
    this.health = this.newHealthClient(this.channelClient(0));

    this.bulkhead = bulkhead(this.maxConcurrentCalls, this.maxQueuedCalls);
    this.attemptTimeout = timeout(this.attemptTimeoutMs, TimeoutStrategy.Aggressive);

    const logger = this.logger;
    if (logger) {
      this.subscriptions.push(
        this.breaker.onBreak(() => logger.error(describeOpenCircuit(this.breaker), "scanner circuit opened")),
        this.breaker.onHalfOpen(() => logger.info("scanner circuit half open: probing")),
        this.breaker.onReset(() => logger.info("scanner circuit closed")),
      );
    }
  }

  /** Scans on the scanner; retried, since a scan changes nothing. */
  async scan(request: ScanRequest, options: ScannerCallOptions = {}): Promise<ScanResult> {
    const response = await this.unary<ScanResponse>(
      "Scan",
      (client, callOptions, callback) => client.scan(request, this.callMetadata(), callOptions, callback),
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
      const { msUntilHalfOpen } = describeOpenCircuit(this.breaker);
      if (msUntilHalfOpen !== undefined && msUntilHalfOpen <= 1) return;
    }
    throw this.openCircuitError();
  }

  /** Stores or merges a chain; retried, since the scanner makes UpdateChain idempotent. */
  updateChain(request: UpdateChainRequest, options: ScannerCallOptions = {}): Promise<UpdateChainResponse> {
    return this.unary<UpdateChainResponse>(
      "UpdateChain",
      (client, callOptions, callback) => client.updateChain(request, this.callMetadata(), callOptions, callback),
      options,
    );
  }

  /**
   * A server stream, not retried (the caller reconnects, and the sequence numbers let it
   * lose nothing) and outside the bulkhead and breaker, which are for short calls. Ends
   * quietly when `signal` aborts; any other end but the server's OK throws a mapped RpcError.
   */
  async *watchSpreads(request: WatchSpreadsRequest, signal: AbortSignal): AsyncGenerator<WatchSpreadsResponse, void, undefined> {
    if (this.closed) throw unavailable("the scanner client is closed");
    if (isAborted(signal)) return;
    const call = this.pickClient().watchSpreads(request, this.callMetadata());
    const onAbort = (): void => call.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const message of call as AsyncIterable<WatchSpreadsResponse>) yield message;
    } catch (error) {
      if (isAborted(signal)) return;
      throw isServiceError(error) ? rpcErrorFromServiceError(error) : this.unexpected(error, "WatchSpreads");
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
      this.health.check(
        HealthCheckRequest.fromPartial({ service: SCANNER_SERVICE_NAME }),
        new Metadata(),
        { deadline: new Date(Date.now() + timeoutMs) },
        (error, response) => resolve(!error && response.status === HealthCheckResponse_ServingStatus.SERVING),
      );
    });
  }

  /** Metadata for one call: the API key, when there is one. */
  private callMetadata(): Metadata {
    const metadata = new Metadata();
    if (this.apiKey) metadata.set("authorization", `Bearer ${this.apiKey}`);
    return metadata;
  }

  /** Closes the channels; calls in flight finish, new ones fail with UNAVAILABLE. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    // The health client rides on the first channel, closed here with the rest.
    for (const client of this.clients) client.close();
  }

  private async unary<Response>(
    method: string,
    invoke: UnaryInvoker<Response>,
    options: ScannerCallOptions,
  ): Promise<Response> {
    if (this.closed) throw unavailable("the scanner client is closed");
    const scope = new CallScope(options);
    try {
      scope.throwIfOver();
      const run = this.bulkhead.execute(
        ({ signal }) =>
          this.retryPolicy(method, scope).execute(({ signal: retrySignal }) => {
            // cockatiel's retry sleeps through an abort and then tries again; refuse here,
            // before the breaker, so an attempt nobody waits for is never counted.
            scope.throwIfOver();
            return this.breaker.execute(
              () => this.attemptTimeout.execute(({ signal: attemptSignal }) => this.attempt(invoke, attemptSignal, scope), retrySignal),
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

  /** One call on the wire, with the deadline min(now + attempt time limit, caller's deadline). */
  private attempt<Response>(invoke: UnaryInvoker<Response>, signal: AbortSignal, scope: CallScope): Promise<Outcome<Response>> {
    // Closed between attempts: grpc-js would throw; that is our doing, not the scanner's.
    if (this.closed) return Promise.resolve({ ok: false, error: unavailable("the scanner client is closed") });
    const ownLimitMs = Date.now() + this.attemptTimeoutMs;
    const cappedByCaller = scope.deadlineMs < ownLimitMs;
    const deadline = new Date(Math.min(ownLimitMs, scope.deadlineMs));
    // An attempt runs past a circuit that is not closed only as its probe (cockatiel marks
    // the circuit half-open only once the attempt has started).
    const client = this.breaker.state === CircuitState.Closed ? this.pickClient() : this.probeClient();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = invoke(client, { deadline }, (error, response) => {
        signal.removeEventListener("abort", onAbort);
        if (!error) {
          resolve({ ok: true, value: response });
          return;
        }
        // The caller left: that says nothing about the scanner.
        if (scope.isOver()) {
          resolve({ ok: false, error: scope.reason() });
          return;
        }
        // Cancelled by the attempt's time limit (the timeout policy has usually answered already).
        if (signal.aborted) {
          reject(this.attemptTimedOut());
          return;
        }
        const rpcError = rpcErrorFromServiceError(error);
        // A deadline the caller set shorter than an attempt's limit is the caller's choice, not the scanner's slowness.
        if (rpcError.code === GrpcStatus.DEADLINE_EXCEEDED && cappedByCaller) {
          resolve({ ok: false, error: rpcError });
          return;
        }
        if (isBreakerFailureCode(rpcError.code)) reject(rpcError);
        else resolve({ ok: false, error: rpcError });
      });
      if (signal.aborted) call.cancel();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Retries are per call: whether another attempt is worth it depends on this caller's
   * deadline. Retried: UNAVAILABLE, RESOURCE_EXHAUSTED, and DEADLINE_EXCEEDED of one attempt
   * while the caller's deadline still has room; never after the caller aborts, never when
   * the server's RetryInfo asks for a wait past the deadline (the caller then gets the
   * scanner's own error, RetryInfo included, at once instead of a late DEADLINE_EXCEEDED).
   */
  private retryPolicy(method: string, scope: CallScope): RetryPolicy {
    const worthAnotherAttempt = (error: unknown): boolean => {
      const remainingMs = scope.remainingMs();
      if (scope.signal.aborted || remainingMs <= MIN_ATTEMPT_MS) return false;
      // The attempt's own time limit ran out (the caller's has room, checked above).
      if (isTaskCancelledError(error)) return true;
      if (!(error instanceof RpcError) || !isRetryableError(error)) return false;
      return (error.details.retryDelayMs ?? 0) + MIN_ATTEMPT_MS < remainingMs;
    };
    const policy = retry(
      handleWhen(worthAnotherAttempt).orWhenResult((result) => isFailure(result) && worthAnotherAttempt(result.error)),
      {
        maxAttempts: this.maxRetries,
        backoff: honouringRetryInfo(
          new ExponentialBackoff({
            initialDelay: this.retryBaseDelayMs,
            maxDelay: MAX_RETRY_DELAY_MS,
            generator: decorrelatedJitterGenerator,
          }),
          scope,
        ),
      },
    );
    const logger = this.logger;
    if (logger) {
      policy.onRetry((event) => {
        const error = failureOf(event);
        logger.warn(
          { method, attempt: event.attempt, delayMs: event.delay, code: error ? GrpcStatus[error.code] : "TIMEOUT", err: error?.message },
          "scanner call failed; retrying",
        );
      });
    }
    return policy;
  }

  private toRpcError(error: unknown, scope: CallScope, method: string): RpcError {
    if (error instanceof RpcError) return error;
    if (isBrokenCircuitError(error)) return this.openCircuitError();
    if (isBulkheadRejectedError(error)) {
      return resourceExhausted(
        `too many calls to the scanner at once: ${this.maxConcurrentCalls} in flight and ${this.maxQueuedCalls} queued`,
        BULKHEAD_RETRY_AFTER_MS,
      );
    }
    if (isTaskCancelledError(error)) return scope.isOver() ? scope.reason() : this.attemptTimedOut();
    return this.unexpected(error, method);
  }

  private openCircuitError(): RpcError {
    if (this.breaker.state === CircuitState.Isolated) return unavailable("the scanner is unavailable (circuit held open)");
    const { consecutiveFailures, msUntilHalfOpen } = describeOpenCircuit(this.breaker);
    const after = consecutiveFailures === undefined ? "" : ` after ${consecutiveFailures} consecutive failures`;
    const when = msUntilHalfOpen === undefined ? "retry later" : `retry in ${msUntilHalfOpen} ms`;
    return unavailable(`the scanner is unavailable (circuit open${after}); ${when}`, msUntilHalfOpen);
  }

  private attemptTimedOut(): RpcError {
    return deadlineExceeded(`the scanner did not answer within the attempt time limit of ${this.attemptTimeoutMs} ms`);
  }

  private unexpected(error: unknown, method: string): RpcError {
    this.logger?.error({ err: error, method }, "unexpected error calling the scanner");
    return new RpcError(GrpcStatus.INTERNAL, `calling the scanner's ${method} failed unexpectedly`);
  }

  private pickClient(): ScannerServiceClient {
    return this.channelClient(this.nextChannelIndex());
  }

  /** Round robin over the channels. */
  private nextChannelIndex(): number {
    const index = this.nextChannel;
    this.nextChannel = (index + 1) % this.clients.length;
    return index;
  }

  /**
   * The channel for the circuit's probe. One still in reconnect backoff from the outage would
   * fail the probe at once, without reaching a scanner that is back, and keep the circuit open
   * for another timeout; it is replaced by a fresh channel, which connects at once. (grpc-js
   * has no way to reset a channel's backoff.) Nothing else is using it: it is not connected.
   */
  private probeClient(): ScannerServiceClient {
    const index = this.nextChannelIndex();
    const current = this.channelClient(index);
    if (current.getChannel().getConnectivityState(false) !== connectivityState.TRANSIENT_FAILURE) return current;
    const fresh = this.newChannelClient();
    this.clients[index] = fresh;
    if (index === 0) this.health = this.newHealthClient(fresh);
    current.close();
    this.logger?.info({ channel: index }, "probing the scanner on a fresh channel: the old one was backing off");
    return fresh;
  }

  private channelClient(index: number): ScannerServiceClient {
    const client = this.clients[index];
    if (!client) throw new RangeError(`no channel ${index}`);
    return client;
  }
}

/**
 * One unary call's time: the caller's signal and deadline folded into one signal that the
 * policies and the attempt in flight listen to, and a promise that rejects when it fires.
 */
class CallScope {
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  /** Rejects with the reason the caller stopped waiting; never resolves. */
  readonly ended: Promise<never>;
  private readonly controller = new AbortController();
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort = (): void => this.controller.abort(callerAbortReason(this.callerSignal?.reason));
  private timer: NodeJS.Timeout | undefined;

  constructor({ signal, deadline }: ScannerCallOptions) {
    this.signal = this.controller.signal;
    this.callerSignal = signal;
    this.deadlineMs = deadline ? deadline.getTime() : Number.POSITIVE_INFINITY;
    if (Number.isNaN(this.deadlineMs)) throw new RangeError("the deadline is not a valid date");
    this.ended = new Promise<never>((_resolve, reject) => {
      this.signal.addEventListener("abort", () => reject(this.reason()), { once: true });
    });
    // Only ever raced; a rejection nobody is racing any more is not an error.
    this.ended.catch(() => undefined);

    if (signal?.aborted) {
      this.onCallerAbort();
      return;
    }
    signal?.addEventListener("abort", this.onCallerAbort, { once: true });
    const remainingMs = this.remainingMs();
    if (remainingMs <= 0) this.controller.abort(deadlinePassed());
    else if (remainingMs <= MAX_TIMER_MS) this.timer = setTimeout(() => this.controller.abort(deadlinePassed()), remainingMs);
  }

  remainingMs(): number {
    return this.deadlineMs - Date.now();
  }

  /** The caller aborted, or its deadline passed (even if the timer has not fired yet). */
  isOver(): boolean {
    return this.signal.aborted || this.remainingMs() <= 0;
  }

  reason(): RpcError {
    if (this.signal.aborted) {
      const reason: unknown = this.signal.reason;
      return reason instanceof RpcError ? reason : callerAbortReason(reason);
    }
    return deadlinePassed();
  }

  throwIfOver(): void {
    if (this.isOver()) throw this.reason();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.callerSignal?.removeEventListener("abort", this.onCallerAbort);
  }
}

// A function, so the compiler does not carry a check made before an await past it.
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function callerAbortReason(reason: unknown): RpcError {
  return reason instanceof RpcError ? reason : cancelled("the call to the scanner was cancelled");
}

function deadlinePassed(): RpcError {
  return deadlineExceeded("the deadline passed before the scanner answered");
}

function isFailure(result: unknown): result is Extract<Outcome<unknown>, { ok: false }> {
  return typeof result === "object" && result !== null && "ok" in result && result.ok === false && "error" in result;
}

/** The RpcError behind a failed attempt, whether it was thrown or passed as a value. */
function failureOf(reason: FailureReason<unknown>): RpcError | undefined {
  if ("error" in reason) return reason.error instanceof RpcError ? reason.error : undefined;
  return isFailure(reason.value) ? reason.value.error : undefined;
}

/**
 * The jittered exponential backoff, stretched to the server's RetryInfo when it asks for
 * longer, and cut at the caller's deadline: sleeping past it would only hold a bulkhead slot.
 */
function honouringRetryInfo(
  steps: IBackoffFactory<IRetryBackoffContext<unknown>>,
  scope: CallScope,
): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return {
    next(context): IBackoff<IRetryBackoffContext<unknown>> {
      const step = steps.next(context);
      const advisedMs = failureOf(context.result)?.details.retryDelayMs ?? 0;
      const duration = Math.min(Math.max(step.duration, Math.ceil(advisedMs)), Math.max(0, scope.remainingMs()));
      return { duration, next: (nextContext) => honouringRetryInfo(step, scope).next(nextContext) };
    },
  };
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}, got ${value}`);
  return value;
}

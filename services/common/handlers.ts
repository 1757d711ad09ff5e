import { once } from "node:events";
import {
  Metadata,
  status as GrpcStatus,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerUnaryCall,
  type ServerWritableStream,
  type StatusObject,
} from "@grpc/grpc-js";
import { context as traceContext } from "@opentelemetry/api";
import type { Scope } from "./auth/api-keys.js";
import { identityOf, type Caller } from "./call-identity.js";
import { cancelled, deadlineExceeded, internal, RpcError } from "./errors.js";
import type { Logger } from "./logger.js";
import { TimeLimitQueue, type TimeLimit } from "./time-limits.js";
import { isServiceError, rpcErrorToStatus, STATUS_DETAILS_KEY } from "./status-details.js";
import { serverContextOf } from "./tracing/server-spans.js";
import { tracingIsOn } from "./tracing/tracer.js";
import { UndecodableRequest } from "./undecodable-request.js";

/**
 * What a handler knows about its call besides the request: only what the server decided
 * (the call's identity: request id and caller), never the caller's raw metadata.
 */
export interface CallContext {
  readonly requestId: string;
  /** Who is calling: an API key's client, or the host the call comes from. */
  readonly caller: Caller;
  /**
   * What the caller may do: its API key's scopes, or every scope while keys are off (the
   * key check, not the handler, refuses a call outside them).
   */
  readonly scopes: ReadonlySet<Scope>;
  /**
   * When the call must be answered by, epoch milliseconds: the caller's deadline or the
   * server's time limit (REQUEST_TIMEOUT, unary calls), whichever comes first; Infinity for
   * neither. What a handler passes on to the calls it makes for this one.
   */
  readonly deadline: number;
  /** Aborted when the caller cancels or the call's time is up; its reason is an RpcError. */
  readonly signal: AbortSignal;
  /** A logger that stamps every line with the call's method and request id. */
  readonly logger: Logger;
}

/** While API keys are off every caller may do everything. */
const EVERY_SCOPE: ReadonlySet<Scope> = new Set<Scope>(["scan", "admin"]);

export interface HandlerOptions {
  readonly logger: Logger;
  /** Longest a unary call may run, milliseconds (REQUEST_TIMEOUT); a shorter caller deadline wins. */
  readonly requestTimeoutMs: number;
}

/** Sends a server stream's messages, never buffering past the transport's high-water mark. */
export interface StreamSink<Response> {
  /**
   * Writes one message. Resolves at once while the transport has room, otherwise when it
   * drains; rejects with the call's abort reason once the caller has gone.
   */
  send(message: Response): Promise<void>;
}

/**
 * A call's context. Its signal and its child logger are made when first asked for: a handler
 * that never looks at them (one answering from memory, logging nothing of its own) does not pay
 * for an AbortController and a logger on every call.
 */
class HandlerContext implements CallContext {
  private controller: AbortController | undefined;
  private abortReason: RpcError | undefined;
  private childLogger: Logger | undefined;

  constructor(
    readonly requestId: string,
    readonly caller: Caller,
    private readonly serviceLogger: Logger,
    private readonly method: string,
    /** Starts listening for the caller's cancel: only a handler that holds the signal needs to hear of it. */
    private readonly watchCancel: () => void,
    /** The call, for the caller's deadline, read only when a handler asks for the deadline. */
    private readonly call: ServerCall,
    /** When the server's own time limit ends, epoch milliseconds; Infinity without one. */
    private readonly timeLimitEndsAt: number,
  ) {}

  get scopes(): ReadonlySet<Scope> {
    return this.caller.kind === "client" ? this.caller.client.scopes : EVERY_SCOPE;
  }

  get deadline(): number {
    return Math.min(deadlineOf(this.call), this.timeLimitEndsAt);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
      else this.watchCancel();
    }
    return this.controller.signal;
  }

  get logger(): Logger {
    return (this.childLogger ??= this.serviceLogger.child({ method: this.method, requestId: this.requestId }));
  }

  /** Aborts the call; the first reason stands. */
  abort(reason: RpcError): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

type ServerCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;

interface CallScope {
  readonly context: CallContext;
  close(): void;
}

/** How a call's time limit is kept: a timer of its own, or an entry in its handler's shared queue. */
type TimeLimitPlan = { readonly ms: number; readonly queue?: TimeLimitQueue } | undefined;

/**
 * Opens the call's scope, or gives the error to answer when the call was never identified:
 * a handler served outside GrpcServer, whose interceptors identify every call. That is a
 * wiring bug, answered INTERNAL, not a call to serve with a made-up identity. `onAbort` hears
 * of the caller cancelling or the time running out, right after the signal does.
 */
function openScope(
  call: ServerCall,
  method: string,
  options: HandlerOptions,
  limit: TimeLimitPlan,
  onAbort?: (reason: RpcError) => void,
): CallScope | RpcError {
  const identity = identityOf(call.metadata);
  if (!identity) {
    options.logger.error({ method }, "a call reached its handler without an identity");
    return internal("the call was not identified; refusing it");
  }
  // grpc-js ends a call whose deadline passes (DEADLINE_EXCEEDED to the caller) and reports it
  // as a cancel: the handler is told which it was. A call that ends so is over for grpc-js
  // whatever we do, so only a handler holding the signal is told: listening on every call cost
  // a listener added and removed per call.
  let watching = false;
  const onCancelled = (): void => abort(deadlinePassed(call) ? deadlineExceeded("the call ran past its deadline") : cancelled("the caller cancelled the call"));
  const watchCancel = (): void => {
    if (watching) return;
    watching = true;
    if (call.cancelled) onCancelled();
    else call.on("cancelled", onCancelled);
  };
  const timeLimitEndsAt = limit ? Date.now() + limit.ms : Number.POSITIVE_INFINITY;
  const context = new HandlerContext(identity.requestId, identity.caller, options.logger, method, watchCancel, call, timeLimitEndsAt);
  const abort = (reason: RpcError): void => {
    context.abort(reason);
    onAbort?.(reason);
  };
  const expire = (): void => abort(deadlineExceeded(`the call ran past its time limit of ${limit?.ms ?? 0} ms`));
  let timer: NodeJS.Timeout | undefined;
  let queued: TimeLimit | undefined;
  if (limit?.queue) queued = limit.queue.start(expire);
  else if (limit) timer = setTimeout(expire, Math.max(0, limit.ms));
  return {
    context,
    close() {
      if (timer) clearTimeout(timer);
      queued?.cancel();
      if (watching) call.off("cancelled", onCancelled);
    },
  };
}

/** The caller's deadline, epoch milliseconds; Infinity without one. */
function deadlineOf(call: ServerCall): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

function deadlinePassed(call: ServerCall): boolean {
  return deadlineOf(call) <= Date.now();
}

/**
 * A unary call's time limit: REQUEST_TIMEOUT, kept in the handler's queue, unless the caller's
 * deadline comes first; grpc-js then ends the call at the deadline itself, and a timer of ours
 * would only repeat it.
 */
function unaryTimeLimit(call: ServerCall, queue: TimeLimitQueue): TimeLimitPlan {
  const deadlineMs = deadlineOf(call);
  if (Number.isFinite(deadlineMs) && deadlineMs - Date.now() < queue.limitMs) return undefined;
  return { ms: queue.limitMs, queue };
}

/**
 * The status a failed call ends with. Our errors keep their code and details; a status
 * from a downstream call is passed on; anything else is a bug, logged in full and
 * answered INTERNAL without internals, never UNKNOWN.
 */
export function errorToStatus(error: unknown, context: CallContext): StatusObject {
  const reason: unknown = context.signal.aborted ? context.signal.reason : error;
  if (reason instanceof RpcError) return rpcErrorToStatus(reason);
  if (isServiceError(reason)) {
    const metadata = new Metadata();
    const details = reason.metadata.get(STATUS_DETAILS_KEY)[0];
    if (details !== undefined) metadata.set(STATUS_DETAILS_KEY, details);
    return { code: reason.code, details: reason.details, metadata };
  }
  context.logger.error({ err: reason }, "unexpected error in handler");
  return {
    code: GrpcStatus.INTERNAL,
    details: `internal error; request id ${context.requestId}`,
    metadata: new Metadata(),
  };
}

/** The request, or INVALID_ARGUMENT thrown for one whose bytes did not decode. */
function decoded<Request>(request: Request): Request {
  if (request instanceof UndecodableRequest) throw request.toError();
  return request;
}

/** Adapts an async unary handler to grpc-js: time limit, cancellation, error mapping. */
export function unaryHandler<Request, Response>(
  method: string,
  handle: (request: Request, context: CallContext) => Promise<Response>,
  options: HandlerOptions,
): handleUnaryCall<Request, Response> {
  const timeLimits = new TimeLimitQueue(options.requestTimeoutMs);
  const tracing = tracingIsOn();
  return (call, callback) => {
    let answered = false;
    const answer = (error: unknown, response?: Response): void => {
      if (answered || scope instanceof RpcError) return;
      answered = true;
      scope.close();
      if (error === undefined) callback(null, response);
      else callback(errorToStatus(error, scope.context));
    };
    // The caller is answered when time is up, even if the handler has not noticed yet.
    const scope = openScope(call, method, options, unaryTimeLimit(call, timeLimits), answer);
    if (scope instanceof RpcError) {
      callback(rpcErrorToStatus(scope));
      return;
    }
    // A handler that throws before returning its promise is answered like one that rejects.
    let answering: Promise<Response>;
    try {
      // Inside the call's SERVER span when tracing is on: the handler's spans and lines are its children.
      const callContext = tracing ? serverContextOf(call.metadata) : undefined;
      const request = decoded(call.request);
      answering = callContext ? traceContext.with(callContext, handle, undefined, request, scope.context) : handle(request, scope.context);
    } catch (error) {
      answer(error ?? new Error("handler threw without a reason"));
      return;
    }
    // Straight on the handler's promise: wrapping it in one more cost two extra turns of the
    // microtask queue on every call.
    answering.then(
      (response) => answer(undefined, response),
      (error: unknown) => answer(error ?? new Error("handler rejected without a reason")),
    );
  };
}

/**
 * Adapts an async server-streaming handler to grpc-js. The stream lives until the handler
 * settles or the caller goes; writes wait for `drain`, raced against cancellation.
 */
export function serverStreamHandler<Request, Response>(
  method: string,
  handle: (request: Request, sink: StreamSink<Response>, context: CallContext) => Promise<void>,
  options: HandlerOptions,
): handleServerStreamingCall<Request, Response> {
  const tracing = tracingIsOn();
  return (call) => {
    const deadlineMs = deadlineOf(call);
    const scope = openScope(call, method, options, Number.isFinite(deadlineMs) ? { ms: deadlineMs - Date.now() } : undefined);
    if (scope instanceof RpcError) {
      call.emit("error", rpcErrorToStatus(scope));
      return;
    }
    const { signal } = scope.context;
    const sink: StreamSink<Response> = {
      async send(message) {
        signal.throwIfAborted();
        if (call.write(message)) return;
        await once(call, "drain", { signal }).catch((error: unknown) => {
          throw signal.aborted ? signal.reason : error;
        });
      },
    };
    const callContext = tracing ? serverContextOf(call.metadata) : undefined;
    const running = (): Promise<void> => handle(decoded(call.request), sink, scope.context);
    new Promise<void>((resolve) => resolve(callContext ? traceContext.with(callContext, running) : running())).then(
      () => {
        scope.close();
        if (!signal.aborted) call.end();
      },
      (error: unknown) => {
        scope.close();
        if (call.cancelled) return;
        call.emit("error", errorToStatus(error, scope.context));
      },
    );
  };
}

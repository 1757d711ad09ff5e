// The one socket to TWS/IB Gateway: connecting, reconnecting after a drop, what state the
// market data is in, and routing each incoming message to whoever sent the request it
// answers. A fresh IBApi is made for every attempt: the library queues commands issued
// while its socket is down and would flush them, unpaced, into the next session.
import { EventName, IBApi, type ContractDetails } from "@stoqey/ib";
import { BackoffSequence } from "../../../common/backoff.js";
import type { Logger } from "../../../common/logger.js";
import { connectionNotice, IbCode, type ConnectionNotice } from "./ib-errors.js";
import type { OptionComputation } from "./quote-ticks.js";
import { RequestSpans } from "./request-spans.js";

/** What a request's sender hears back. Every method is optional: a request gets only its own kinds. */
export interface RequestHandler {
  onError?(code: number, message: string): void;
  onTickPrice?(field: number, value: number | undefined): void;
  onTickSize?(field: number | undefined, value: number | undefined): void;
  onOptionComputation?(field: number, computation: OptionComputation): void;
  onMarketDataType?(type: number): void;
  onSnapshotEnd?(): void;
  onContractDetails?(details: ContractDetails): void;
  onContractDetailsEnd?(): void;
  onOptionParameters?(parameters: OptionParameters): void;
  onOptionParametersEnd?(): void;
  /** One bar of a historical data answer: its date as TWS wrote it and its close. */
  onHistoricalBar?(date: string, close: number): void;
  /** The historical data answer is complete. */
  onHistoricalDataEnd?(): void;
  /** The socket dropped with the request outstanding: it will never be answered. */
  onDisconnect?(): void;
}

/** One securityDefinitionOptionParameter message: the options of one exchange and trading class. */
export interface OptionParameters {
  readonly exchange: string;
  readonly underlyingConId: number;
  readonly tradingClass: string;
  readonly multiplier: string;
  readonly expirations: readonly string[];
  readonly strikes: readonly number[];
}

export type ConnectionState = "connecting" | "ready" | "down" | "closed";

export interface ConnectionListener {
  /** The session is up and requests may be sent; `reconnected` after a drop. */
  onReady?(reconnected: boolean): void;
  /** The socket dropped; a reconnect is scheduled. */
  onDown?(): void;
  /** A message without a request id: connectivity (1100/1101/1102), competing session, pacing… */
  onNotice?(notice: ConnectionNotice, code: number, message: string): void;
}

export interface IbConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: number;
  /** The library's own send limiter; ours paces below it, so it is only a backstop. */
  readonly maxMessagesPerSecond: number;
  readonly logger: Logger;
  /** First reconnect delay; doubles per failed attempt up to reconnectMaxDelayMs. */
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** An attempt that has not completed the API handshake (nextValidId) by then is dropped and retried. */
  readonly handshakeTimeoutMs?: number;
  readonly listener: ConnectionListener;
}

const DEFAULT_RECONNECT_INITIAL_MS = 250;
const DEFAULT_RECONNECT_MAX_MS = 10_000;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** TWS keeps a dropped session's client id for a moment; retrying sooner only earns error 326 again. */
const CLIENT_ID_IN_USE_DELAY_MS = 2000;
/** ±this fraction of randomness keeps many clients of one Gateway from reconnecting in step. */
const JITTER = 0.2;

export class IbConnection {
  private readonly options: IbConnectionOptions;
  private readonly logger: Logger;
  private readonly handlers = new Map<number, RequestHandler>();
  private api: IBApi | undefined;
  private currentState: ConnectionState = "connecting";
  private everReady = false;
  private attempt = 0;
  private nextId = 1;
  /** With tracing on, the span each request counts on and adds its errors to. */
  private readonly requestSpans = new RequestSpans();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private nextDelayFloorMs = 0;
  private readonly reconnectBackoff: BackoffSequence;
  private readonly readyWaiters = new Set<() => void>();

  constructor(options: IbConnectionOptions) {
    this.options = options;
    this.logger = options.logger;
    this.reconnectBackoff = new BackoffSequence({
      initialDelayMs: options.reconnectInitialDelayMs ?? DEFAULT_RECONNECT_INITIAL_MS,
      maxDelayMs: options.reconnectMaxDelayMs ?? DEFAULT_RECONNECT_MAX_MS,
      jitter: JITTER,
    });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get isReady(): boolean {
    return this.currentState === "ready";
  }

  /** Whether the first session has been established yet (fetches wait for it rather than fail). */
  get hasBeenReady(): boolean {
    return this.everReady;
  }

  /** Starts the first attempt; reconnects follow by themselves until close(). */
  start(): void {
    if (this.api || this.currentState === "closed") return;
    this.connect();
  }

  /** Resolves once ready; false when `timeoutMs` passes, the signal aborts or the connection closes first. */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.isReady) return Promise.resolve(true);
    if (this.currentState === "closed" || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ready: boolean): void => {
        clearTimeout(timer);
        this.readyWaiters.delete(onReady);
        signal?.removeEventListener("abort", onAbort);
        resolve(ready);
      };
      const onReady = (): void => finish(this.isReady);
      const onAbort = (): void => finish(false);
      const timer = setTimeout(onAbort, timeoutMs);
      timer.unref();
      this.readyWaiters.add(onReady);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A request id unique for the life of this object (TWS wants them unique per session). */
  nextRequestId(): number {
    return this.nextId++;
  }

  register(reqId: number, handler: RequestHandler): void {
    this.handlers.set(reqId, handler);
    this.requestSpans.sent(reqId);
  }

  unregister(reqId: number): void {
    this.handlers.delete(reqId);
    this.requestSpans.done(reqId);
  }

  /**
   * Runs `action` against the live session; false (and nothing sent) when there is none, so a
   * request made while down is never queued inside the library for a later session.
   */
  send(action: (api: IBApi) => void): boolean {
    const api = this.api;
    if (this.currentState !== "ready" || !api) return false;
    action(api);
    return true;
  }

  /** Drops the socket as if the network had, to test or to force a fresh session. */
  dropSession(): void {
    this.api?.disconnect();
  }

  close(): void {
    if (this.currentState === "closed") return;
    this.currentState = "closed";
    this.clearTimers();
    const api = this.api;
    this.api = undefined;
    if (api) {
      api.removeAllListeners();
      if (api.isConnected) api.disconnect();
    }
    this.failOutstanding();
    this.notifyReadyWaiters();
  }

  private connect(): void {
    if (this.currentState === "closed") return;
    this.currentState = "connecting";
    const { host, port, clientId, maxMessagesPerSecond } = this.options;
    // host and port go to the library explicitly: its defaults (and its IB_PORT-reading
    // configuration) are not ours.
    const api = new IBApi({ host, port, maxReqPerSec: maxMessagesPerSecond });
    this.api = api;
    this.wire(api);
    this.handshakeTimer = setTimeout(() => {
      this.handshakeTimer = undefined;
      if (this.api === api && this.currentState === "connecting") {
        this.logger.warn({ host, port }, "ibkr: no API handshake from TWS/IB Gateway in time; retrying");
        this.lost(api);
      }
    }, this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    this.handshakeTimer.unref();
    this.logger.debug({ host, port, clientId, attempt: this.attempt }, "ibkr: connecting");
    api.connect(clientId);
  }

  private wire(api: IBApi): void {
    const current = (): boolean => this.api === api;
    api.on(EventName.nextValidId, () => {
      if (!current() || this.currentState !== "connecting") return;
      this.clearHandshakeTimer();
      const reconnected = this.everReady;
      this.currentState = "ready";
      this.everReady = true;
      this.attempt = 0;
      this.reconnectBackoff.reset();
      this.logger.info({ host: this.options.host, port: this.options.port, reconnected }, "ibkr: connected to TWS/IB Gateway");
      this.options.listener.onReady?.(reconnected);
      this.notifyReadyWaiters();
    });
    api.on(EventName.disconnected, () => {
      if (current()) this.lost(api);
    });
    api.on(EventName.info, (message: string, code: number) => {
      if (!current()) return;
      const notice = connectionNotice(code);
      if (notice === "client-id-in-use") this.nextDelayFloorMs = CLIENT_ID_IN_USE_DELAY_MS;
      this.options.listener.onNotice?.(notice, code, message);
    });
    api.on(EventName.error, (error: Error, code: number, reqId: number) => {
      if (!current()) return;
      const handler = reqId >= 0 ? this.handlers.get(reqId) : undefined;
      if (handler) this.requestSpans.errored(reqId, code, error.message);
      if (handler?.onError) {
        handler.onError(code, error.message);
        return;
      }
      if (reqId < 0) {
        // Errors without a request come from the library itself (a failed connect, a send
        // while down); the disconnected event that follows does the work.
        if (code === IbCode.CONNECT_FAIL || code === IbCode.NOT_CONNECTED) {
          this.logger.debug({ code, message: error.message }, "ibkr: socket error");
        } else {
          this.options.listener.onNotice?.(connectionNotice(code), code, error.message);
        }
        return;
      }
      this.logger.debug({ code, reqId, message: error.message }, "ibkr: error for a request no longer tracked");
    });
    api.on(EventName.tickPrice, (reqId: number, field: number, value: number | undefined) => {
      if (current()) this.handlers.get(reqId)?.onTickPrice?.(field, value);
    });
    api.on(EventName.tickSize, (reqId: number, field: number | undefined, value: number | undefined) => {
      if (current()) this.handlers.get(reqId)?.onTickSize?.(field, value);
    });
    api.on(
      EventName.tickOptionComputation,
      (
        reqId: number,
        field: number,
        _tickAttrib: number | undefined,
        impliedVolatility?: number,
        delta?: number,
        _optPrice?: number,
        pvDividend?: number,
        gamma?: number,
        vega?: number,
        theta?: number,
        underlyingPrice?: number,
      ) => {
        if (!current()) return;
        this.handlers.get(reqId)?.onOptionComputation?.(field, { impliedVolatility, delta, gamma, vega, theta, underlyingPrice, pvDividend });
      },
    );
    api.on(EventName.marketDataType, (reqId: number, type: number) => {
      if (current()) this.handlers.get(reqId)?.onMarketDataType?.(type);
    });
    api.on(EventName.tickSnapshotEnd, (reqId: number) => {
      if (current()) this.handlers.get(reqId)?.onSnapshotEnd?.();
    });
    api.on(EventName.contractDetails, (reqId: number, details: ContractDetails) => {
      if (current()) this.handlers.get(reqId)?.onContractDetails?.(details);
    });
    api.on(EventName.contractDetailsEnd, (reqId: number) => {
      if (current()) this.handlers.get(reqId)?.onContractDetailsEnd?.();
    });
    api.on(
      EventName.securityDefinitionOptionParameter,
      (reqId: number, exchange: string, underlyingConId: number, tradingClass: string, multiplier: string, expirations: string[], strikes: number[]) => {
        if (!current()) return;
        this.handlers.get(reqId)?.onOptionParameters?.({ exchange, underlyingConId, tradingClass, multiplier, expirations, strikes });
      },
    );
    api.on(EventName.securityDefinitionOptionParameterEnd, (reqId: number) => {
      if (current()) this.handlers.get(reqId)?.onOptionParametersEnd?.();
    });
    // @stoqey/ib ends an answer with a bar dated "finished-<start>-<end>" (prices -1).
    api.on(EventName.historicalData, (reqId: number, date: string, _open: number, _high: number, _low: number, close: number) => {
      if (!current()) return;
      const handler = this.handlers.get(reqId);
      if (date.startsWith("finished")) handler?.onHistoricalDataEnd?.();
      else handler?.onHistoricalBar?.(date, close);
    });
  }

  /** The session `api` is gone (socket closed or handshake never finished): tell everyone, retry later. */
  private lost(api: IBApi): void {
    if (this.api !== api || this.currentState === "closed") return;
    this.clearHandshakeTimer();
    const wasReady = this.currentState === "ready";
    this.api = undefined;
    api.removeAllListeners();
    if (api.isConnected) api.disconnect();
    this.currentState = "down";
    if (wasReady) this.logger.warn({ host: this.options.host, port: this.options.port }, "ibkr: connection to TWS/IB Gateway lost; reconnecting");
    this.failOutstanding();
    this.options.listener.onDown?.();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.currentState === "closed" || this.reconnectTimer !== undefined) return;
    const delay = Math.max(this.nextDelayFloorMs, this.reconnectBackoff.next());
    this.nextDelayFloorMs = 0;
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private failOutstanding(): void {
    const handlers = [...this.handlers.values()];
    this.handlers.clear();
    for (const handler of handlers) handler.onDisconnect?.();
  }

  private notifyReadyWaiters(): void {
    for (const waiter of [...this.readyWaiters]) waiter();
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  private clearTimers(): void {
    this.clearHandshakeTimer();
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }
}

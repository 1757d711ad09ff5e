// What one symbol's market data is now (live, delayed, frozen or unavailable since when, and
// why), derived from what the provider already gives a feed: each chain's delayed and frozen
// flags, and the feed's errors. A chain after an error means the data is back. Watchers of the
// symbol subscribe to hear every change.
import { MarketDataState, type MarketDataStatus } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { RpcError } from "../common/errors.js";

/** What a chain (or a result scanned from one) says about its quotes. */
export interface QuoteFlags {
  readonly delayed: boolean;
  readonly frozen: boolean;
}

/** The state a chain's flags say: frozen before delayed (frozen delayed quotes do not move either). */
export function stateOfQuotes(flags: QuoteFlags): MarketDataState {
  if (flags.frozen) return MarketDataState.MARKET_DATA_STATE_FROZEN;
  if (flags.delayed) return MarketDataState.MARKET_DATA_STATE_DELAYED;
  return MarketDataState.MARKET_DATA_STATE_LIVE;
}

/** A feed's error in words: our RpcErrors carry the broker's code and text in their message. */
export function reasonOf(error: unknown): string {
  if (error instanceof RpcError || error instanceof Error) return error.message;
  return String(error);
}

/** Two statuses a watcher could not tell apart: the same state for the same reason. */
export function sameStatus(a: MarketDataStatus, b: MarketDataStatus): boolean {
  return a.state === b.state && a.reason === b.reason;
}

export class SymbolMarketData {
  private current: MarketDataStatus;
  private readonly listeners = new Set<(status: MarketDataStatus) => void>();

  constructor(
    readonly symbol: string,
    private readonly now: () => Date,
  ) {
    // Until a chain says otherwise: the simulated market's chains keep it so, and say nothing.
    this.current = { symbol, state: MarketDataState.MARKET_DATA_STATE_LIVE, since: now(), reason: "" };
  }

  get status(): MarketDataStatus {
    return this.current;
  }

  /** A chain (or a result scanned from one) arrived: the data flows, live, delayed or frozen. */
  observeQuotes(flags: QuoteFlags): void {
    this.change(stateOfQuotes(flags), "");
  }

  /**
   * A result relayed by a coordinator that does not run the feed: what its chain's flags say,
   * except that a chain from before an outage began (a reconnecting watch's snapshot) does not
   * end it.
   */
  observeResult(result: QuoteFlags & { readonly chainAsOf?: Date | undefined }): void {
    const outageSince = this.current.state === MarketDataState.MARKET_DATA_STATE_UNAVAILABLE ? this.current.since : undefined;
    if (outageSince && !(result.chainAsOf && result.chainAsOf > outageSince)) return;
    this.observeQuotes(result);
  }

  /** The status the feed's owner told the fleet, as it is (its `since` and reason). */
  adopt(status: MarketDataStatus): void {
    if (status.state === MarketDataState.MARKET_DATA_STATE_UNSPECIFIED || sameStatus(status, this.current)) return;
    this.current = { ...status, symbol: this.symbol };
    for (const listener of [...this.listeners]) listener(this.current);
  }

  /** The feed failed: no data reaches it until the next chain. */
  observeError(error: unknown): void {
    this.change(MarketDataState.MARKET_DATA_STATE_UNAVAILABLE, reasonOf(error));
  }

  /** Calls `listener` with every change from now on; returns the unsubscribe. */
  subscribe(listener: (status: MarketDataStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private change(state: MarketDataState, reason: string): void {
    const previous = this.current;
    if (previous.state === state && previous.reason === reason) return;
    // A new reason for the same outage keeps the time it began: the data has been gone since then.
    const since = previous.state === state ? previous.since : this.now();
    this.current = { symbol: this.symbol, state, since, reason };
    for (const listener of [...this.listeners]) listener(this.current);
  }
}

// Where the coordinator's option chains come from: the simulated market (the default) or
// IBKR. Both answer the same questions, so nothing else in the coordinator knows which.
import type { OptionChain, OptionQuote } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { IvHistorySource } from "./iv-history/iv-history-source.js";

export interface ChainRequest {
  /** Upper-case ticker, already validated by the caller. */
  readonly symbol: string;
  /** The scan the chain is for: a provider may fetch only what its filters can reach. */
  readonly query?: ScanQuery | undefined;
  /** Stops the fetch; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/** A live feed of one symbol's chain; `close` stops it and releases what it holds. */
export interface ChainFeed {
  close(): void;
  /**
   * Present when the feed streams only the contracts its queries can reach (IBKR, whose line
   * cap rules out the whole chain): from now on it streams for these queries, in place of the
   * ones it had (at first the request's), and stops the lines only the dropped ones needed.
   * Absent when every chain of the feed is the whole chain (the simulated market).
   */
  setQueries?(queries: readonly (ScanQuery | undefined)[]): void;
  /**
   * Present with setQueries: which contracts the feed's queries reach now (streamed, or quoted
   * again in turns). Undefined until its queries are planned.
   */
  reach?(): FeedReach | undefined;
}

/** The contracts a feed keeps current. */
export interface FeedReach {
  /** False while queries it was given are still being planned: the reach is about to change. */
  readonly settled: boolean;
  reaches(quote: OptionQuote): boolean;
}

export interface FeedListener {
  /** A new full chain (with its own as-of time). Called at most once per tick of the source. */
  onChain(chain: OptionChain): void;
  /** The feed failed; it keeps trying to recover until closed. */
  onError(error: unknown): void;
}

export interface MarketDataProvider {
  /** "simulated" or "ibkr": reported in logs and in the chains' `source`. */
  readonly name: string;
  /**
   * The symbol's chain now. Rejects with RpcError NOT_FOUND for a symbol the source does not
   * know, UNAVAILABLE while the source is down.
   */
  fetchChain(request: ChainRequest): Promise<OptionChain>;
  /** Starts live updates of the symbol's chain until the feed is closed. */
  openFeed(request: ChainRequest, listener: FeedListener): ChainFeed;
  /**
   * The provider's daily implied volatility history, which the coordinator attaches to every
   * chain (iv-history/); absent when the provider has none.
   */
  readonly ivHistory?: IvHistorySource;
  /** Whether the source can serve now: the coordinator's readiness depends on it. */
  isAvailable(): boolean;
  close(): Promise<void>;
}

// What a universe scan needs of the watchlists: one owner's watchlist by name.
export interface StoredWatchlist {
  readonly name: string;
  /** Upper-cased tickers, each once, in the order given. */
  readonly symbols: readonly string[];
  readonly createTime: Date;
  readonly updateTime: Date;
}

export interface WatchlistLookup {
  /** The owner's watchlist of that name, or undefined when there is none. */
  get(owner: string, name: string): Promise<StoredWatchlist | undefined>;
}

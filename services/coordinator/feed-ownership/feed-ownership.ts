// Who runs a symbol's market feed when several coordinators serve watchers of it. IBKR counts
// market data lines and messages per session, so the fleet runs one feed per symbol: its
// owner's. The others relay the scanner's watch, which the owner's chains reach.
import type { FeedStatusChannel } from "./feed-status-channel.js";

/** What a claim tells the feeds: run the feed now, or stop it at once. */
export interface ClaimHandlers {
  /**
   * This coordinator runs the feed from now on. `local` is true when it does so without a
   * lease (NATS unreachable for longer than a lease lives: no other lease can be valid).
   */
  acquired(local: boolean): void;
  /** This coordinator must stop its feed now: its lease is lost or could expire. */
  lost(reason: string): void;
}

export interface FeedClaim {
  /** Settles once the first attempt to take the lease is answered, taken or not. */
  readonly decided: Promise<void>;
  /** Whether this coordinator runs the feed now. */
  readonly owned: boolean;
  /** The last watcher left: stop competing, and give the lease up if held (after the feed stopped). */
  release(): Promise<void>;
}

export interface FeedOwnership {
  /** The symbols' market data statuses across the fleet: the owner's, told to the others' watchers. */
  readonly statuses?: FeedStatusChannel;
  /** Competes for `symbol`'s feed until released. */
  claim(symbol: string, handlers: ClaimHandlers): FeedClaim;
  /** Gives up every lease and disconnects. */
  close(): Promise<void>;
}

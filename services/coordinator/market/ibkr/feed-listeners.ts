// The watchers of one live feed. A listener that throws is told through onError; one that
// throws from onError too has nobody left to tell, and the others are served regardless. A chain
// with no bid or ask anywhere (a closed market without frozen data) is not passed on as if it
// were live: the listeners hear why instead, once until a chain with a market comes again.
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { FeedListener } from "../market-data-provider.js";
import { closedMarketError } from "./closed-market.js";

export class FeedListeners {
  private readonly listeners = new Set<FeedListener>();
  private toldClosed = false;

  get size(): number {
    return this.listeners.size;
  }

  add(listener: FeedListener): void {
    this.listeners.add(listener);
  }

  /** True when none is left. */
  remove(listener: FeedListener): boolean {
    this.listeners.delete(listener);
    return this.listeners.size === 0;
  }

  clear(): void {
    this.listeners.clear();
  }

  chain(chain: OptionChain): void {
    const closed = closedMarketError(chain);
    if (closed) {
      if (!this.toldClosed) this.error(closed);
      this.toldClosed = true;
      return;
    }
    this.toldClosed = false;
    for (const listener of [...this.listeners]) {
      try {
        listener.onChain(chain);
      } catch (error) {
        tell(listener, error);
      }
    }
  }

  error(error: unknown): void {
    for (const listener of [...this.listeners]) tell(listener, error);
  }
}

function tell(listener: FeedListener, error: unknown): void {
  try {
    listener.onError(error);
  } catch {
    // Deliberately dropped (see above).
  }
}

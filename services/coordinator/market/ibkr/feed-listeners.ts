// The watchers of one live feed. A listener that throws is told through onError; one that
// throws from onError too has nobody left to tell, and the others are served regardless.
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { FeedListener } from "../market-data-provider.js";

export class FeedListeners {
  private readonly listeners = new Set<FeedListener>();

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

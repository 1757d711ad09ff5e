// Predictive invalidation: when a live feed brings a new chain of a symbol, each cached result
// of that symbol is kept if the update cannot change it (the new chain has the result's reach
// digest, chain-reach.ts) and dropped at once otherwise, in this coordinator's tier and in
// Redis, instead of being served until its TTL ends. A dropped result that callers were asking
// for is recomputed at once (refresh-ahead), so they do not meet a cold miss. A result without a
// digest (from the shared tier, or stored while the symbol had no feed here) cannot be shown
// unchanged, and is dropped by the symbol's next update.
import type { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { CachedScan, ScanCache } from "../scan-cache.js";
import type { CacheWarmingMetrics } from "./cache-warming-metrics.js";
import { ChainReach } from "./chain-reach.js";
import type { RefreshAhead } from "./refresh-ahead.js";

export interface PredictiveInvalidationOptions {
  readonly cache: ScanCache;
  readonly metrics: CacheWarmingMetrics;
  /** The shared tier's removal of a result (compare-and-delete on its job); absent without REDIS_URL. */
  readonly forgetShared?: ((key: string, jobId: string) => Promise<unknown>) | undefined;
  readonly refreshAhead?: Pick<RefreshAhead, "wasAskedFor" | "refreshNow"> | undefined;
}

export class PredictiveInvalidation {
  constructor(private readonly options: PredictiveInvalidationOptions) {}

  /** The digest a result computed on `chain` for `query` is stored with. */
  static digestOf(chain: OptionChain, query: CachedScan["query"]): string | undefined {
    return new ChainReach(chain).of(query);
  }

  /** A feed's new chain of its symbol: keeps or drops each cached result of the symbol. */
  chainUpdated(chain: OptionChain): void {
    const { cache, metrics, forgetShared, refreshAhead } = this.options;
    const keys = cache.keysOf(chain.symbol);
    if (keys.length === 0) return;
    const reach = new ChainReach(chain);
    for (const key of keys) {
      const entry = cache.peek(key);
      if (!entry) continue;
      if (entry.reach !== undefined && reach.of(entry.query) === entry.reach) {
        metrics.kept();
        continue;
      }
      cache.drop(key);
      metrics.invalidatedEarly();
      void forgetShared?.(key, entry.jobId);
      if (refreshAhead?.wasAskedFor(entry)) refreshAhead.refreshNow(chain.symbol, entry.query, key, entry);
    }
  }
}

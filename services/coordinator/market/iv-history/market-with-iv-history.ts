// What the coordinator's assembly calls: its market data provider with IV history attached to
// every chain, cached per symbol per day and kept in the coordinator's database, when the
// provider has a history source; the provider as it is otherwise.
import type { Kysely } from "kysely";
import type { DependencyStatus } from "../../../common/dependency-health.js";
import type { Logger } from "../../../common/logger.js";
import type { DatabaseSchema } from "../../storage/database-schema.js";
import type { MarketDataProvider } from "../market-data-provider.js";
import { withIvHistory } from "./attach-iv-history.js";
import { IvHistoryCache } from "./iv-history-cache.js";
import { IvHistoryStore } from "./iv-history-store.js";

export interface MarketWithIvHistoryOptions {
  readonly db: Kysely<DatabaseSchema>;
  /** A shared database's state (absent for SQLite). */
  readonly health?: DependencyStatus | undefined;
  readonly logger: Logger;
}

export function marketWithIvHistory(provider: MarketDataProvider, { db, health, logger }: MarketWithIvHistoryOptions): MarketDataProvider {
  const source = provider.ivHistory;
  if (!source) return provider;
  const cache = new IvHistoryCache({ source, store: new IvHistoryStore(db, health), logger });
  return withIvHistory(provider, { cache });
}

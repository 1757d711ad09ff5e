// The watchlists kept in the coordinator's database: each owner's own, by name. What a
// universe scan reads (WatchlistLookup) and what WatchlistService changes.
import type { Kysely, Selectable } from "kysely";
import type { DependencyStatus } from "../../common/dependency-health.js";
import type { DatabaseSchema, WatchlistRow } from "../storage/database-schema.js";
import { databaseWork } from "../storage/database-errors.js";
import type { StoredWatchlist, WatchlistLookup } from "./watchlist-lookup.js";

export interface WatchlistStoreOptions {
  /** The clock of create and update times. */
  readonly now?: () => Date;
  /** A shared database's state, marked down while it is away (absent for SQLite). */
  readonly health?: DependencyStatus | undefined;
}

export interface WatchlistPage {
  /** In ascending (byte) order of name. */
  readonly watchlists: readonly StoredWatchlist[];
  /** Whether the owner has watchlists after this page's last. */
  readonly more: boolean;
}

function storedOf(row: Selectable<WatchlistRow>): StoredWatchlist {
  return {
    name: row.name,
    symbols: JSON.parse(row.symbols) as string[],
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
}

/**
 * Takes names and symbols as already checked (WatchlistService validates them); the database
 * keeps names unique per owner. Every method answers UNAVAILABLE while the database is away.
 */
export class WatchlistStore implements WatchlistLookup {
  private readonly now: () => Date;
  private readonly health: DependencyStatus | undefined;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    { now = () => new Date(), health }: WatchlistStoreOptions = {},
  ) {
    this.now = now;
    this.health = health;
  }

  get(owner: string, name: string): Promise<StoredWatchlist | undefined> {
    return this.work(async () => {
      const row = await this.db.selectFrom("watchlists").selectAll().where("owner", "=", owner).where("name", "=", name).executeTakeFirst();
      return row && storedOf(row);
    });
  }

  /** The new watchlist, or undefined when the owner already has one of that name (left as it was). */
  create(owner: string, name: string, symbols: readonly string[]): Promise<StoredWatchlist | undefined> {
    return this.work(async () => {
      const time = this.now().toISOString();
      // ON CONFLICT DO NOTHING: the unique key decides between two creates at once, on any
      // coordinator, and the loser learns it from no row returned, not from a driver's error.
      const row = await this.db
        .insertInto("watchlists")
        .values({ owner, name, symbols: JSON.stringify(symbols), create_time: time, update_time: time })
        .onConflict((conflict) => conflict.columns(["owner", "name"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      return row && storedOf(row);
    });
  }

  /** The watchlist with its new symbols, or undefined when the owner has none of that name. */
  update(owner: string, name: string, symbols: readonly string[]): Promise<StoredWatchlist | undefined> {
    return this.work(async () => {
      const row = await this.db
        .updateTable("watchlists")
        .set({ symbols: JSON.stringify(symbols), update_time: this.now().toISOString() })
        .where("owner", "=", owner)
        .where("name", "=", name)
        .returningAll()
        .executeTakeFirst();
      return row && storedOf(row);
    });
  }

  /** Whether there was such a watchlist to delete. */
  delete(owner: string, name: string): Promise<boolean> {
    return this.work(async () => {
      const result = await this.db.deleteFrom("watchlists").where("owner", "=", owner).where("name", "=", name).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /** Up to `limit` of the owner's watchlists whose names come after `after` ("" from the first). */
  list(owner: string, after: string, limit: number): Promise<WatchlistPage> {
    return this.work(async () => {
      // One more than asked tells whether another page follows.
      const rows = await this.db
        .selectFrom("watchlists")
        .selectAll()
        .where("owner", "=", owner)
        .where("name", ">", after)
        .orderBy("name")
        .limit(limit + 1)
        .execute();
      return { watchlists: rows.slice(0, limit).map(storedOf), more: rows.length > limit };
    });
  }

  private work<T>(body: () => Promise<T>): Promise<T> {
    return databaseWork(body, this.health);
  }
}

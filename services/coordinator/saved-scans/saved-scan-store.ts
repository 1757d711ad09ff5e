// The saved scans kept in the coordinator's database: each owner's own, by name. What the
// alert checker reads (SavedScanLookup) and what SavedScanService changes.
import { sql, type Kysely, type Selectable } from "kysely";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { DependencyStatus } from "../../common/dependency-health.js";
import { databaseWork } from "../storage/database-errors.js";
import type { DatabaseSchema, SavedScanRow } from "../storage/database-schema.js";
import type { SavedScanLookup, StoredAlertSettings, StoredSavedScan } from "./saved-scan-lookup.js";

export interface SavedScanStoreOptions {
  /** The clock of create and update times. */
  readonly now?: () => Date;
  /** A shared database's state, marked down while it is away (absent for SQLite). */
  readonly health?: DependencyStatus | undefined;
}

/** What a create or update writes: the saved scan less its owner, name and times. */
export type SavedScanContent = Omit<StoredSavedScan, "owner" | "name" | "createTime" | "updateTime">;

export interface SavedScanPage {
  /** In ascending (byte) order of name. */
  readonly savedScans: readonly StoredSavedScan[];
  /** Whether the owner has saved scans after this page's last. */
  readonly more: boolean;
}

/** What an update came to: the saved scan as stored, none of that name, or a webhook without a secret to keep. */
export type SavedScanUpdate = { readonly updated: StoredSavedScan } | { readonly missing: true } | { readonly secretRequired: true };

const millisecondsOf = (value: string | number | null): number | undefined => (value === null ? undefined : Number(value));

function alertsOf(row: Selectable<SavedScanRow>): StoredAlertSettings | undefined {
  const checkIntervalMs = millisecondsOf(row.alert_check_interval_ms);
  const retentionMs = millisecondsOf(row.alert_retention_ms);
  if (checkIntervalMs === undefined || retentionMs === undefined) return undefined;
  const webhook = row.webhook_url === null || row.webhook_secret === null ? undefined : { url: row.webhook_url, secret: row.webhook_secret };
  return { checkIntervalMs, retentionMs, webhook };
}

function storedOf(row: Selectable<SavedScanRow>): StoredSavedScan {
  return {
    owner: row.owner,
    name: row.name,
    symbols: JSON.parse(row.symbols) as string[],
    watchlist: row.watchlist,
    query: ScanQuery.fromJSON(JSON.parse(row.query)),
    perSymbolLimit: row.per_symbol_limit,
    alerts: alertsOf(row),
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
}

/** The columns a content sets, the webhook's secret aside (create and update treat it differently). */
function columnsOf(content: SavedScanContent) {
  return {
    symbols: JSON.stringify(content.symbols),
    watchlist: content.watchlist,
    query: JSON.stringify(ScanQuery.toJSON(content.query)),
    per_symbol_limit: content.perSymbolLimit,
    alert_check_interval_ms: content.alerts?.checkIntervalMs ?? null,
    alert_retention_ms: content.alerts?.retentionMs ?? null,
    webhook_url: content.alerts?.webhook?.url ?? null,
  };
}

/**
 * Takes saved scans as already checked (SavedScanService validates them); the database keeps
 * names unique per owner. Every method answers UNAVAILABLE while the database is away.
 */
export class SavedScanStore implements SavedScanLookup {
  private readonly now: () => Date;
  private readonly health: DependencyStatus | undefined;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    { now = () => new Date(), health }: SavedScanStoreOptions = {},
  ) {
    this.now = now;
    this.health = health;
  }

  get(owner: string, name: string): Promise<StoredSavedScan | undefined> {
    return this.work(async () => {
      const row = await this.db.selectFrom("saved_scans").selectAll().where("owner", "=", owner).where("name", "=", name).executeTakeFirst();
      return row && storedOf(row);
    });
  }

  listAlerting(): Promise<StoredSavedScan[]> {
    return this.work(async () => {
      const rows = await this.db
        .selectFrom("saved_scans")
        .selectAll()
        .where("alert_check_interval_ms", "is not", null)
        .orderBy("owner")
        .orderBy("name")
        .execute();
      return rows.map(storedOf);
    });
  }

  /**
   * The new saved scan, or undefined when the owner already has one of that name (left as it
   * was). A webhook's secret must be given (not "").
   */
  create(owner: string, name: string, content: SavedScanContent): Promise<StoredSavedScan | undefined> {
    return this.work(async () => {
      const time = this.now().toISOString();
      // ON CONFLICT DO NOTHING: the unique key decides between two creates at once, on any
      // coordinator, and the loser learns it from no row returned.
      const row = await this.db
        .insertInto("saved_scans")
        .values({ owner, name, ...columnsOf(content), webhook_secret: content.alerts?.webhook?.secret ?? null, create_time: time, update_time: time })
        .onConflict((conflict) => conflict.columns(["owner", "name"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      return row && storedOf(row);
    });
  }

  /**
   * Replaces everything the saved scan scans and how it alerts. A webhook given with secret ""
   * keeps the stored secret; when none is stored the row is left as it was (secretRequired).
   * One statement decides, so a concurrent update on another coordinator cannot slip between
   * the check and the write.
   */
  update(owner: string, name: string, content: SavedScanContent): Promise<SavedScanUpdate> {
    return this.work(async () => {
      const webhook = content.alerts?.webhook;
      const keepSecret = webhook !== undefined && webhook.secret === "";
      let statement = this.db
        .updateTable("saved_scans")
        .set(columnsOf(content))
        .set((eb) => ({ webhook_secret: keepSecret ? eb.ref("webhook_secret") : (webhook?.secret ?? null), update_time: this.now().toISOString() }))
        .where("owner", "=", owner)
        .where("name", "=", name);
      if (keepSecret) statement = statement.where("webhook_secret", "is not", null);
      const row = await statement.returningAll().executeTakeFirst();
      if (row) return { updated: storedOf(row) };
      const exists = await this.db
        .selectFrom("saved_scans")
        .select(sql<number>`1`.as("one"))
        .where("owner", "=", owner)
        .where("name", "=", name)
        .executeTakeFirst();
      return exists ? { secretRequired: true } : { missing: true };
    });
  }

  /** Whether there was such a saved scan to delete. */
  delete(owner: string, name: string): Promise<boolean> {
    return this.work(async () => {
      const result = await this.db.deleteFrom("saved_scans").where("owner", "=", owner).where("name", "=", name).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /** Up to `limit` of the owner's saved scans whose names come after `after` ("" from the first). */
  list(owner: string, after: string, limit: number): Promise<SavedScanPage> {
    return this.work(async () => {
      // One more than asked tells whether another page follows.
      const rows = await this.db
        .selectFrom("saved_scans")
        .selectAll()
        .where("owner", "=", owner)
        .where("name", ">", after)
        .orderBy("name")
        .limit(limit + 1)
        .execute();
      return { savedScans: rows.slice(0, limit).map(storedOf), more: rows.length > limit };
    });
  }

  private work<T>(body: () => Promise<T>): Promise<T> {
    return databaseWork(body, this.health);
  }
}

// Migration 2: saved scans. Like a watchlist, a saved scan is read and replaced whole, so its
// symbols are one JSON array column. The query is its proto3 JSON (ScanQuery.toJSON): a field
// the contract adds later is absent from older rows and reads as its default, a row written by
// a newer coordinator keeps its unknown fields out of an older one's way (fromJSON ignores
// them), and buf's FILE rule guards the JSON names as it guards the field numbers. Text, not
// bytes, so that an operator reads a saved scan with psql or sqlite3 as it was sent.
//
// The alert settings are columns of the row (NULL check interval: the saved scan does not
// alert), so that the alert checker lists what to schedule with one query. The alert events and
// webhook deliveries are migration 3's tables.
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import { byteOrdered } from "./byte-ordered.js";

export const savedScansMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("saved_scans")
      .addColumn("owner", "varchar(64)", (column) => column.notNull())
      .addColumn("name", "varchar(64)", (column) => column.notNull().modifyEnd(byteOrdered(db)))
      // A JSON array of tickers; "[]" when a watchlist is named.
      .addColumn("symbols", "text", (column) => column.notNull())
      // The watchlist's name; "" when symbols are listed.
      .addColumn("watchlist", "varchar(64)", (column) => column.notNull())
      .addColumn("query", "text", (column) => column.notNull())
      .addColumn("per_symbol_limit", "integer", (column) => column.notNull())
      // Milliseconds; bigint because 90 days of retention pass a 32-bit integer's range.
      .addColumn("alert_check_interval_ms", "bigint")
      .addColumn("alert_retention_ms", "bigint")
      .addColumn("webhook_url", "text")
      .addColumn("webhook_secret", "text")
      .addColumn("create_time", "varchar(32)", (column) => column.notNull())
      .addColumn("update_time", "varchar(32)", (column) => column.notNull())
      // Names are unique per owner; the key also serves an owner's list, in order of name.
      .addPrimaryKeyConstraint("saved_scans_pkey", ["owner", "name"])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("saved_scans").execute();
  },
};

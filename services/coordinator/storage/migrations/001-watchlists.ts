// Migration 1: watchlists. The symbols are one JSON text column rather than a child table: a
// watchlist is always read and replaced whole (a universe scan reads it all, UpdateWatchlist
// replaces it all), never searched by symbol, so one row keeps each write atomic and the order
// as given without a position column or a join; 500 symbols are a few kilobytes.
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import { byteOrdered } from "./byte-ordered.js";

export const watchlistsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("watchlists")
      .addColumn("owner", "varchar(64)", (column) => column.notNull())
      .addColumn("name", "varchar(64)", (column) => column.notNull().modifyEnd(byteOrdered(db)))
      .addColumn("symbols", "text", (column) => column.notNull())
      .addColumn("create_time", "varchar(32)", (column) => column.notNull())
      .addColumn("update_time", "varchar(32)", (column) => column.notNull())
      // Names are unique per owner; the key also serves an owner's list, in order of name.
      .addPrimaryKeyConstraint("watchlists_pkey", ["owner", "name"])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("watchlists").execute();
  },
};

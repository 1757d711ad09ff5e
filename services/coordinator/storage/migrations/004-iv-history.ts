// Migration 4: the implied volatility history of each symbol, as its market data provider gave
// it, so that a restarted coordinator (or another of the fleet on the same PostgreSQL) does not
// fetch it again the same day: IBKR allows only 60 historical requests per 10 minutes. One row
// per (symbol, source, trading day); fetched_day is the New York date the history was fetched
// for (its days are the trading days before it), so the rows of today's fetch are found by it
// and an older fetch's rows are replaced.
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const ivHistoryMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("iv_history")
      .addColumn("symbol", "varchar(32)", (column) => column.notNull())
      // "simulated", "ibkr": a coordinator switched between providers does not read the other's.
      .addColumn("source", "varchar(32)", (column) => column.notNull())
      // The trading day, YYYY-MM-DD (New York).
      .addColumn("date", "varchar(10)", (column) => column.notNull())
      // That day's 30-day at-the-money implied volatility, annualised fraction.
      .addColumn("iv", "double precision", (column) => column.notNull())
      // The New York date the history was fetched for, YYYY-MM-DD.
      .addColumn("fetched_day", "varchar(10)", (column) => column.notNull())
      // The key serves the one read: a symbol's history from one source, in order of date.
      .addPrimaryKeyConstraint("iv_history_pkey", ["symbol", "source", "date"])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("iv_history").execute();
  },
};

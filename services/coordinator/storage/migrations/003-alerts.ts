// Migration 3: alerts. One state row per alerting saved scan (its schedule, the lease of the
// coordinator checking it, the previous top N and the last sequence), its events, and the
// webhook outbox. Each table's (owner, saved_scan) is a foreign key onto saved_scans(owner, name)
// with ON DELETE CASCADE: deleting a saved scan deletes its alert state, events and undelivered
// webhooks in the same statement, on both databases (SQLite's connections enforce foreign keys),
// and no alert row can outlive or precede its saved scan.
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import { byteOrdered } from "./byte-ordered.js";

export const alertsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("alert_states")
      .addColumn("owner", "varchar(64)", (column) => column.notNull())
      .addColumn("saved_scan", "varchar(64)", (column) => column.notNull().modifyEnd(byteOrdered(db)))
      .addColumn("next_check_at", "varchar(32)", (column) => column.notNull())
      .addColumn("last_check_at", "varchar(32)")
      .addColumn("lease_holder", "varchar(64)")
      .addColumn("lease_until", "varchar(32)")
      // The previous check's top N, in rank order: a JSON array of proto3 JSON Spreads (a LEFT
      // event carries the spread as last seen); null before the first check.
      .addColumn("top_spreads", "text")
      .addColumn("last_sequence", "integer", (column) => column.notNull().defaultTo(0))
      // Events up to this sequence were deleted after their retention: WatchAlerts answers
      // OUT_OF_RANGE to a client that asks for events after an earlier one.
      .addColumn("pruned_through", "integer", (column) => column.notNull().defaultTo(0))
      .addPrimaryKeyConstraint("alert_states_pkey", ["owner", "saved_scan"])
      .addForeignKeyConstraint("alert_states_saved_scan_fkey", ["owner", "saved_scan"], "saved_scans", ["owner", "name"], (constraint) =>
        constraint.onDelete("cascade"),
      )
      .execute();
    await db.schema
      .createTable("alert_events")
      .addColumn("owner", "varchar(64)", (column) => column.notNull())
      .addColumn("saved_scan", "varchar(64)", (column) => column.notNull().modifyEnd(byteOrdered(db)))
      .addColumn("sequence", "integer", (column) => column.notNull())
      .addColumn("event_id", "varchar(64)", (column) => column.notNull().unique())
      .addColumn("kind", "varchar(16)", (column) => column.notNull())
      // The spread as proto3 JSON.
      .addColumn("spread", "text", (column) => column.notNull())
      .addColumn("event_time", "varchar(32)", (column) => column.notNull())
      .addColumn("expires_at", "varchar(32)", (column) => column.notNull())
      // The key serves WatchAlerts' reads: one saved scan's events in order of sequence.
      .addPrimaryKeyConstraint("alert_events_pkey", ["owner", "saved_scan", "sequence"])
      .addForeignKeyConstraint("alert_events_saved_scan_fkey", ["owner", "saved_scan"], "saved_scans", ["owner", "name"], (constraint) =>
        constraint.onDelete("cascade"),
      )
      .execute();
    await db.schema
      .createTable("webhook_outbox")
      .addColumn("event_id", "varchar(64)", (column) => column.primaryKey())
      .addColumn("owner", "varchar(64)", (column) => column.notNull())
      .addColumn("saved_scan", "varchar(64)", (column) => column.notNull().modifyEnd(byteOrdered(db)))
      .addColumn("url", "varchar(2048)", (column) => column.notNull())
      .addColumn("attempts", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("next_attempt_at", "varchar(32)", (column) => column.notNull())
      .addColumn("lease_holder", "varchar(64)")
      .addColumn("lease_until", "varchar(32)")
      .addColumn("delivered_at", "varchar(32)")
      .addColumn("last_error", "varchar(512)")
      .addColumn("expires_at", "varchar(32)", (column) => column.notNull())
      .addForeignKeyConstraint("webhook_outbox_saved_scan_fkey", ["owner", "saved_scan"], "saved_scans", ["owner", "name"], (constraint) =>
        constraint.onDelete("cascade"),
      )
      .execute();
    // What the deliverer claims: undelivered rows by when they are due.
    await db.schema.createIndex("webhook_outbox_due").on("webhook_outbox").columns(["delivered_at", "next_attempt_at"]).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("webhook_outbox").execute();
    await db.schema.dropTable("alert_events").execute();
    await db.schema.dropTable("alert_states").execute();
  },
};

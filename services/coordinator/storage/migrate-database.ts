// Brings a database's schema to the latest migration. Kysely's Migrator records what it
// applied in tables of its own (kysely_migration, kysely_migration_lock) and holds a lock while
// it works (an advisory lock on PostgreSQL, the write lock on SQLite), so that coordinators
// starting together migrate once and the others find the work done.
import type { Kysely } from "kysely";
import { Migrator, type Migration, type MigrationResult } from "kysely/migration";
import { MIGRATIONS } from "./migrations/index.js";

export interface MigrationOutcome {
  /** The migrations this call applied, in order; empty when the schema was already current. */
  readonly applied: readonly string[];
}

/** Applies every pending migration of `migrations` (the coordinator's by default); throws the first failure. */
export async function migrateToLatest<Schema>(db: Kysely<Schema>, migrations: Readonly<Record<string, Migration>> = MIGRATIONS): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({ ...migrations }) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result: MigrationResult) => result.status === "Error")?.migrationName;
    const cause = error instanceof Error ? error : new Error(JSON.stringify(error));
    if (failed) cause.message = `migration ${failed} failed: ${cause.message}`;
    throw cause;
  }
  return { applied: results.filter((result) => result.status === "Success").map((result) => result.migrationName) };
}

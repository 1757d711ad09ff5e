// Opens the coordinator's database, migrated: the PostgreSQL of DATABASE_URL when set, else
// the SQLite file under DATA_DIR (the directory is made when missing).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Kysely, PostgresDialect, type Dialect } from "kysely";
import pg from "pg";
import type { Logger } from "../../common/logger.js";
import type { DatabaseSchema } from "./database-schema.js";
import { redactedUrl, SQLITE_FILE_NAME, type DatabaseSettings } from "./database-settings.js";
import { migrateToLatest } from "./migrate-database.js";
import { sqliteDialect } from "./sqlite-dialect.js";

/** Longest wait for a PostgreSQL connection (at start, or from the pool for a call), milliseconds. */
const CONNECT_TIMEOUT_MS = 5000;
const POOL_SIZE = 10;

export interface CoordinatorDatabase {
  readonly kind: "sqlite" | "postgresql";
  /** The SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  readonly db: Kysely<DatabaseSchema>;
  close(): Promise<void>;
}

/** The database could not be opened or migrated; the message says which and why, for a person. */
export class DatabaseOpenError extends Error {
  override readonly name = "DatabaseOpenError";
}

function postgresDialect(url: string, logger: Logger): Dialect {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection the server drops (a restart, a failover) is reported here; without a
  // listener the process would die of it. The pool replaces the connection on next use.
  pool.on("error", (error) => logger.warn({ err: error }, "a PostgreSQL connection was lost; the next call opens another"));
  return new PostgresDialect({ pool });
}

/** The database's connection (SQLite: the file, made with its directory when missing; PostgreSQL: a pool), not yet migrated. */
export function connectDatabase(settings: DatabaseSettings, logger: Logger): CoordinatorDatabase {
  if (settings.databaseUrl) {
    const db = new Kysely<DatabaseSchema>({ dialect: postgresDialect(settings.databaseUrl, logger) });
    return { kind: "postgresql", location: redactedUrl(settings.databaseUrl), db, close: () => db.destroy() };
  }
  const location = join(settings.dataDir, SQLITE_FILE_NAME);
  try {
    mkdirSync(settings.dataDir, { recursive: true });
  } catch (error) {
    throw new DatabaseOpenError(`cannot make DATA_DIR ${settings.dataDir}: ${messageOf(error)}`);
  }
  const db = new Kysely<DatabaseSchema>({ dialect: sqliteDialect(location) });
  return { kind: "sqlite", location, db, close: () => db.destroy() };
}

/** Connects and migrates; throws DatabaseOpenError, having released what it opened. */
export async function openDatabase(settings: DatabaseSettings, logger: Logger): Promise<CoordinatorDatabase> {
  const database = connectDatabase(settings, logger);
  const { kind, location } = database;
  try {
    const { applied } = await migrateToLatest(database.db);
    logger.info({ database: kind, location, applied }, applied.length > 0 ? "database migrated" : "database schema current");
  } catch (error) {
    await database.close().catch(() => undefined);
    throw new DatabaseOpenError(`cannot open the ${kind === "sqlite" ? "SQLite" : "PostgreSQL"} database at ${location}: ${messageOf(error)}`);
  }
  return database;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(messageOf).join("; ");
  return error instanceof Error ? error.message || error.name : String(error);
}

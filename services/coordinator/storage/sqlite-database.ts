// Node's built-in SQLite (node:sqlite, DatabaseSync) in the shape Kysely's SqliteDialect
// takes (better-sqlite3's), so the embedded database needs no native package to build.
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** How long a statement waits for another connection's write lock before failing busy, milliseconds. */
const BUSY_TIMEOUT_MS = 5000;

class NodeSqliteStatement implements SqliteStatement {
  constructor(private readonly statement: StatementSync) {}

  // A statement that yields columns is read with all(), whatever its verb: an INSERT or UPDATE
  // with RETURNING answers rows like a SELECT does.
  get reader(): boolean {
    return this.statement.columns().length > 0;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return this.statement.all(...(parameters as SQLInputValue[]));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.statement.run(...(parameters as SQLInputValue[]));
  }

  iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    return this.statement.iterate(...(parameters as SQLInputValue[]));
  }
}

class NodeSqliteDatabase implements SqliteDatabase {
  constructor(private readonly database: DatabaseSync) {}

  prepare(sql: string): SqliteStatement {
    // Kysely opens transactions with a plain BEGIN, which takes the write lock only at the
    // first write: a second process writing meanwhile then fails busy at once, waiting not.
    // IMMEDIATE takes the lock up front, waiting out the busy timeout, so concurrent writers
    // (and two coordinators migrating one file) queue instead of failing.
    return new NodeSqliteStatement(this.database.prepare(/^begin$/i.test(sql.trim()) ? "begin immediate" : sql));
  }

  close(): void {
    if (this.database.isOpen) this.database.close();
  }
}

/** Opens (creating) the SQLite file at `path`: WAL, foreign keys on, a busy timeout. */
export function openSqliteDatabase(path: string): SqliteDatabase {
  const database = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL: readers never wait for the writer, and a crash mid-write loses nothing committed.
    database.exec("PRAGMA journal_mode = WAL");
    database.exec("PRAGMA synchronous = NORMAL");
  } catch (error) {
    database.close();
    throw error;
  }
  return new NodeSqliteDatabase(database);
}

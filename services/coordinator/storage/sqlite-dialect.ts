// Kysely's SQLite dialect over node:sqlite, with migrations run in one transaction.
import { SqliteAdapter, SqliteDialect, type DialectAdapter } from "kysely";
import { openSqliteDatabase } from "./sqlite-database.js";

/**
 * SQLite does run DDL in transactions; Kysely's adapter says it does not, and so migrates
 * outside one with no lock at all. Saying it does makes the migrator wrap every pending
 * migration in one transaction, which our connection opens IMMEDIATE: the write lock of the
 * file is the migration lock, and two coordinators starting on one file migrate once.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class NodeSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export function sqliteDialect(path: string): SqliteDialect {
  return new NodeSqliteDialect({ database: () => Promise.resolve(openSqliteDatabase(path)) });
}

// The collation every name column of the schema takes.
import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * Names compare byte by byte on both databases: SQLite does by default, PostgreSQL only with
 * the "C" collation (its default follows the server's locale). Lists by name and their pages
 * then come in the same order whichever database answers.
 */
export function byteOrdered(db: Kysely<unknown>) {
  return db.getExecutor().adapter instanceof PostgresAdapter ? sql`collate "C"` : sql``;
}

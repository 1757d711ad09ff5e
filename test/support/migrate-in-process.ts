// Opens the coordinator's database in a process of its own, as a starting coordinator does
// (DATA_DIR, DATABASE_URL from the environment), migrates it, and prints what it applied as
// one JSON line: for tests of several coordinators migrating one database at once.
// SLOW_FIRST_MIGRATION_MS puts a migration before the coordinator's that takes that long, so
// that processes started together are sure to overlap while migrating: without a lock, each
// would apply it, and the second create of its table would fail.
import { setTimeout as sleep } from "node:timers/promises";
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import { createLogger } from "../../services/common/logger.js";
import { migrateToLatest } from "../../services/coordinator/storage/migrate-database.js";
import { MIGRATIONS } from "../../services/coordinator/storage/migrations/index.js";
import { connectDatabase } from "../../services/coordinator/storage/open-database.js";

const slowMs = Number(process.env.SLOW_FIRST_MIGRATION_MS ?? "0");
const slowFirst: Migration = {
  async up(db: Kysely<unknown>) {
    await sleep(slowMs);
    await db.schema.createTable("slow_first").addColumn("id", "integer").execute();
  },
};

const logger = createLogger({ service: "migrate", level: "silent", format: "json" });
const database = connectDatabase({ dataDir: process.env.DATA_DIR ?? "data", databaseUrl: process.env.DATABASE_URL || undefined }, logger);
try {
  const migrations = slowMs > 0 ? { "000-slow-first": slowFirst, ...MIGRATIONS } : MIGRATIONS;
  process.stdout.write(`${JSON.stringify(await migrateToLatest(database.db, migrations))}\n`);
} finally {
  await database.close();
}

// Opens the coordinator's database in a process of its own, as a starting coordinator does
// (DATA_DIR, DATABASE_URL from the environment), migrates it, and prints what it applied as
// one JSON line: for tests of several coordinators migrating one database at once.
import { createLogger } from "../../services/common/logger.js";
import { migrateToLatest } from "../../services/coordinator/storage/migrate-database.js";
import { connectDatabase } from "../../services/coordinator/storage/open-database.js";

const logger = createLogger({ service: "migrate", level: "silent", format: "json" });
const database = connectDatabase({ dataDir: process.env.DATA_DIR ?? "data", databaseUrl: process.env.DATABASE_URL || undefined }, logger);
try {
  process.stdout.write(`${JSON.stringify(await migrateToLatest(database.db))}\n`);
} finally {
  await database.close();
}

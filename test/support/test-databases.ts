// The two databases the coordinator can keep its data in, for tests that run once against
// each: a SQLite file in a temporary directory, and a database of its own on a real
// PostgreSQL server the test file starts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { startPostgres, type PostgresServer } from "./postgres-server.js";

export type DatabaseKind = "sqlite" | "postgresql";
export const DATABASE_KINDS: readonly DatabaseKind[] = ["sqlite", "postgresql"];

/** Hands out fresh, empty databases of either kind; close() removes them all (and the server). */
export class TestDatabases {
  private postgres: Promise<PostgresServer> | undefined;
  private readonly directories: string[] = [];
  private created = 0;

  /** The PostgreSQL server, started on first use. */
  server(): Promise<PostgresServer> {
    return (this.postgres ??= startPostgres());
  }

  /** Settings for a new, empty database of `kind`. */
  async fresh(kind: DatabaseKind): Promise<DatabaseSettings> {
    const dataDir = mkdtempSync(join(tmpdir(), "spreadscan-data-"));
    this.directories.push(dataDir);
    if (kind === "sqlite") return { dataDir };
    const server = await this.server();
    return { dataDir, databaseUrl: await server.createDatabase(`test_${++this.created}`) };
  }

  async close(): Promise<void> {
    for (const directory of this.directories) rmSync(directory, { recursive: true, force: true });
    await (await this.postgres)?.stop();
  }
}

// The watchlist store and the migrations under it, against a SQLite file and a real
// PostgreSQL alike: what one owner writes, only that owner reads; names are unique per owner;
// pages come in byte order of name; migrations apply once, however many coordinators start.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { createLogger } from "../../services/common/logger.js";
import { RpcError } from "../../services/common/errors.js";
import { migrateToLatest } from "../../services/coordinator/storage/migrate-database.js";
import { connectDatabase, openDatabase, type CoordinatorDatabase } from "../../services/coordinator/storage/open-database.js";
import { MIGRATIONS } from "../../services/coordinator/storage/migrations/index.js";
import { WatchlistStore } from "../../services/coordinator/watchlists/watchlist-store.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";
import { REPO_ROOT } from "../support/tools.js";

const execFileAsync = promisify(execFile);

/** Migrates the database from a process of its own (test/support/migrate-in-process.ts). */
async function migrateInProcess(settings: DatabaseSettings, env: Record<string, string> = {}): Promise<{ applied: string[] }> {
  const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", "test/support/migrate-in-process.ts"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", DATA_DIR: settings.dataDir, DATABASE_URL: settings.databaseUrl ?? "", ...env },
  });
  return JSON.parse(stdout) as { applied: string[] };
}

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const databases = new TestDatabases();
const opened: CoordinatorDatabase[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});
afterAll(() => databases.close());

describe.each(DATABASE_KINDS)("on %s", (kind) => {
  const open = async (settings?: DatabaseSettings): Promise<CoordinatorDatabase> => {
    const database = await openDatabase(settings ?? (await databases.fresh(kind)), logger);
    opened.push(database);
    return database;
  };

  it("creates, reads, replaces and deletes a watchlist", async () => {
    let clock = new Date("2026-12-01T10:00:00.000Z");
    const store = new WatchlistStore((await open()).db, { now: () => clock });
    const created = await store.create("alice", "tech", ["AAPL", "MSFT", "BRK.B"]);
    expect(created).toEqual({ name: "tech", symbols: ["AAPL", "MSFT", "BRK.B"], createTime: clock, updateTime: clock });
    expect(await store.get("alice", "tech")).toEqual(created);

    clock = new Date("2026-12-01T11:30:00.250Z");
    const updated = await store.update("alice", "tech", ["NVDA"]);
    expect(updated).toEqual({ name: "tech", symbols: ["NVDA"], createTime: new Date("2026-12-01T10:00:00.000Z"), updateTime: clock });
    expect(await store.get("alice", "tech")).toEqual(updated);

    expect(await store.delete("alice", "tech")).toBe(true);
    expect(await store.get("alice", "tech")).toBeUndefined();
    expect(await store.delete("alice", "tech")).toBe(false);
    expect(await store.update("alice", "tech", ["SPY"])).toBeUndefined();
    expect(await store.get("alice", "tech")).toBeUndefined();
  });

  it("keeps names unique per owner and one owner's watchlists from another", async () => {
    const store = new WatchlistStore((await open()).db);
    expect(await store.create("alice", "tech", ["AAPL"])).toBeDefined();
    // A second create of the name is refused and leaves the first as it was.
    expect(await store.create("alice", "tech", ["SPY", "QQQ"])).toBeUndefined();
    expect((await store.get("alice", "tech"))?.symbols).toEqual(["AAPL"]);

    expect((await store.create("bob", "tech", ["IBM"]))?.symbols).toEqual(["IBM"]);
    expect((await store.get("alice", "tech"))?.symbols).toEqual(["AAPL"]);
    expect((await store.get("bob", "tech"))?.symbols).toEqual(["IBM"]);
    expect(await store.get("", "tech")).toBeUndefined();
    expect(await store.delete("bob", "tech")).toBe(true);
    expect((await store.get("alice", "tech"))?.symbols).toEqual(["AAPL"]);
    expect((await store.list("bob", "", 10)).watchlists).toEqual([]);
  });

  it("lists an owner's watchlists a page at a time, in byte order of name", async () => {
    const store = new WatchlistStore((await open()).db);
    // Byte order: "-" < "." < digits < upper case < "_" < lower case; a locale's order differs.
    const names = ["b", "A", "a", "c.1", "_x", "-y", "Z", "9"];
    for (const name of names) await store.create("alice", name, ["SPY"]);
    await store.create("bob", "B", ["SPY"]);

    const seen: string[][] = [];
    let after = "";
    for (;;) {
      const page = await store.list("alice", after, 3);
      seen.push(page.watchlists.map((watchlist) => watchlist.name));
      if (!page.more) break;
      after = page.watchlists.at(-1)?.name ?? "";
    }
    expect(seen).toEqual([
      ["-y", "9", "A"],
      ["Z", "_x", "a"],
      ["b", "c.1"],
    ]);
    // A page that ends exactly at the last one says there is no more.
    expect(await store.list("alice", "9", 6)).toMatchObject({ more: false });
  });

  it("applies the migrations once, and again as a no-op, keeping the data", async () => {
    const settings = await databases.fresh(kind);
    const first = connectDatabase(settings, logger);
    opened.push(first);
    expect(await migrateToLatest(first.db)).toEqual({ applied: Object.keys(MIGRATIONS) });
    await new WatchlistStore(first.db).create("alice", "kept", ["SPY"]);
    await first.close();
    opened.pop();

    const second = connectDatabase(settings, logger);
    opened.push(second);
    expect(await migrateToLatest(second.db)).toEqual({ applied: [] });
    expect((await new WatchlistStore(second.db).get("alice", "kept"))?.symbols).toEqual(["SPY"]);
  });

  it("migrates once when several coordinators start on one database at the same time", async () => {
    const settings = await databases.fresh(kind);
    // Processes of their own, as coordinators are (SQLite's lock is the file's, across
    // processes), with a first migration slow enough that they are sure to overlap.
    const runs = await Promise.all(Array.from({ length: 3 }, () => migrateInProcess(settings, { SLOW_FIRST_MIGRATION_MS: "1500" })));
    expect(runs.flatMap((outcome) => outcome.applied)).toEqual(["000-slow-first", ...Object.keys(MIGRATIONS)]);
    // Connected, not opened: a coordinator refuses a database migrated past the migrations it knows.
    const connected = connectDatabase(settings, logger);
    opened.push(connected);
    expect(await new WatchlistStore(connected.db).create("alice", "after", ["SPY"])).toBeDefined();
    await expect(openDatabase(settings, logger)).rejects.toThrow(/previously executed migration 000-slow-first is missing/);
  });
});

describe("PostgreSQL away", () => {
  it("answers UNAVAILABLE with a retry delay, and serves again once it is back", async () => {
    const database = await openDatabase(await databases.fresh("postgresql"), logger);
    opened.push(database);
    const store = new WatchlistStore(database.db);
    await store.create("alice", "tech", ["AAPL"]);
    const server = await databases.server();
    await server.shutDown();
    try {
      const failure = await store.get("alice", "tech").then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(RpcError);
      expect((failure as RpcError).code).toBe(status.UNAVAILABLE);
      expect((failure as RpcError).details.retryDelayMs).toBeGreaterThan(0);
    } finally {
      await server.start();
    }
    expect((await store.get("alice", "tech"))?.symbols).toEqual(["AAPL"]);
  });

  it("refuses to open at start with an error naming the database", async () => {
    const server = await databases.server();
    const url = server.urlOf("no_such_database");
    await expect(openDatabase({ dataDir: "/nonexistent", databaseUrl: url }, logger)).rejects.toThrow(
      /PostgreSQL database at postgres:\/\/.*no_such_database.*does not exist/,
    );
  });
});

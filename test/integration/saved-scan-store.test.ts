// The saved scan store against a SQLite file and a real PostgreSQL alike: a saved scan read
// back as written (its query through proto3 JSON, its alert settings and webhook), names
// unique per owner, a webhook's secret kept by an update that leaves it empty and required
// when there is none to keep, pages in byte order of name, only alerting scans listed for the
// alert checker, and a stored query with a field this coordinator does not know still read.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { createLogger } from "../../services/common/logger.js";
import type { StoredAlertSettings } from "../../services/coordinator/saved-scans/saved-scan-lookup.js";
import { SavedScanStore, type SavedScanContent } from "../../services/coordinator/saved-scans/saved-scan-store.js";
import { openDatabase, type CoordinatorDatabase } from "../../services/coordinator/storage/open-database.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const databases = new TestDatabases();
const opened: CoordinatorDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});
afterAll(() => databases.close());

const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_IRON_CONDOR],
  filters: { minDte: 7, maxDte: 45, maxShortDelta: 0.3, minPop: 0.6, maxWidth: 5 },
  sort: SortKey.SORT_KEY_POP,
  limit: 12,
});
const ALERTS: StoredAlertSettings = {
  checkIntervalMs: 30_000,
  // 90 days: past a 32-bit integer of milliseconds.
  retentionMs: 90 * 24 * 3600 * 1000,
  webhook: { url: "https://hooks.example.com/spreads?team=1", secret: "s3cret-s3cret-s3cret" },
};
const content = (changes: Partial<SavedScanContent> = {}): SavedScanContent => ({
  symbols: ["SPY", "QQQ"],
  watchlist: "",
  query: QUERY,
  perSymbolLimit: 3,
  alerts: undefined,
  ...changes,
});

describe.each(DATABASE_KINDS)("SavedScanStore on %s", (kind) => {
  const open = async (): Promise<SavedScanStore & { database: CoordinatorDatabase }> => {
    const database = await openDatabase(await databases.fresh(kind), logger);
    opened.push(database);
    let clock = new Date("2026-12-01T10:00:00.000Z");
    return Object.assign(new SavedScanStore(database.db, { now: () => (clock = new Date(clock.getTime() + 1000)) }), { database });
  };

  it("reads a saved scan back as written, keeps names unique per owner, and deletes it", async () => {
    const store = await open();
    const created = await store.create("alice", "credit", content({ alerts: ALERTS }));
    expect(created).toEqual({
      owner: "alice",
      name: "credit",
      ...content({ alerts: ALERTS }),
      createTime: new Date("2026-12-01T10:00:01.000Z"),
      updateTime: new Date("2026-12-01T10:00:01.000Z"),
    });
    expect(await store.get("alice", "credit")).toEqual(created);
    expect(await store.create("alice", "credit", content({ symbols: ["IWM"] }))).toBeUndefined();
    expect((await store.get("alice", "credit"))?.symbols).toEqual(["SPY", "QQQ"]);
    // Bob's own of the same name.
    expect((await store.create("bob", "credit", content({ symbols: [], watchlist: "tech" })))?.watchlist).toBe("tech");
    expect(await store.get("bob", "nothing")).toBeUndefined();

    expect(await store.delete("alice", "credit")).toBe(true);
    expect(await store.get("alice", "credit")).toBeUndefined();
    expect(await store.delete("alice", "credit")).toBe(false);
    expect((await store.get("bob", "credit"))?.watchlist).toBe("tech");
  });

  it("keeps the webhook's secret when an update leaves it empty, and refuses an empty one with none to keep", async () => {
    const store = await open();
    await store.create("alice", "credit", content({ alerts: ALERTS }));
    const moved = { ...ALERTS, webhook: { url: "http://10.0.0.7:8080/hook", secret: "" } };
    const kept = await store.update("alice", "credit", content({ alerts: moved, perSymbolLimit: 0 }));
    expect(kept).toMatchObject({ updated: { perSymbolLimit: 0, alerts: { webhook: { url: "http://10.0.0.7:8080/hook", secret: ALERTS.webhook?.secret } } } });
    expect((await store.get("alice", "credit"))?.alerts?.webhook?.secret).toBe(ALERTS.webhook?.secret);

    // Alerts without a webhook drop the secret; a webhook then needs a new one.
    expect(await store.update("alice", "credit", content({ alerts: { ...ALERTS, webhook: undefined } }))).toMatchObject({
      updated: { alerts: { webhook: undefined } },
    });
    const before = await store.get("alice", "credit");
    expect(await store.update("alice", "credit", content({ alerts: moved, symbols: ["IWM"] }))).toEqual({ secretRequired: true });
    expect(await store.get("alice", "credit")).toEqual(before);
    expect(await store.update("alice", "missing", content())).toEqual({ missing: true });
    expect(await store.update("bob", "credit", content())).toEqual({ missing: true });
  });

  it("lists an owner's saved scans a page at a time in byte order, and every alerting one for the checker", async () => {
    const store = await open();
    for (const name of ["b", "a", "Z", "_x", "a.b"]) await store.create("alice", name, content({ alerts: name === "a" || name === "Z" ? ALERTS : undefined }));
    await store.create("bob", "q", content({ alerts: ALERTS }));
    const first = await store.list("alice", "", 3);
    expect(first.savedScans.map((scan) => scan.name)).toEqual(["Z", "_x", "a"]);
    expect(first.more).toBe(true);
    const second = await store.list("alice", "a", 3);
    expect(second.savedScans.map((scan) => scan.name)).toEqual(["a.b", "b"]);
    expect(second.more).toBe(false);
    expect((await store.listAlerting()).map((scan) => [scan.owner, scan.name])).toEqual([
      ["alice", "Z"],
      ["alice", "a"],
      ["bob", "q"],
    ]);
  });

  it("reads a stored query holding a field this coordinator does not know (a later contract's addition)", async () => {
    const store = await open();
    await store.create("alice", "credit", content());
    const later = { ...(ScanQuery.toJSON(QUERY) as object), fieldFromTheFuture: 7 };
    await store.database.db
      .updateTable("saved_scans")
      .set({ query: JSON.stringify(later) })
      .where("name", "=", "credit")
      .execute();
    expect((await store.get("alice", "credit"))?.query).toEqual(QUERY);
  });
});

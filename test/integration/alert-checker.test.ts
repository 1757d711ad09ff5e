// The alert checker and its store against a SQLite file and a real PostgreSQL: events with
// rising sequences for a top N that changes, one check per interval across coordinators
// sharing the database, a lease that ends handing the check to another coordinator without an
// event written twice, a failed symbol skipping the check, and retention.
import { Registry } from "prom-client";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../services/common/logger.js";
import { AlertChecker } from "../../services/coordinator/alerts/alert-checker.js";
import { AlertMetrics } from "../../services/coordinator/alerts/alert-metrics.js";
import { AlertSignals } from "../../services/coordinator/alerts/alert-signals.js";
import { AlertStore } from "../../services/coordinator/alerts/alert-store.js";
import type { SavedScanRun } from "../../services/coordinator/alerts/saved-scan-run.js";
import { openDatabase, type CoordinatorDatabase } from "../../services/coordinator/storage/open-database.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { TestSavedScans, TestClock, universeAnswer } from "../support/alert-test-parts.js";
import { sumOfSamples } from "../support/prometheus-samples.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const databases = new TestDatabases();
const opened: CoordinatorDatabase[] = [];
const HOUR = 3_600_000;
const ALERTS = { checkIntervalMs: 10_000, retentionMs: HOUR, webhook: undefined };
const KEY = { owner: "alice", name: "tech" };

afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});
afterAll(() => databases.close());

async function open(settings: DatabaseSettings): Promise<CoordinatorDatabase> {
  const database = await openDatabase(settings, logger);
  opened.push(database);
  return database;
}

function checkerOn(database: CoordinatorDatabase, savedScans: TestSavedScans, run: SavedScanRun, clock: TestClock, holder: string) {
  const store = new AlertStore(database.db);
  const registry = new Registry();
  const checker = new AlertChecker({
    store,
    savedScans,
    run,
    signals: new AlertSignals(),
    metrics: new AlertMetrics(registry),
    holder,
    tickMs: 1000,
    leaseMs: 30_000,
    maxScanMs: 60_000,
    pruneEveryMs: Infinity,
    logger,
    now: clock.now,
  });
  /** A metric's samples summed, with these labels. */
  const counted = async (metric: string, labels: Record<string, string> = {}): Promise<number> => sumOfSamples(await registry.metrics(), metric, labels);
  return { store, checker, counted };
}

const summaries = async (store: AlertStore): Promise<string[]> =>
  (await store.eventsAfter(KEY, 0, 1000)).map((event) => `${event.sequence} ${event.kind} ${(JSON.parse(event.spread) as { id: string }).id}`);

describe.each(DATABASE_KINDS)("on %s", (kind) => {
  it("writes entered and left events with the next sequences, once per check interval", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("alice", "tech", ALERTS);
    let top = ["SPY:a", "SPY:b", "SPY:c"];
    const { store, checker, counted } = checkerOn(await open(settings), savedScans, () => Promise.resolve(universeAnswer(top)), clock, "one");

    await checker.tick();
    expect(await summaries(store)).toEqual(["1 entered SPY:a", "2 entered SPY:b", "3 entered SPY:c"]);

    // The market moves, but the next check is not due yet.
    top = ["SPY:d", "SPY:b", "SPY:e"];
    clock.advance(5000);
    await checker.tick();
    expect(await summaries(store)).toHaveLength(3);

    clock.advance(5000);
    await checker.tick();
    expect((await summaries(store)).slice(3)).toEqual(["4 left SPY:a", "5 left SPY:c", "6 entered SPY:d", "7 entered SPY:e"]);

    // Unchanged: no event, the sequence stays.
    clock.advance(10_000);
    await checker.tick();
    expect(await summaries(store)).toHaveLength(7);
    expect((await store.state(KEY))?.last_sequence).toBe(7);
    // Another owner's saved scan of the same name has sequences of its own.
    await savedScans.put("bob", "tech", ALERTS);
    await checker.tick();
    expect((await store.eventsAfter({ owner: "bob", name: "tech" }, 0, 10)).map((event) => event.sequence)).toEqual([1, 2, 3]);

    // Alice's two checks that wrote and one that found nothing new, and Bob's first: ten events.
    expect(await counted("spreadscan_alert_checks_total", { outcome: "written" })).toBe(3);
    expect(await counted("spreadscan_alert_checks_total", { outcome: "unchanged" })).toBe(1);
    expect(await counted("spreadscan_alert_events_total", { kind: "entered" })).toBe(8);
    expect(await counted("spreadscan_alert_events_total", { kind: "left" })).toBe(2);
    // Each check ran on the tick it fell due: no delay on the test's clock.
    expect(await counted("spreadscan_alert_check_delay_seconds_count")).toBe(4);
    expect(await counted("spreadscan_alert_check_delay_seconds_sum")).toBe(0);
  });

  it("runs a due check on one coordinator only when several share the database", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("alice", "tech", ALERTS);
    let runs = 0;
    const run: SavedScanRun = async () => {
      runs++;
      // Long enough for every checker to reach its claim while the first still scans.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return universeAnswer(["SPY:a", "SPY:b"]);
    };
    // Opened one after another: SQLite's busy wait would block this one thread's other migrations.
    const checkers = [];
    for (const holder of ["one", "two", "three"]) checkers.push(checkerOn(await open(settings), savedScans, run, clock, holder));
    await Promise.all(checkers.map(({ checker }) => checker.tick()));
    expect(runs).toBe(1);
    expect(await summaries(checkers[0]!.store)).toEqual(["1 entered SPY:a", "2 entered SPY:b"]);
  });

  it("hands a check whose lease ended to another coordinator, and refuses the late writer", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("alice", "tech", ALERTS);
    let releaseStuck: () => void = () => undefined;
    const stuckRun: SavedScanRun = async () => {
      await new Promise<void>((resolve) => (releaseStuck = resolve));
      return universeAnswer(["SPY:x"]);
    };
    const stuck = checkerOn(await open(settings), savedScans, stuckRun, clock, "stuck");
    const healthy = checkerOn(await open(settings), savedScans, () => Promise.resolve(universeAnswer(["SPY:a"])), clock, "healthy");

    const stuckTick = stuck.checker.tick();
    // The stuck coordinator holds the lease: the other finds nothing to claim.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await healthy.checker.tick();
    expect(await summaries(healthy.store)).toEqual([]);

    clock.advance(30_001);
    await healthy.checker.tick();
    expect(await summaries(healthy.store)).toEqual(["1 entered SPY:a"]);
    // It fell due with the first tick and started 30 s later, when the stuck lease ended.
    expect(await healthy.counted("spreadscan_alert_check_delay_seconds_sum")).toBeCloseTo(30.001, 6);

    // The stuck scan ends after its lease: what it found is not written over the new state.
    releaseStuck();
    await stuckTick;
    expect(await summaries(healthy.store)).toEqual(["1 entered SPY:a"]);
    expect((await healthy.store.state(KEY))?.last_sequence).toBe(1);
    expect(await stuck.counted("spreadscan_alert_checks_total", { outcome: "lease_lost" })).toBe(1);
    expect(await stuck.counted("spreadscan_alert_checks_total")).toBe(1);
    expect(await healthy.counted("spreadscan_alert_checks_total", { outcome: "written" })).toBe(1);
  });

  it("renews the lease of a scan that runs longer than one lease, so no other coordinator runs it meanwhile", async () => {
    const settings = await databases.fresh(kind);
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("alice", "tech", ALERTS);
    let runs = 0;
    const state = { scanning: true };
    // Three leases long, on the real clock: the renewals, every third of a lease, must keep it.
    const slowRun: SavedScanRun = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 900));
      state.scanning = false;
      return universeAnswer(["SPY:a"]);
    };
    const checkerWith = async (holder: string) => {
      const store = new AlertStore((await open(settings)).db);
      const options = {
        store,
        savedScans,
        run: slowRun,
        signals: new AlertSignals(),
        metrics: new AlertMetrics(new Registry()),
        holder,
        tickMs: 50,
        leaseMs: 300,
        maxScanMs: 60_000,
        pruneEveryMs: Infinity,
        logger,
      };
      return { store, checker: new AlertChecker(options) };
    };
    const slow = await checkerWith("slow");
    const other = await checkerWith("other");
    const slowTick = slow.checker.tick();
    while (state.scanning) {
      await other.checker.tick();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await slowTick;
    expect(runs).toBe(1);
    expect(await summaries(slow.store)).toEqual(["1 entered SPY:a"]);
  });

  it("skips a check in which a symbol failed, rather than reporting its spreads as left", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("alice", "tech", ALERTS);
    let failed = false;
    const { store, checker, counted } = checkerOn(await open(settings), savedScans, () => Promise.resolve(universeAnswer(["SPY:a"], failed)), clock, "one");
    await checker.tick();
    failed = true;
    clock.advance(10_000);
    await checker.tick();
    expect(await summaries(store)).toEqual(["1 entered SPY:a"]);
    failed = false;
    clock.advance(10_000);
    await checker.tick();
    expect(await summaries(store)).toEqual(["1 entered SPY:a"]);
    expect(await counted("spreadscan_alert_checks_total", { outcome: "skipped" })).toBe(1);
    expect(await counted("spreadscan_alert_checks_total", { outcome: "written" })).toBe(1);
    expect(await counted("spreadscan_alert_checks_total", { outcome: "unchanged" })).toBe(1);
  });

  it("deletes events past their retention as a prefix, and remembers how far", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("alice", "tech", ALERTS);
    let top = ["SPY:a", "SPY:b"];
    const { store, checker } = checkerOn(await open(settings), savedScans, () => Promise.resolve(universeAnswer(top)), clock, "one");
    await checker.tick();
    clock.advance(HOUR / 2);
    top = ["SPY:c"];
    await checker.tick();
    expect(await summaries(store)).toHaveLength(5);

    clock.advance(HOUR / 2);
    await store.prune(clock.now());
    expect(await summaries(store)).toEqual(["3 left SPY:a", "4 left SPY:b", "5 entered SPY:c"]);
    expect((await store.state(KEY))?.pruned_through).toBe(2);
  });

  it("deletes a saved scan's alert state, events and outbox rows with it", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const database = await open(settings);
    const savedScans = new TestSavedScans(database.db);
    await savedScans.put("alice", "tech", { ...ALERTS, webhook: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef" } });
    await savedScans.put("alice", "other", { ...ALERTS, webhook: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef" } });
    const { store, checker } = checkerOn(database, savedScans, () => Promise.resolve(universeAnswer(["SPY:a"])), clock, "one");
    await checker.tick();
    const outboxOf = async (name: string) => database.db.selectFrom("webhook_outbox").selectAll().where("saved_scan", "=", name).execute();
    expect(await outboxOf("tech")).toHaveLength(1);
    expect(await savedScans.delete("alice", "tech")).toBe(true);
    expect(await summaries(store)).toEqual([]);
    expect(await store.state(KEY)).toBeUndefined();
    expect(await outboxOf("tech")).toEqual([]);
    // The other saved scan's rows stay; a new saved scan of the same name starts again from 1.
    expect(await store.eventsAfter({ owner: "alice", name: "other" }, 0, 10)).toHaveLength(1);
    expect(await outboxOf("other")).toHaveLength(1);
    await savedScans.put("alice", "tech", ALERTS);
    await checker.tick();
    expect(await summaries(store)).toEqual(["1 entered SPY:a"]);
  });
});

// WatchAlerts through a real gRPC server on loopback, over a SQLite file and a real PostgreSQL:
// the kept events after the caller's sequence and then new ones, whether this coordinator's
// checker wrote them (woken at once) or another's did (read at the next poll); a resumed stream
// that misses nothing and repeats nothing; NOT_FOUND, INVALID_ARGUMENT and OUT_OF_RANGE.
import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { AlertKind, SavedScanServiceClient, SavedScanServiceService, type WatchAlertsResponse } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { GrpcServer } from "../../services/common/grpc-server.js";
import { createLogger } from "../../services/common/logger.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { AlertChecker } from "../../services/coordinator/alerts/alert-checker.js";
import { AlertMetrics } from "../../services/coordinator/alerts/alert-metrics.js";
import { AlertSignals } from "../../services/coordinator/alerts/alert-signals.js";
import { AlertStore } from "../../services/coordinator/alerts/alert-store.js";
import { watchAlertsHandler } from "../../services/coordinator/alerts/watch-alerts.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { openDatabase, type CoordinatorDatabase } from "../../services/coordinator/storage/open-database.js";
import { TestSavedScans, TestClock, universeAnswer } from "../support/alert-test-parts.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const databases = new TestDatabases();
const cleanups: (() => Promise<void> | void)[] = [];
const HOUR = 3_600_000;
const ALERTS = { checkIntervalMs: 10_000, retentionMs: HOUR, webhook: undefined };
/** Long enough that a test passing on it shows the local wake-up, not the poll. */
const SLOW_POLL_MS = 60_000;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => databases.close());

async function open(settings: DatabaseSettings): Promise<CoordinatorDatabase> {
  const database = await openDatabase(settings, logger);
  cleanups.push(() => database.close());
  return database;
}

/** One coordinator's alert side: its store, its checker (driven by the test), and a gRPC server serving WatchAlerts. */
async function coordinatorOn(settings: DatabaseSettings, savedScans: TestSavedScans, top: () => string[], clock: TestClock, holder: string, pollMs: number) {
  const store = new AlertStore((await open(settings)).db);
  const signals = new AlertSignals();
  const run = () => Promise.resolve(universeAnswer(top()));
  const checker = new AlertChecker({
    store,
    savedScans,
    run,
    signals,
    metrics: new AlertMetrics(new Registry()),
    holder,
    tickMs: 1000,
    leaseMs: 30_000,
    maxScanMs: 60_000,
    pruneEveryMs: Infinity,
    logger,
    now: clock.now,
  });
  const grpc = new GrpcServer({ logger, registry: new Registry(), maxReceiveMessageBytes: 1 << 20, keepaliveTimeMs: 60_000, keepaliveTimeoutMs: 20_000 });
  grpc.addService(SavedScanServiceService, { watchAlerts: watchAlertsHandler({ store, savedScans, signals, pollMs }, { logger, requestTimeoutMs: 10_000 }) });
  const port = await grpc.listen("127.0.0.1", 0);
  const client = new SavedScanServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  cleanups.push(async () => {
    client.close();
    await grpc.shutdown(0);
  });
  return { store, checker, client };
}

/** A stream's events as they arrive, and how it ended. */
function reader(stream: ClientReadableStream<WatchAlertsResponse>) {
  const events: string[] = [];
  const waiters: (() => void)[] = [];
  let ended: ServiceError | "ended" | undefined;
  const wake = (): void => waiters.splice(0).forEach((waiter) => waiter());
  stream.on("data", (response: WatchAlertsResponse) => {
    const event = response.event;
    events.push(`${event?.sequence} ${event?.kind === AlertKind.ALERT_KIND_ENTERED ? "entered" : "left"} ${event?.spread?.id}`);
    wake();
  });
  stream.on("error", (error: ServiceError) => {
    ended = error;
    wake();
  });
  stream.on("end", () => {
    ended ??= "ended";
    wake();
  });
  return {
    events,
    ended: () => ended,
    /** Resolves once `count` events arrived or the stream ended. */
    async until(count: number): Promise<string[]> {
      while (events.length < count && ended === undefined) await new Promise<void>((resolve) => waiters.push(resolve));
      return events;
    },
    cancel: () => stream.cancel(),
  };
}

describe.each(DATABASE_KINDS)("WatchAlerts on %s", (kind) => {
  it("sends the kept events, then new ones written here or by another coordinator, and resumes without gaps or repeats", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("", "tech", ALERTS);
    let top = ["SPY:a", "SPY:b"];
    // This one never polls within the test: what reaches its stream at once, its own checker wrote.
    const here = await coordinatorOn(settings, savedScans, () => top, clock, "here", SLOW_POLL_MS);
    const there = await coordinatorOn(settings, savedScans, () => top, clock, "there", 100);

    await here.checker.tick();
    const first = reader(here.client.watchAlerts({ savedScan: "tech", afterSequence: 0n }));
    expect(await first.until(2)).toEqual(["1 entered SPY:a", "2 entered SPY:b"]);

    top = ["SPY:c", "SPY:b"];
    clock.advance(10_000);
    await here.checker.tick();
    expect(await first.until(4)).toEqual(["1 entered SPY:a", "2 entered SPY:b", "3 left SPY:a", "4 entered SPY:c"]);

    // Written by the other coordinator: the stream on `there` (polling) sees it.
    const other = reader(there.client.watchAlerts({ savedScan: "tech", afterSequence: 3n }));
    top = ["SPY:d"];
    clock.advance(10_000);
    await there.checker.tick();
    expect(await other.until(4)).toEqual(["4 entered SPY:c", "5 left SPY:c", "6 left SPY:b", "7 entered SPY:d"]);
    first.cancel();

    // A client resuming from the last sequence it read receives exactly what came after.
    top = ["SPY:e"];
    clock.advance(10_000);
    await here.checker.tick();
    const resumed = reader(here.client.watchAlerts({ savedScan: "tech", afterSequence: 4n }));
    expect(await resumed.until(5)).toEqual(["5 left SPY:c", "6 left SPY:b", "7 entered SPY:d", "8 left SPY:d", "9 entered SPY:e"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.events).toHaveLength(5);
    expect(resumed.ended()).toBeUndefined();
    resumed.cancel();
    other.cancel();
  });

  it("refuses a missing saved scan, a bad name, and a sequence past retention", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const savedScans = new TestSavedScans((await open(settings)).db);
    await savedScans.put("", "tech", ALERTS);
    let top = ["SPY:a", "SPY:b"];
    const here = await coordinatorOn(settings, savedScans, () => top, clock, "here", 100);
    const endOf = async (savedScan: string, afterSequence: bigint): Promise<ServiceError | "ended" | undefined> => {
      const stream = reader(here.client.watchAlerts({ savedScan, afterSequence }, new Metadata()));
      await stream.until(Number.MAX_SAFE_INTEGER);
      return stream.ended();
    };
    expect((await endOf("none", 0n)) as ServiceError).toMatchObject({ code: status.NOT_FOUND });
    const bad = (await endOf("no spaces", 0n)) as ServiceError;
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(readStatusDetails(bad).fieldViolations.map((violation) => violation.field)).toEqual(["saved_scan"]);

    await here.checker.tick();
    top = ["SPY:c"];
    clock.advance(HOUR / 2);
    await here.checker.tick();
    clock.advance(HOUR / 2);
    await here.store.prune(clock.now());
    const late = (await endOf("tech", 1n)) as ServiceError;
    expect(late.code).toBe(status.OUT_OF_RANGE);
    expect(readStatusDetails(late).fieldViolations.map((violation) => violation.field)).toEqual(["after_sequence"]);
    // From the last one pruned, and from 0, what is kept is there.
    const kept = reader(here.client.watchAlerts({ savedScan: "tech", afterSequence: 2n }));
    expect(await kept.until(3)).toEqual(["3 left SPY:a", "4 left SPY:b", "5 entered SPY:c"]);
    kept.cancel();
    const all = reader(here.client.watchAlerts({ savedScan: "tech", afterSequence: 0n }));
    expect(await all.until(3)).toEqual(["3 left SPY:a", "4 left SPY:b", "5 entered SPY:c"]);
    // Deleting the saved scan ends the stream reading it.
    await savedScans.delete("", "tech");
    await all.until(Number.MAX_SAFE_INTEGER);
    expect(all.ended()).toMatchObject({ code: status.NOT_FOUND });
  });
});

// Webhook delivery from the outbox to a real HTTP server on loopback, over a SQLite file and a
// real PostgreSQL: each event's proto3 JSON signed with the saved scan's secret (checked here
// with an HMAC of our own over the bytes received), retried while the receiver refuses, taken
// over by another coordinator's deliverer after the first stops, and acknowledged once.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { AlertEvent, AlertKind } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { createLogger } from "../../services/common/logger.js";
import { AlertChecker } from "../../services/coordinator/alerts/alert-checker.js";
import { AlertMetrics } from "../../services/coordinator/alerts/alert-metrics.js";
import { AlertSignals } from "../../services/coordinator/alerts/alert-signals.js";
import { AlertStore } from "../../services/coordinator/alerts/alert-store.js";
import { WebhookDeliverer } from "../../services/coordinator/alerts/webhook-deliverer.js";
import { WebhookOutbox } from "../../services/coordinator/alerts/webhook-outbox.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { openDatabase, type CoordinatorDatabase } from "../../services/coordinator/storage/open-database.js";
import { TestSavedScans, TestClock, universeAnswer } from "../support/alert-test-parts.js";
import { sumOfSamples } from "../support/prometheus-samples.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const databases = new TestDatabases();
const cleanups: (() => Promise<void> | void)[] = [];
const SECRET = "a-secret-of-the-saved-scan";
const BACKOFF = { initialDelayMs: 1000, maxDelayMs: 5000 };

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => databases.close());

async function open(settings: DatabaseSettings): Promise<CoordinatorDatabase> {
  const database = await openDatabase(settings, logger);
  cleanups.push(() => database.close());
  return database;
}

interface Received {
  readonly body: string;
  readonly signature: string | undefined;
  readonly eventId: string | undefined;
  readonly contentType: string | undefined;
  readonly answered: number;
}

/** A webhook receiver: answers `answer()` to each POST and keeps what it received. */
async function startReceiver(answer: () => number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const answered = answer();
      const header = (name: string): string | undefined => request.headers[name] as string | undefined;
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: header("x-spreadscan-signature"),
        eventId: header("x-spreadscan-event-id"),
        contentType: header("content-type"),
        answered,
      });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** One coordinator's alert metrics, and a metric's samples summed with these labels. */
function alertMetrics() {
  const registry = new Registry();
  const counted = async (metric: string, labels: Record<string, string> = {}): Promise<number> => sumOfSamples(await registry.metrics(), metric, labels);
  return { metrics: new AlertMetrics(registry), counted };
}

function delivererOn(
  database: CoordinatorDatabase,
  savedScans: TestSavedScans,
  clock: TestClock,
  holder: string,
  metrics = alertMetrics().metrics,
): WebhookDeliverer {
  const deliverer = new WebhookDeliverer({
    outbox: new WebhookOutbox(database.db),
    savedScans,
    holder,
    tickMs: 1000,
    backoff: BACKOFF,
    metrics,
    logger,
    now: clock.now,
  });
  cleanups.push(() => deliverer.close());
  return deliverer;
}

describe.each(DATABASE_KINDS)("webhooks on %s", (kind) => {
  it("posts each event signed, retries while refused, and survives a deliverer stopping between attempts", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    let refusing = true;
    const receiver = await startReceiver(() => (refusing ? 503 : 204));
    const database = await open(settings);
    const savedScans = new TestSavedScans(database.db);
    await savedScans.put("alice", "tech", { checkIntervalMs: 10_000, retentionMs: 3_600_000, webhook: { url: receiver.url, secret: SECRET } });
    const store = new AlertStore(database.db);
    const run = () => Promise.resolve(universeAnswer(["SPY:a", "SPY:b", "SPY:c"]));
    const checker = new AlertChecker({
      store,
      savedScans,
      run,
      signals: new AlertSignals(),
      metrics: alertMetrics().metrics,
      holder: "one",
      tickMs: 1000,
      leaseMs: 30_000,
      maxScanMs: 60_000,
      pruneEveryMs: Infinity,
      logger,
      now: clock.now,
    });
    await checker.tick();
    const events = await store.eventsAfter({ owner: "alice", name: "tech" }, 0, 10);
    expect(events).toHaveLength(3);

    // Refused: every event attempted once, none again before its backoff ends.
    const firstMetrics = alertMetrics();
    const first = delivererOn(database, savedScans, clock, "first", firstMetrics.metrics);
    await first.tick();
    expect(receiver.received.map((request) => request.answered)).toEqual([503, 503, 503]);
    expect(await firstMetrics.counted("spreadscan_webhook_attempts_total", { outcome: "failed" })).toBe(3);
    await first.tick();
    expect(receiver.received).toHaveLength(3);
    await first.close();

    // The first deliverer is gone; another coordinator's, on its own connection, takes the rows over once they are due.
    refusing = false;
    clock.advance(BACKOFF.maxDelayMs + 1);
    const secondMetrics = alertMetrics();
    const second = delivererOn(await open(settings), savedScans, clock, "second", secondMetrics.metrics);
    await second.tick();
    const accepted = receiver.received.filter((request) => request.answered === 204);
    expect(accepted.map((request) => request.eventId).sort()).toEqual(events.map((event) => event.event_id).sort());
    clock.advance(BACKOFF.maxDelayMs + 1);
    await second.tick();
    expect(receiver.received.filter((request) => request.answered === 204)).toHaveLength(3);
    expect(await secondMetrics.counted("spreadscan_webhook_attempts_total", { outcome: "delivered" })).toBe(3);
    expect(await secondMetrics.counted("spreadscan_webhook_attempts_total")).toBe(3);
    // Written at the check, delivered after the refused attempt's longest backoff and a millisecond.
    expect(await secondMetrics.counted("spreadscan_webhook_delivery_delay_seconds_sum")).toBeCloseTo(3 * ((BACKOFF.maxDelayMs + 1) / 1000), 6);

    for (const request of receiver.received) {
      expect(request.signature).toBe(`sha256=${createHmac("sha256", SECRET).update(request.body).digest("hex")}`);
      expect(request.contentType).toBe("application/json");
      const event = AlertEvent.fromJSON(JSON.parse(request.body));
      expect(event.eventId).toBe(request.eventId);
      expect(event.savedScan).toBe("tech");
      expect(event.kind).toBe(AlertKind.ALERT_KIND_ENTERED);
    }
    expect(accepted.map((request) => AlertEvent.fromJSON(JSON.parse(request.body)).sequence).sort()).toEqual([1n, 2n, 3n]);
  });

  it("gives up events past their retention", async () => {
    const settings = await databases.fresh(kind);
    const clock = new TestClock();
    const receiver = await startReceiver(() => 500);
    const database = await open(settings);
    const savedScans = new TestSavedScans(database.db);
    await savedScans.put("alice", "tech", { checkIntervalMs: 10_000, retentionMs: 3_600_000, webhook: { url: receiver.url, secret: SECRET } });
    const store = new AlertStore(database.db);
    const checker = new AlertChecker({
      store,
      savedScans,
      run: () => Promise.resolve(universeAnswer(["SPY:a"])),
      signals: new AlertSignals(),
      metrics: alertMetrics().metrics,
      holder: "one",
      tickMs: 1000,
      leaseMs: 30_000,
      maxScanMs: 60_000,
      pruneEveryMs: Infinity,
      logger,
      now: clock.now,
    });
    await checker.tick();
    const deliverer = delivererOn(database, savedScans, clock, "first");
    await deliverer.tick();
    expect(receiver.received).toHaveLength(1);
    clock.advance(3_600_000);
    await store.prune(clock.now());
    await deliverer.tick();
    expect(receiver.received).toHaveLength(1);
  });
});

// Alerts through real coordinator processes with a real scanner and the simulated market, on a
// SQLite file and a real PostgreSQL: events for a saved scan whose top N changes as the market
// moves (a 10 s check interval), a WatchAlerts client resuming across a coordinator killed and
// started again, and webhooks to a real HTTP receiver that refuses for 10 s while the
// coordinator is SIGKILLed between attempts: every event acknowledged, once per event id.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Duration } from "../../gen/ts/google/protobuf/duration.js";
import { AlertEvent, AlertKind, SavedScan, type WatchAlertsResponse } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary } from "../support/echo-server.js";
import { startAlertCoordinator, type AlertCoordinator } from "../support/alert-coordinator.js";
import { startScanner } from "../support/coordinator-pair.js";
import { escape, noStackTrace, spreadscan } from "../support/spreadscan-cli.js";
import type { ServiceProcess } from "../support/service-process.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";

const databases = new TestDatabases();
const running: AlertCoordinator[] = [];
const cleanups: (() => Promise<void>)[] = [];
let scanner: { process: ServiceProcess; port: number };
const SECRET = "process-test-secret-0123456789";
const seconds = (value: number): Duration => Duration.fromPartial({ seconds: BigInt(value) });
// A short top N of one symbol, by a figure that moves with the underlying's price.
const QUERY = ScanQuery.fromPartial({ filters: { minDte: 7, maxDte: 45 }, sort: SortKey.SORT_KEY_EXPECTED_VALUE, limit: 3 });

beforeAll(async () => {
  scanner = await startScanner();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((coordinator) => coordinator.kill()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(async () => {
  scanner.process.kill();
  await databases.close();
});

async function coordinatorOn(settings: Awaited<ReturnType<TestDatabases["fresh"]>>): Promise<AlertCoordinator> {
  const coordinator = await startAlertCoordinator(settings, scanner.port);
  running.push(coordinator);
  return coordinator;
}

async function createSavedScan(coordinator: AlertCoordinator, webhookUrl?: string): Promise<void> {
  const savedScan = SavedScan.fromPartial({
    name: "moves",
    symbols: ["SPY"],
    query: QUERY,
    alerts: { checkInterval: seconds(10), retention: seconds(3600), ...(webhookUrl ? { webhook: { url: webhookUrl, secret: SECRET } } : {}) },
  });
  const outcome = await callUnary(coordinator.saved.createSavedScan.bind(coordinator.saved), { savedScan });
  expect(outcome.error).toBeUndefined();
}

/** A WatchAlerts stream's events as they come; `until` waits for a condition on them. */
function watch(coordinator: AlertCoordinator, afterSequence: bigint) {
  const events: AlertEvent[] = [];
  const waiters = new Set<() => void>();
  let failure: Error | undefined;
  const call = coordinator.saved.watchAlerts({ savedScan: "moves", afterSequence });
  call.on("data", (response: WatchAlertsResponse) => {
    if (response.event) events.push(response.event);
    for (const wake of waiters) wake();
  });
  call.on("error", (error: Error) => {
    failure = error;
    for (const wake of waiters) wake();
  });
  return {
    events,
    async until(done: (events: readonly AlertEvent[]) => boolean): Promise<AlertEvent[]> {
      while (!done(events)) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
      return [...events];
    },
    cancel: () => call.cancel(),
  };
}

/** Replays events as a reader would: every left spread was in, every entered one was not, never more than the limit. */
function replay(events: readonly AlertEvent[]): void {
  const inTop = new Set<string>();
  events.forEach((event, index) => {
    expect(event.sequence).toBe(BigInt(index + 1));
    const id = event.spread?.id ?? "";
    if (event.kind === AlertKind.ALERT_KIND_ENTERED) {
      expect(inTop.has(id)).toBe(false);
      inTop.add(id);
    } else {
      expect(event.kind).toBe(AlertKind.ALERT_KIND_LEFT);
      expect(inTop.delete(id)).toBe(true);
    }
    expect(inTop.size).toBeLessThanOrEqual(3);
  });
}

const hasLeft = (events: readonly AlertEvent[]): boolean => events.some((event) => event.kind === AlertKind.ALERT_KIND_LEFT);

describe.each(DATABASE_KINDS)("alerts on %s", (kind) => {
  it("reports spreads entering and leaving the top N as the market moves", { timeout: 240_000 }, async () => {
    const coordinator = await coordinatorOn(await databases.fresh(kind));
    await createSavedScan(coordinator);
    const stream = watch(coordinator, 0n);
    const events = await stream.until(hasLeft);
    stream.cancel();
    expect(events.slice(0, 3).map((event) => event.kind)).toEqual([AlertKind.ALERT_KIND_ENTERED, AlertKind.ALERT_KIND_ENTERED, AlertKind.ALERT_KIND_ENTERED]);
    replay(events);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);

    // The CLI prints the same events, one line each, and as JSON; a missing saved scan is the user's to fix (exit 2).
    const lines = await spreadscan(["alerts", "moves", "--count", "3", "--addr", coordinator.address]);
    expect(lines.exitCode).toBe(0);
    const printed = lines.stdout.trimEnd().split("\n");
    expect(printed).toHaveLength(3);
    events.slice(0, 3).forEach((event, index) => {
      expect(printed[index]).toMatch(
        new RegExp(`^${event.sequence}  \\S+  entered  ${escape(event.spread?.id ?? "")}  (credit|debit) \\d+\\.\\d\\d  max loss `),
      );
    });
    const json = await spreadscan(["alerts", "moves", "--since", "1", "--count", "2", "--json", "--addr", coordinator.address]);
    expect(
      json.stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { event: { eventId: string } }).event.eventId),
    ).toEqual(events.slice(1, 3).map((event) => event.eventId));
    const missing = await spreadscan(["alerts", "nothing", "--addr", coordinator.address]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("NOT_FOUND");
    noStackTrace(missing.stderr);
  });

  it("resumes a stream across a coordinator killed and started again, missing and repeating nothing", { timeout: 240_000 }, async () => {
    const settings = await databases.fresh(kind);
    const first = await coordinatorOn(settings);
    await createSavedScan(first);
    const before = await watch(first, 0n).until((events) => events.length >= 3);
    await first.kill();
    running.splice(running.indexOf(first), 1);

    const second = await coordinatorOn(settings);
    const last = before.at(-1)?.sequence ?? 0n;
    // The client resumes from the last sequence it read, and reads on past a change after the restart.
    const after = await watch(second, last).until(hasLeft);
    const all = [...before, ...after];
    replay(all);
    expect(new Set(all.map((event) => event.eventId)).size).toBe(all.length);
    // What a fresh reader sees from the start is the same sequence of events.
    const fromStart = await watch(second, 0n).until((events) => events.length >= all.length);
    expect(fromStart.slice(0, all.length).map((event) => event.eventId)).toEqual(all.map((event) => event.eventId));
  });

  it("delivers every event to a webhook that refuses for 10 s, through a SIGKILL between attempts, once per event id", { timeout: 240_000 }, async () => {
    const received: { eventId: string; status: number; body: string; signature: string }[] = [];
    let firstRequestAt: number | undefined;
    const server: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        firstRequestAt ??= Date.now();
        const status = Date.now() - firstRequestAt < 10_000 ? 503 : 200;
        const header = (name: string): string => String(request.headers[name] ?? "");
        received.push({
          eventId: header("x-spreadscan-event-id"),
          status,
          body: Buffer.concat(chunks).toString("utf8"),
          signature: header("x-spreadscan-signature"),
        });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const settings = await databases.fresh(kind);
    const first = await coordinatorOn(settings);
    await createSavedScan(first, url);
    const entered = await watch(first, 0n).until((events) => events.length >= 3);
    // Killed once the receiver refused an attempt: the next attempts come from the database's outbox.
    while (!received.some((request) => request.status === 503)) await new Promise((resolve) => setTimeout(resolve, 100));
    await first.kill();
    running.splice(running.indexOf(first), 1);
    await coordinatorOn(settings);

    const acknowledged = (): string[] => received.filter((request) => request.status === 200).map((request) => request.eventId);
    const wanted = entered.slice(0, 3).map((event) => event.eventId);
    while (!wanted.every((id) => acknowledged().includes(id))) await new Promise((resolve) => setTimeout(resolve, 250));

    expect(received.some((request) => request.status === 503)).toBe(true);
    const counts = new Map<string, number>();
    for (const id of acknowledged()) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    for (const request of received) {
      expect(request.signature).toBe(`sha256=${createHmac("sha256", SECRET).update(request.body).digest("hex")}`);
      expect(AlertEvent.fromJSON(JSON.parse(request.body)).eventId).toBe(request.eventId);
    }
  });
});

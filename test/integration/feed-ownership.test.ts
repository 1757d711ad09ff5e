// One market feed per symbol across the fleet: two coordinators (each assembled in this
// process as main.ts assembles it) with watchers of one symbol, in front of one scanner,
// sharing a real nats-server. One of them runs the feed; the other's watchers receive its
// chains through the scanner; the feed moves when its owner gives it up or is cut off from
// NATS, and never runs on both at once (from the coordinators' own logs).
import { credentials, status, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { CREDIT_QUERY } from "../faults/support/queries.js";
import { waitUntil } from "../faults/support/services.js";
import { startCuttableLink } from "../support/cuttable-link.js";
import { feedIntervals, overlaps } from "../support/feed-intervals.js";
import { startInProcessScanner } from "../support/in-process-scanner.js";
import { startNats, stopAllInfraServers } from "../support/infra-servers.js";

const SYMBOL = "IWM";
const LEASE = { FEED_LEASE_TTL: "2", FEED_LEASE_RENEW_INTERVAL: "400ms", SIMULATED_TICK_INTERVAL: "200ms" };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(stopAllInfraServers);

interface Watcher {
  readonly messages: WatchSpreadsResponse[];
  ended: boolean;
  cancel(): void;
}

function watch(coordinator: InProcessCoordinator): Watcher {
  const client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure());
  const call: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(
    WatchSpreadsRequest.fromPartial({ symbol: SYMBOL, query: CREDIT_QUERY, minIntervalMs: 1 }),
  );
  const watcher: Watcher = {
    messages: [],
    ended: false,
    cancel: () => {
      call.cancel();
      client.close();
    },
  };
  call.on("data", (message: WatchSpreadsResponse) => watcher.messages.push(message));
  call.on("error", () => (watcher.ended = true));
  call.on("end", () => (watcher.ended = true));
  cleanups.push(() => watcher.cancel());
  return watcher;
}

const logged = (coordinator: InProcessCoordinator, msg: string): number => coordinator.logs.filter((line) => line.msg === msg && line.symbol === SYMBOL).length;

/** The sample of `name` whose labels include `labels` (the registry adds service="coordinator"). */
async function metric(coordinator: InProcessCoordinator, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${coordinator.adminPort}/metrics`)).text();
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, "gm")))
    if (Object.entries(labels).every(([label, value]) => (match[1] ?? "").includes(`${label}="${value}"`))) return Number(match[2]);
  throw new Error(`${name} ${JSON.stringify(labels)} is not among the metrics`);
}

const ownedByLease = (coordinator: InProcessCoordinator): Promise<number> => metric(coordinator, "spreadscan_feeds_owned", { mode: "lease" });

async function coordinatorsOn(natsUrls: readonly string[], env: Record<string, string> = {}): Promise<InProcessCoordinator[]> {
  const scanner = await startInProcessScanner();
  cleanups.push(() => scanner.close());
  const coordinators = [];
  for (const natsUrl of natsUrls) {
    const coordinator = await startInProcessCoordinator({ SCANNER_ADDR: `127.0.0.1:${scanner.port}`, NATS_URL: natsUrl, ...LEASE, ...env });
    cleanups.push(() => coordinator.close());
    coordinators.push(coordinator);
  }
  return coordinators;
}

describe("one market feed per symbol across coordinators sharing NATS", () => {
  it("runs the feed on one coordinator only, relays it to the other's watchers, and moves it when its owner's last watcher leaves", async () => {
    const nats = await startNats();
    const [a, b] = await coordinatorsOn([nats.url, nats.url]);
    const onA = watch(a!);
    await waitUntil("A to start the feed", () => logged(a!, "market data feed started") === 1);
    const onB = watch(b!);
    // B's watchers see the chains A's feed pushes into the scanner.
    const fromA = onB.messages.length;
    await waitUntil("B's watcher to receive updates", () => onB.messages.length >= fromA + 3 && onA.messages.length >= 3);
    expect(logged(b!, "market data feed started")).toBe(0);
    expect([await ownedByLease(a!), await ownedByLease(b!)]).toEqual([1, 0]);

    onA.cancel();
    await waitUntil("B to take the feed over", () => logged(b!, "market data feed started") === 1);
    const atTakeover = onB.messages.length;
    await waitUntil("B's watcher to receive B's feed", () => onB.messages.length >= atTakeover + 2);
    expect(onB.ended).toBe(false);
    expect(await metric(b!, "spreadscan_feed_lease_takeovers_total")).toBe(1);
    await waitUntil("A to count no feed", async () => (await ownedByLease(a!)) === 0);
    const intervals = [...feedIntervals("A", a!.logs, SYMBOL, Date.now()), ...feedIntervals("B", b!.logs, SYMBOL, Date.now())];
    expect(intervals.map((each) => [each.coordinator, each.stopLogged])).toEqual([
      ["A", true],
      ["B", false],
    ]);
    expect(overlaps(intervals)).toEqual([]);
  });

  it("stops the feed of an owner cut off from NATS before its lease could expire, so that the survivor's feed never overlaps it", async () => {
    const nats = await startNats();
    const link = await startCuttableLink(nats.port);
    cleanups.push(() => link.close());
    // Strict: a coordinator cut off from NATS runs no feed of its own.
    const [a, b] = await coordinatorsOn([`nats://127.0.0.1:${link.port}`, nats.url], { FEED_WITHOUT_NATS: "none" });
    watch(a!);
    await waitUntil("A to start the feed", () => logged(a!, "market data feed started") === 1);
    const onB = watch(b!);
    await waitUntil("B's watcher to receive A's updates", () => onB.messages.length >= 2);

    await link.cut();
    await waitUntil("B to take the feed over", () => logged(b!, "market data feed started") === 1);
    const atTakeover = onB.messages.length;
    await waitUntil("B's watcher to receive B's feed", () => onB.messages.length >= atTakeover + 2);
    const intervals = [...feedIntervals("A", a!.logs, SYMBOL, Date.now()), ...feedIntervals("B", b!.logs, SYMBOL, Date.now())];
    expect(overlaps(intervals)).toEqual([]);
    expect(intervals.find((each) => each.coordinator === "A")?.stopLogged).toBe(true);
    expect(await metric(a!, "spreadscan_feed_lease_losses_total")).toBe(1);
    expect(await metric(a!, "spreadscan_feed_lease_renewals_failed_total")).toBeGreaterThan(0);
    expect(await metric(a!, "spreadscan_dependency_up", { dependency: "nats" })).toBe(0);

    // Back on NATS, A finds B holding the lease and starts nothing.
    await link.heal();
    await waitUntil("A to reach NATS again", async () => (await metric(a!, "spreadscan_dependency_up", { dependency: "nats" })) === 1);
    await waitUntil("A to try the lease again", () => a!.logs.filter((line) => line.msg === "dependency is back").length >= 1);
    expect(logged(a!, "market data feed started")).toBe(1);
    expect(await ownedByLease(b!)).toBe(1);
  });

  it("runs local feeds while NATS is down for longer than a lease lives, says so, and returns to one feed when NATS is back", async () => {
    const nats = await startNats();
    const [a, b] = await coordinatorsOn([nats.url, nats.url]);
    const onA = watch(a!);
    await waitUntil("A to start the feed", () => logged(a!, "market data feed started") === 1);
    const onB = watch(b!);
    await waitUntil("B's watcher to receive A's updates", () => onB.messages.length >= 2);

    await nats.kill();
    const local = (coordinator: InProcessCoordinator): Promise<number> => metric(coordinator, "spreadscan_feeds_owned", { mode: "local" });
    await waitUntil("both to run local feeds", async () => (await local(a!)) === 1 && (await local(b!)) === 1, 30_000);
    expect(await metric(a!, "spreadscan_dependency_up", { dependency: "nats" })).toBe(0);
    const [atA, atB] = [onA.messages.length, onB.messages.length];
    await waitUntil("both watchers to keep receiving", () => onA.messages.length >= atA + 2 && onB.messages.length >= atB + 2);

    // An empty store: the bucket is made again, one coordinator takes the lease, the other stops its feed.
    await nats.restart({ emptyStore: true });
    await waitUntil(
      "one feed again",
      async () => (await local(a!)) + (await local(b!)) === 0 && (await ownedByLease(a!)) + (await ownedByLease(b!)) === 1,
      30_000,
    );
    expect([onA.ended, onB.ended]).toEqual([false, false]);
  });

  it("stops the owner's feed while NATS hangs (SIGSTOP) past its lease, and runs one feed again once NATS answers", async () => {
    const nats = await startNats();
    // Strict: without NATS nobody runs the feed, so that any feed after the pause is a lease's.
    const [a, b] = await coordinatorsOn([nats.url, nats.url], { FEED_WITHOUT_NATS: "none" });
    watch(a!);
    await waitUntil("A to start the feed", () => logged(a!, "market data feed started") === 1);
    const onB = watch(b!);
    await waitUntil("B's watcher to receive A's updates", () => onB.messages.length >= 2);

    nats.pause();
    try {
      await waitUntil("A to stop its feed", () => a!.logs.some((line) => line.msg === "market data feed stopped" && line.symbol === SYMBOL));
      expect(await metric(a!, "spreadscan_feed_lease_losses_total")).toBe(1);
    } finally {
      nats.resume();
    }
    await waitUntil("one coordinator to run the feed again", async () => (await ownedByLease(a!)) + (await ownedByLease(b!)) === 1, 30_000);
    // A's first feed, and the one feed after the pause.
    await waitUntil("the new feed to start", () => logged(a!, "market data feed started") + logged(b!, "market data feed started") === 2);
    const intervals = [...feedIntervals("A", a!.logs, SYMBOL, Date.now()), ...feedIntervals("B", b!.logs, SYMBOL, Date.now())];
    expect(overlaps(intervals)).toEqual([]);
    expect(onB.ended).toBe(false);
  });

  it("hands the feed over when its owner shuts down, without waiting for the lease to age out", async () => {
    const nats = await startNats();
    // A lease that would outlive the test's wait: only a lease given up moves in time.
    const [a, b] = await coordinatorsOn([nats.url, nats.url], { FEED_LEASE_TTL: "120" });
    watch(a!);
    await waitUntil("A to start the feed", () => logged(a!, "market data feed started") === 1);
    const onB = watch(b!);
    await waitUntil("B's watcher to receive A's updates", () => onB.messages.length >= 2);
    await a!.close();
    await waitUntil("B to take the feed over", () => logged(b!, "market data feed started") === 1, 20_000);
    expect(onB.ended).toBe(false);
  });

  it("answers NOT_FOUND for a symbol the market does not know, and leaves no lease behind", async () => {
    const nats = await startNats();
    const [a, b] = await coordinatorsOn([nats.url, nats.url]);
    const statusOf = (coordinator: InProcessCoordinator): Promise<number> =>
      new Promise((resolve) => {
        const client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure());
        const call = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "NOSUCH", query: CREDIT_QUERY }));
        call.on("data", () => undefined);
        call.on("error", (error: { code: number }) => {
          client.close();
          resolve(error.code);
        });
      });
    expect(await statusOf(a!)).toBe(status.NOT_FOUND);
    // B takes the lease A gave up, and fails the same way rather than waiting for A's feed.
    expect(await statusOf(b!)).toBe(status.NOT_FOUND);
    expect(await ownedByLease(a!)).toBe(0);
    expect(await ownedByLease(b!)).toBe(0);
  });

  it("keeps today's per-coordinator feed without NATS_URL: no lease metrics, the feed starts at once", async () => {
    const [a] = await coordinatorsOn([""]);
    watch(a!);
    await waitUntil("A to start the feed", () => logged(a!, "market data feed started") === 1);
    const text = await (await fetch(`http://127.0.0.1:${a!.adminPort}/metrics`)).text();
    expect(text).not.toContain("spreadscan_feeds_owned");
    expect(a!.logs.find((line) => line.msg === "market data feed started")?.owner).toBeUndefined();
  });
});

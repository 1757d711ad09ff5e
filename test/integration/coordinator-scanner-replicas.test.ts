// A coordinator in front of two scanner replicas that share chains over a real nats-server
// (round robin over an ipv4: list): the feed's first chain goes to one replica and reaches the
// other through the bus. A watch that lands on the other before it arrives must wait for it,
// not end with NOT_FOUND. NATS is held (SIGSTOP) while the feed starts, so that the other
// replica certainly has no chain when the watches open.
import { credentials, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { startInProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { CREDIT_QUERY } from "../faults/support/queries.js";
import { sleep, waitUntil } from "../faults/support/services.js";
import { startInProcessScanner } from "../support/in-process-scanner.js";
import { startNats, stopAllInfraServers } from "../support/infra-servers.js";

const SYMBOL = "IWM";
const WATCHERS = 4;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(stopAllInfraServers);

interface Watcher {
  readonly messages: WatchSpreadsResponse[];
  error?: ServiceError;
}

describe("a coordinator's watches over scanner replicas sharing chains", () => {
  it("wait for the feed's first chain to reach the replica they landed on instead of ending with NOT_FOUND", async () => {
    const nats = await startNats();
    const replicas = [await startInProcessScanner({ natsUrl: nats.url }), await startInProcessScanner({ natsUrl: nats.url })];
    for (const replica of replicas) {
      cleanups.push(() => replica.close());
      await replica.bus?.synced;
    }
    const coordinator = await startInProcessCoordinator({
      SCANNER_ADDR: `ipv4:${replicas.map((replica) => `127.0.0.1:${replica.port}`).join(",")}`,
      SIMULATED_TICK_INTERVAL: "200ms",
    });
    cleanups.push(() => coordinator.close());
    // The first chain stays on the replica that takes it until NATS answers again.
    nats.pause();
    cleanups.push(() => nats.resume());

    const client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure());
    cleanups.push(() => client.close());
    const watchers: Watcher[] = [];
    for (let index = 0; index < WATCHERS; index++) {
      const call: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(
        WatchSpreadsRequest.fromPartial({ symbol: SYMBOL, query: CREDIT_QUERY, minIntervalMs: 1 }),
      );
      const watcher: Watcher = { messages: [] };
      call.on("data", (message: WatchSpreadsResponse) => watcher.messages.push(message));
      call.on("error", (error: ServiceError) => (watcher.error = error));
      cleanups.push(() => call.cancel());
      watchers.push(watcher);
    }
    // Round robin spreads the watches over both replicas: one of them has no chain yet.
    await waitUntil("a replica holds the chain", () => replicas.some((replica) => replica.store.get(SYMBOL) !== undefined), 10_000);
    await sleep(1500);
    nats.resume();

    await waitUntil(
      "every watcher to receive the feed",
      () => watchers.every((watcher) => watcher.messages.length >= 2 || watcher.error !== undefined),
      20_000,
    );
    expect(watchers.map((watcher) => (watcher.error ? status[watcher.error.code] : "open"))).toEqual(Array(WATCHERS).fill("open"));
  });
});

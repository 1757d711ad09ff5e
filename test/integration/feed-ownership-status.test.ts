// Watchers on a coordinator that does not run the symbol's feed are told of its outages too:
// two coordinators (each assembled in this process as main.ts assembles it, on the simulated
// market) in front of one scanner, sharing a real nats-server. The feed's owner sees its
// market go down (setAvailable(false)) and publishes the status; the other coordinator's
// watchers, who would otherwise see only silence, are told, and told when it is back; one that
// joins during the outage hears it on its initial update.
import { credentials, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  CoordinatorServiceClient,
  MarketDataState,
  WatchSpreadsRequest,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { CREDIT_QUERY } from "../faults/support/queries.js";
import { waitUntil } from "../faults/support/services.js";
import { startInProcessScanner } from "../support/in-process-scanner.js";
import { startNats, stopAllInfraServers } from "../support/infra-servers.js";

const SYMBOL = "IWM";
const LEASE = { FEED_LEASE_TTL: "2", FEED_LEASE_RENEW_INTERVAL: "400ms", SIMULATED_TICK_INTERVAL: "200ms" };
const { MARKET_DATA_STATE_LIVE: LIVE, MARKET_DATA_STATE_UNAVAILABLE: UNAVAILABLE } = MarketDataState;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(stopAllInfraServers);

interface Watcher {
  readonly messages: WatchSpreadsResponse[];
  readonly states: () => MarketDataState[];
  readonly updates: () => number;
}

function watch(coordinator: InProcessCoordinator): Watcher {
  const client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure());
  const call: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(
    WatchSpreadsRequest.fromPartial({ symbol: SYMBOL, query: CREDIT_QUERY, minIntervalMs: 1 }),
  );
  const messages: WatchSpreadsResponse[] = [];
  call.on("data", (message: WatchSpreadsResponse) => messages.push(message));
  call.on("error", () => undefined);
  cleanups.push(() => {
    call.cancel();
    client.close();
  });
  return {
    messages,
    states: () => messages.flatMap((message) => (message.status ? [message.status.state] : [])),
    updates: () => messages.filter((message) => message.update).length,
  };
}

describe("market data status across coordinators sharing NATS", () => {
  it("tells the watchers of the coordinator without the feed when the owner's market goes down and comes back", async () => {
    const nats = await startNats();
    const scanner = await startInProcessScanner();
    cleanups.push(() => scanner.close());
    const [a, b] = await Promise.all(
      [0, 1].map(async () => {
        const coordinator = await startInProcessCoordinator({ SCANNER_ADDR: `127.0.0.1:${scanner.port}`, NATS_URL: nats.url, ...LEASE });
        cleanups.push(() => coordinator.close());
        return coordinator;
      }),
    );
    const onA = watch(a!);
    await waitUntil("A to start the feed", () => a!.logs.some((line) => line.msg === "market data feed started" && line.symbol === SYMBOL));
    const onB = watch(b!);
    await waitUntil("B's watcher to receive A's updates", () => onB.updates() >= 2);
    expect(b!.logs.some((line) => line.msg === "market data feed started")).toBe(false);
    expect([onA.states(), onB.states()]).toEqual([[], []]);

    a!.market.setAvailable(false);
    await waitUntil("both watchers to be told the data is unavailable", () => onA.states().at(-1) === UNAVAILABLE && onB.states().at(-1) === UNAVAILABLE);
    const ownerSaid = onA.messages.find((message) => message.status)?.status;
    const followerHeard = onB.messages.find((message) => message.status)?.status;
    // The owner's status as it is: the same start of the outage, the same reason.
    expect(followerHeard).toEqual(ownerSaid);

    // A watcher joining B during the outage: its initial update says so.
    const late = watch(b!);
    await waitUntil("the late watcher to be told", () => late.states().length === 1);
    expect(late.messages[0]?.update?.initial).toBe(true);
    expect(late.messages[0]?.status).toEqual(ownerSaid);

    a!.market.setAvailable(true);
    await waitUntil("every watcher to be told the data is live again", () => [onA, onB, late].every((watcher) => watcher.states().at(-1) === LIVE));
    expect(onB.states()).toEqual([UNAVAILABLE, LIVE]);
  });
});

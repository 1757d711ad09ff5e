// A watch on the coordinator is told when the symbol's market data stops being live: the
// coordinator as a process on IBKR market data, through the real @stoqey/ib to the fake TWS
// over loopback, with TWS losing IBKR (1100) and getting it back (1102), then an account that
// has delayed data only. Each watcher gets a status-only message when the state changes, and
// one that joins while the data is not live hears it right after its initial update.
import { credentials, status, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoordinatorServiceClient,
  MarketDataState,
  WatchSpreadsRequest,
  type MarketDataStatus,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { FakeTws } from "../fixtures/fake-tws/index.js";

/** Bull puts 20 to 35 days out with $1 wings: a few dozen contracts, streamed within the lines. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});
const { MARKET_DATA_STATE_LIVE: LIVE, MARKET_DATA_STATE_DELAYED: DELAYED, MARKET_DATA_STATE_UNAVAILABLE: UNAVAILABLE } = MarketDataState;

let fake: FakeTws;
let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let client: CoordinatorServiceClient;
let ticking: NodeJS.Timeout;

beforeAll(async () => {
  fake = await FakeTws.start({ seed: 7, maxLines: 100 });
  scanner = spawnService("services/scanner/main.ts", freePorts("SCANNER"));
  const scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    MARKET_DATA: "ibkr",
    IB_HOST: "127.0.0.1",
    IB_PORT: String(fake.port),
    IB_CLIENT_ID: "4",
    IB_MAX_LINES: "40",
    IB_LOOKUP_TIMEOUT: "5",
  });
  const listening = await coordinator.waitForLog((line) => line.msg === "listening");
  client = new CoordinatorServiceClient(`127.0.0.1:${listening.grpcPort as number}`, credentials.createInsecure());
  await coordinator.waitForLog((line) => line.msg === "coordinator ready");
  // The market moves: each tick pushes fresh quotes to the open lines (none while TWS has lost IBKR).
  ticking = setInterval(() => fake.tick(), 200);
}, 60_000);

afterAll(async () => {
  clearInterval(ticking);
  client.close();
  coordinator.kill();
  scanner.kill();
  await fake.close();
});

interface Watch {
  readonly messages: WatchSpreadsResponse[];
  readonly errors: unknown[];
  readonly statuses: () => MarketDataStatus[];
  readonly updates: () => number;
  cancel(): void;
}

function watch(symbol: string): Watch {
  const call: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol, query: QUERY, minIntervalMs: 1 }));
  const messages: WatchSpreadsResponse[] = [];
  const errors: unknown[] = [];
  call.on("data", (message: WatchSpreadsResponse) => messages.push(message));
  call.on("error", (error: Error & { code: status }) => {
    if (error.code !== status.CANCELLED) errors.push(error);
  });
  return {
    messages,
    errors,
    statuses: () => messages.flatMap((message) => (message.status ? [message.status] : [])),
    updates: () => messages.filter((message) => message.update).length,
    cancel: () => call.cancel(),
  };
}

describe("a coordinator watch on IBKR market data", () => {
  it("is told when TWS loses IBKR and when the data is back, and a second watcher hears the delayed state first thing", async () => {
    const first = watch("SPY");
    try {
      await expect.poll(() => first.updates(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      // Live data says nothing.
      expect(first.statuses()).toEqual([]);

      fake.sendConnectivity(1100);
      await expect.poll(() => first.statuses().length, { timeout: 20_000 }).toBe(1);
      const down = first.statuses()[0];
      expect(down).toMatchObject({ symbol: "SPY", state: UNAVAILABLE });
      expect(down?.reason).toContain("1100");
      expect(down?.since).toBeInstanceOf(Date);
      // Every message carries exactly one of update and status.
      for (const message of first.messages) expect(Number(message.update !== undefined) + Number(message.status !== undefined)).toBe(1);

      fake.sendConnectivity(1102);
      await expect.poll(() => first.statuses().length, { timeout: 20_000 }).toBe(2);
      const back = first.statuses()[1];
      expect(back).toMatchObject({ symbol: "SPY", state: LIVE, reason: "" });
      expect(back?.since?.getTime()).toBeGreaterThanOrEqual(down?.since?.getTime() ?? Number.POSITIVE_INFINITY);
      const updatesWhenBack = first.updates();
      await expect.poll(() => first.updates(), { timeout: 20_000 }).toBeGreaterThan(updatesWhenBack);

      // The account loses its live subscription; TWS drops every line (1101), and the lines
      // asked again get 354, then delayed data.
      fake.setDelayedOnly(true);
      fake.sendConnectivity(1101);
      await expect.poll(() => first.statuses().at(-1)?.state, { timeout: 30_000 }).toBe(DELAYED);

      // A watcher joining now: its initial update, then the state at once.
      const second = watch("SPY");
      try {
        await expect.poll(() => second.statuses().length, { timeout: 30_000 }).toBe(1);
        expect(second.messages[0]?.update?.initial).toBe(true);
        expect(second.messages[1]?.status).toMatchObject({ symbol: "SPY", state: DELAYED });
        expect(second.errors).toEqual([]);
      } finally {
        second.cancel();
      }
      expect(first.errors).toEqual([]);
      // Statuses are not updates: the updates are numbered 1, 2, 3… without gaps.
      const sequences = first.messages.flatMap((message) => (message.update ? [message.update.sequence] : []));
      expect(sequences).toEqual(sequences.map((_, index) => BigInt(index + 1)));
    } finally {
      first.cancel();
      fake.setDelayedOnly(false);
    }
  });
});

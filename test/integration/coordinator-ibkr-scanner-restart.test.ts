// An IBKR feed streams only the contracts its lines allow, fewer than the base chain it
// fetched first; each tick is merged into the scanner's chain. When the scanner restarts, a
// tick can reach the empty scanner before the coordinator's watch finds the chain missing:
// the scanner then holds the streamed contracts alone. The coordinator must see it from the
// scanner's answer and send the base again. The coordinator and scanner as processes, the
// real @stoqey/ib against the fake TWS, a real scanner restart on the same port.
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, ScanRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { startScanner } from "../support/coordinator-pair.js";
import { callUnary } from "../support/echo-server.js";
import type { ServiceProcess } from "../support/service-process.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";

/** Bull puts 20 to 35 days out with $1 wings: a few dozen contracts, more than the feed's lines. */
const WATCHED = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});
/**
 * The pairs of strikes the stored chain has in that range, whatever their prices: how many a
 * scan considers counts the contracts the scanner holds.
 */
const COUNTING = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 20, maxDte: 35, maxWidth: 1 }, limit: 1 });
/** 20 lines: 4 kept for snapshots, 1 for the underlying, 15 option contracts streamed. */
const MAX_LINES = 20;
const RECONNECTING = "the scanner's watch ended; reconnecting";

let stack: IbkrCoordinatorStack;
let scannerPort: number;
let coordinator: ServiceProcess;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 11, maxLines: 100 },
    coordinatorEnv: {
      IB_CLIENT_ID: "5",
      IB_MAX_LINES: String(MAX_LINES),
      IB_LOOKUP_TIMEOUT: "5",
      // The circuit stays closed: each tick tries the scanner, and the watch reconnects on its own backoff.
      CIRCUIT_BREAKER_THRESHOLD: "1000",
    },
    tickMs: 200,
  });
  ({ scannerPort, coordinator, client } = stack);
}, 60_000);

afterAll(() => stack.stop());

/** How many candidates a scan of the scanner's stored SPY chain considers; undefined while it has none. */
async function storedPairs(): Promise<bigint | undefined> {
  const direct = new ScannerServiceClient(`127.0.0.1:${scannerPort}`, credentials.createInsecure());
  try {
    const { response } = await callUnary(direct.scan.bind(direct), ScanRequest.fromPartial({ symbol: "SPY", query: COUNTING }), { deadlineMs: 10_000 });
    return response?.result?.candidatesConsidered;
  } finally {
    direct.close();
  }
}

describe("an IBKR feed across a scanner restart", () => {
  it("sends its base chain again when a tick reached the restarted scanner first, so the scanner holds every contract again", { timeout: 90_000 }, async () => {
    const watch = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "SPY", query: WATCHED, minIntervalMs: 1 }));
    const received: WatchSpreadsResponse[] = [];
    const errors: unknown[] = [];
    watch.on("data", (message: WatchSpreadsResponse) => received.push(message));
    watch.on("error", (error: Error & { code: status }) => {
      if (error.code !== status.CANCELLED) errors.push(error);
    });
    try {
      await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      // The feed streams fewer contracts than its base chain holds.
      await expect.poll(() => coordinator.logs.some((line) => line.msg === "ibkr: live feed streaming"), { timeout: 30_000 }).toBe(true);
      expect(coordinator.logs.find((line) => line.msg === "ibkr: live feed streaming")?.lines).toBeLessThan(MAX_LINES);
      const full = await storedPairs();
      expect(full).toBeGreaterThan(0n);

      stack.scanner.kill();
      await stack.scanner.exited;
      // The watch backs off (0.2 s doubling to 5 s) while ticks keep trying the scanner: once
      // its waits are seconds long, the restarted scanner's first call is a tick's merge.
      await expect
        .poll(() => coordinator.logs.filter((line) => line.msg === RECONNECTING).length, { timeout: 30_000, interval: 100 })
        .toBeGreaterThanOrEqual(6);
      ({ process: stack.scanner } = await startScanner(String(scannerPort)));

      // Every contract of the base again, not only the streamed ones (and any the feed's
      // re-quotes added since: it reaches what its own plan selects, made a moment after the base).
      await expect.poll(async () => ((await storedPairs()) ?? 0n) >= (full ?? 1n), { timeout: 30_000, interval: 500 }).toBe(true);
      const before = received.length;
      await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThan(before);
      expect(errors).toEqual([]);
    } finally {
      watch.cancel();
    }
  });
});

// The coordinator's WatchSpreads passes min_interval_ms on to the scanner's watch: the
// coordinator assembled as main.ts assembles it, on the simulated market, in front of a
// scanner whose watches pace themselves by a clock the test moves.
import { credentials, type ClientReadableStream } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { loadConfig } from "../../services/common/config.js";
import { createServiceBase } from "../../services/common/service-base.js";
import { coordinatorConfig, coordinatorVariables } from "../../services/coordinator/config.js";
import { assembleCoordinator } from "../../services/coordinator/coordinator-assembly.js";
import { SimulatedMarket } from "../../services/coordinator/market/simulated-market.js";
import { startInProcessScanner } from "../support/in-process-scanner.js";
import { EventLog } from "../support/event-log.js";
import { ManualClock } from "../support/manual-clock.js";
import { temporaryDataDir } from "../support/temporary-data-dir.js";

const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 7, maxDte: 45, maxWidth: 5 }, limit: 5 });
// Unlike the scanner's default (10 ms in the test scanner), so that only a relayed interval gives it.
const INTERVAL_MS = 7_000;

type WatchEvent = { readonly kind: "sleep"; readonly ms: number } | { readonly kind: "message"; readonly message: WatchSpreadsResponse };

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the coordinator's WatchSpreads", () => {
  it("relays min_interval_ms: the scanner's watch waits that long after each message", async () => {
    const events = new EventLog<WatchEvent>();
    const clock = new ManualClock(0, (ms) => events.push({ kind: "sleep", ms }));
    const scanner = await startInProcessScanner({ clock });
    cleanups.push(() => scanner.close());
    const config = coordinatorConfig(
      loadConfig(coordinatorVariables, {
        COORDINATOR_HOST: "127.0.0.1",
        COORDINATOR_PORT: "0",
        COORDINATOR_ADMIN_PORT: "0",
        DATA_DIR: temporaryDataDir(),
        SCANNER_ADDR: `127.0.0.1:${scanner.port}`,
        // Chain updates every 50 ms (real time): the scanner's watch has news to pace.
        SIMULATED_TICK_INTERVAL: "50ms",
        LOG_LEVEL: "silent",
      }),
    );
    const coordinator = await assembleCoordinator(
      config,
      createServiceBase("coordinator", config),
      new SimulatedMarket({ seed: 1, tickIntervalMs: config.marketData.simulatedTickMs }),
    );
    const { grpcPort } = await coordinator.runtime.start();
    cleanups.push(() => coordinator.close("test finished"));
    const client = new CoordinatorServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    cleanups.push(() => client.close());

    const stream: ClientReadableStream<WatchSpreadsResponse> = client.watchSpreads(
      WatchSpreadsRequest.fromPartial({ symbol: "SPY", query: QUERY, minIntervalMs: INTERVAL_MS }),
    );
    cleanups.push(() => stream.cancel());
    stream.on("data", (message: WatchSpreadsResponse) => events.push({ kind: "message", message }));
    stream.on("error", () => undefined);

    expect(await events.next()).toMatchObject({ kind: "message", message: { update: { sequence: 1n, initial: true } } });
    // The clock stands still: the next chain update finds the whole interval ahead.
    expect(await events.next()).toEqual({ kind: "sleep", ms: INTERVAL_MS });
    clock.advance(INTERVAL_MS);
    // The interval is over: the first update whose top N differs is the next message, without a wait.
    expect(await events.next()).toMatchObject({ kind: "message", message: { update: { sequence: 2n, initial: false } } });
    // And the interval starts again from it.
    expect(await events.next()).toEqual({ kind: "sleep", ms: INTERVAL_MS });
  });
});

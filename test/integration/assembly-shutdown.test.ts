// A service stopped by a signal goes through ServiceRuntime.stop, the same path as a test's
// close: what it holds (the market connection, the scanner channels, worker threads) is
// released there, in the one shutdown order, not only when a test remembers to.
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../services/common/config.js";
import { createServiceBase } from "../../services/common/service-base.js";
import { coordinatorConfig, coordinatorVariables } from "../../services/coordinator/config.js";
import { assembleCoordinator } from "../../services/coordinator/coordinator-assembly.js";
import { SimulatedMarket } from "../../services/coordinator/market/simulated-market.js";
import { scannerConfig, scannerVariables } from "../../services/scanner/config.js";
import { assembleScanner } from "../../services/scanner/scanner-assembly.js";
import { temporaryDataDir } from "../support/temporary-data-dir.js";

/** The simulated market, counting its closes. */
class ClosedCountingMarket extends SimulatedMarket {
  closes = 0;
  override close(): Promise<void> {
    this.closes++;
    return super.close();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe("stopping a service as its signal handler does (runtime.stop)", () => {
  it("closes the coordinator's market data provider once, after its calls have ended", async () => {
    const config = coordinatorConfig(
      loadConfig(coordinatorVariables, {
        COORDINATOR_HOST: "127.0.0.1",
        COORDINATOR_PORT: "0",
        COORDINATOR_ADMIN_PORT: "0",
        DATA_DIR: temporaryDataDir(),
        LOG_LEVEL: "silent",
        SHUTDOWN_GRACE_PERIOD: "0",
      }),
    );
    const market = new ClosedCountingMarket({ seed: 1, tickIntervalMs: 60_000 });
    const coordinator = await assembleCoordinator(config, createServiceBase("coordinator", config), market);
    await coordinator.runtime.start();
    await coordinator.runtime.stop("SIGTERM");
    expect(market.closes).toBe(1);
    // A second stop (a test's close after a signal) waits for the same shutdown.
    await coordinator.close("test finished");
    expect(market.closes).toBe(1);
  });

  it("stops the scanner's worker threads", async () => {
    const config = scannerConfig(
      loadConfig(scannerVariables, { SCANNER_HOST: "127.0.0.1", SCANNER_PORT: "0", SCANNER_ADMIN_PORT: "0", LOG_LEVEL: "silent", SHUTDOWN_GRACE_PERIOD: "0" }),
    );
    const scanner = assembleScanner(config, createServiceBase("scanner", config));
    cleanups.push(() => scanner.close("test finished"));
    await scanner.runtime.start();
    await expect.poll(() => scanner.pool.liveThreads).toBeGreaterThan(0);
    await scanner.runtime.stop("SIGTERM");
    expect(scanner.pool.liveThreads).toBe(0);
  });
});

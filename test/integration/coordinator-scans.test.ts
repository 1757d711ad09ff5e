// A scan job's order of work against the scanner's circuit: while it is open the job fails
// at once, before asking the market for a chain (known defect KD-2: every scan used to fetch
// and price its chain, and with IBKR spend paced requests, only to be refused).
import { status } from "@grpc/grpc-js";
import { CircuitState } from "cockatiel";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { RpcError } from "../../services/common/errors.js";
import { BackpressureHandler } from "../../services/coordinator/backpressure/index.js";
import { CoordinatorMetrics } from "../../services/coordinator/coordinator-metrics.js";
import { CoordinatorScans } from "../../services/coordinator/coordinator-scans.js";
import { JobManager } from "../../services/coordinator/jobs/job-manager.js";
import type { ChainRequest } from "../../services/coordinator/market/market-data-provider.js";
import { SimulatedMarket } from "../../services/coordinator/market/simulated-market.js";
import { ScanCache } from "../../services/coordinator/scan-cache.js";
import { createScannerCircuitBreaker } from "../../services/coordinator/scanner-breaker.js";
import { ScannerClient } from "../../services/coordinator/scanner-client.js";
import { startFlakyScanner } from "../fixtures/flaky-scanner.js";

const QUERY = ScanQuery.fromPartial({ filters: { maxDte: 30, maxWidth: 5 } });
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The simulated market, counting the chains asked of it. */
class CountedMarket extends SimulatedMarket {
  fetches = 0;

  override fetchChain(request: ChainRequest): Promise<OptionChain> {
    this.fetches++;
    return super.fetchChain(request);
  }
}

function scansAgainst(address: string, halfOpenAfterMs: number) {
  const market = new CountedMarket({ seed: 1, tickIntervalMs: 60_000 });
  const pacer = new BackpressureHandler({ strategy: "token-bucket", requestsPerSecond: 100, burstSize: 100 });
  const breaker = createScannerCircuitBreaker({ threshold: 1, halfOpenAfterMs });
  const scanner = new ScannerClient({
    address,
    attemptTimeoutMs: 5_000,
    maxRetries: 0,
    breaker,
    channelOptions: { "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 100 },
  });
  const metrics: CoordinatorMetrics = new CoordinatorMetrics(new Registry(), {
    runningJobs: () => jobs.runningCount,
    queuedJobs: () => jobs.queuedCount,
    activeFeeds: () => 0,
    backpressure: () => pacer.metrics(),
    scannerCircuitOpen: () => breaker.state !== CircuitState.Closed,
  });
  const scans = new CoordinatorScans({ market, pacer, scanner, cache: new ScanCache(0), metrics });
  const jobs: JobManager = new JobManager({
    work: scans.runJob,
    maxRunning: 4,
    maxQueued: 10,
    timeLimitMs: 10_000,
    retentionMs: 60_000,
    maxRetained: 100,
    retryAfterMs: 1000,
    logger: pino({ level: "silent" }),
  });
  scans.attach(jobs);
  cleanups.push(() => market.close(), () => scanner.close());
  const scan = (symbol: string): Promise<RpcError | string> =>
    scans.scan(symbol, QUERY, `${symbol}:key`, { bypassCache: true, signal: new AbortController().signal }).then(
      (answer) => answer.result.symbol,
      (error: unknown) => (error instanceof RpcError ? error : Promise.reject(error instanceof Error ? error : new Error(String(error)))),
    );
  const jobCount = (): number => jobs.list(new Set(), 1000, "")?.jobs.length ?? 0;
  return { market, breaker, scan, jobCount };
}

describe("a scan while the scanner's circuit is open", () => {
  it("fails UNAVAILABLE with a retry delay without fetching a chain, and fetches again once a probe is due", async () => {
    const first = await startFlakyScanner();
    const { port } = first;
    first.stop();
    const { market, breaker, scan, jobCount } = scansAgainst(first.address, 400);

    // The scanner is down: this scan fetched its chain, then failed and opened the circuit.
    const down = await scan("SPY");
    expect(down).toBeInstanceOf(RpcError);
    expect((down as RpcError).code).toBe(status.UNAVAILABLE);
    expect(breaker.state).toBe(CircuitState.Open);
    expect(market.fetches).toBe(1);

    // Open: refused before it queues as a job, and so before the market is asked.
    const refused = (await scan("QQQ")) as RpcError;
    expect(refused.code).toBe(status.UNAVAILABLE);
    expect(refused.message).toContain("circuit open");
    expect(refused.details.retryDelayMs).toBeGreaterThan(0);
    expect(market.fetches).toBe(1);
    expect(jobCount()).toBe(1);

    // Back, and the probe due: the next scan fetches its chain and is the probe that closes the circuit.
    const back = await startFlakyScanner({}, port);
    cleanups.push(() => back.stop());
    await new Promise((resolve) => setTimeout(resolve, (refused.details.retryDelayMs ?? 0) + 50));
    expect(await scan("IWM")).toBe("IWM");
    expect(market.fetches).toBe(2);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(back.callsOf("scan")).toHaveLength(1);
  });
});

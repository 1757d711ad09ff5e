// A scan job's order of work against the scanner's circuit: while it is open the job fails
// at once, before asking the market for a chain (known defect KD-2: every scan used to fetch
// and price its chain, and with IBKR spend paced requests, only to be refused). And the
// stale answer while the scanner is unavailable, with its age on a clock the test moves.
import { status } from "@grpc/grpc-js";
import { CircuitState } from "cockatiel";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResponse } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { RpcError, unavailable } from "../../services/common/errors.js";
import { Pacer } from "../../services/coordinator/pacing/index.js";
import { CoordinatorMetrics } from "../../services/coordinator/coordinator-metrics.js";
import { CoordinatorScans, type ScanAnswer } from "../../services/coordinator/coordinator-scans.js";
import { JobManager } from "../../services/coordinator/jobs/job-manager.js";
import { durationOf } from "../../services/coordinator/jobs/scan-job.js";
import type { ChainRequest } from "../../services/coordinator/market/market-data-provider.js";
import { SimulatedMarket } from "../../services/coordinator/market/simulated-market.js";
import { ScanCache } from "../../services/coordinator/scan-cache.js";
import { ScanJobWork } from "../../services/coordinator/scan-job-work.js";
import { createScannerCircuitBreaker } from "../../services/coordinator/scanner-client/scanner-breaker.js";
import { ScannerClient } from "../../services/coordinator/scanner-client/scanner-client.js";
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

function scansAgainst(
  address: string,
  halfOpenAfterMs: number,
  { staleMaxAgeMs = 0, cacheTtlMs = 0, now }: { staleMaxAgeMs?: number; cacheTtlMs?: number; now?: () => number } = {},
) {
  const market = new CountedMarket({ seed: 1, tickIntervalMs: 60_000 });
  const pacer = new Pacer({ strategy: "token-bucket", requestsPerSecond: 100, burstSize: 100 });
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
    pacing: () => pacer.metrics(),
    scannerCircuitOpen: () => breaker.state !== CircuitState.Closed,
  });
  const cache = new ScanCache(cacheTtlMs, staleMaxAgeMs);
  const work = new ScanJobWork({ market, pacer, scanner, cache, metrics, ...(now ? { now } : {}) });
  const jobs: JobManager = new JobManager({
    work: work.run,
    maxRunning: 4,
    maxQueued: 10,
    timeLimitMs: 10_000,
    retentionMs: 60_000,
    maxRetained: 100,
    retryAfterMs: 1000,
    logger: pino({ level: "silent" }),
  });
  const scans = new CoordinatorScans({ jobs, scanner, cache, metrics, ...(now ? { now } : {}) });
  cleanups.push(
    () => market.close(),
    () => scanner.close(),
  );
  const answer = (symbol: string, bypassCache: boolean): Promise<ScanAnswer | RpcError> =>
    scans
      .scan(symbol, QUERY, `${symbol}:key`, { bypassCache, signal: new AbortController().signal, askedBy: "" })
      .catch((error: unknown) => (error instanceof RpcError ? error : Promise.reject(error instanceof Error ? error : new Error(String(error)))));
  const scan = async (symbol: string): Promise<RpcError | string> => {
    const answered = await answer(symbol, true);
    return answered instanceof RpcError ? answered : answered.result.symbol;
  };
  const jobCount = (): number => jobs.list({ owner: "", everyJob: true }, new Set(), 1000, "")?.jobs.length ?? 0;
  return { market, breaker, answer, scan, jobCount };
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

describe("a cache hit", () => {
  it("says how old the cached result is, as the contract's age promises, without being stale", async () => {
    const server = await startFlakyScanner({ scan: (_index, request) => ({ response: ScanResponse.fromPartial({ result: { symbol: request.symbol } }) }) });
    cleanups.push(() => server.stop());
    let now = 1_700_000_000_000;
    const { answer } = scansAgainst(server.address, 60_000, { cacheTtlMs: 300_000, now: () => now });

    const fresh = await answer("SPY", false);
    expect(fresh).toMatchObject({ cacheHit: false, stale: false });
    expect((fresh as ScanAnswer).ageMs).toBeUndefined();

    now += 250;
    const hit = await answer("SPY", false);
    expect(hit).toEqual({ result: (fresh as ScanAnswer).result, cacheHit: true, jobId: (fresh as ScanAnswer).jobId, stale: false, ageMs: 250 });
    expect(server.callsOf("scan")).toHaveLength(1);
  });
});

describe("a scan while the scanner is unavailable", () => {
  it("is answered with the last result of the same scan, marked stale with its age since it was stored", async () => {
    // The first scan is answered; the scanner is down for every one after it.
    const server = await startFlakyScanner({
      scan: (index, request) =>
        index === 0 ? { response: ScanResponse.fromPartial({ result: { symbol: request.symbol } }) } : { error: unavailable("scanner down") },
    });
    cleanups.push(() => server.stop());
    let now = 1_700_000_000_000;
    const { answer } = scansAgainst(server.address, 60_000, { staleMaxAgeMs: 3_600_000, now: () => now });

    const fresh = await answer("SPY", false);
    expect(fresh).not.toBeInstanceOf(RpcError);
    expect(fresh).toMatchObject({ cacheHit: false, stale: false });
    expect((fresh as ScanAnswer).ageMs).toBeUndefined();

    now += 4_321;
    const stale = await answer("SPY", false);
    expect(stale).toEqual({ result: (fresh as ScanAnswer).result, cacheHit: true, jobId: (fresh as ScanAnswer).jobId, stale: true, ageMs: 4_321 });
    // And on the wire: 4.321 s.
    expect(durationOf(4_321)).toEqual({ seconds: 4n, nanos: 321_000_000 });

    // A caller who bypasses the cache asked for a fresh result or none.
    const refused = await answer("SPY", true);
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).code).toBe(status.UNAVAILABLE);
  });
});

// The shared scan cache on a real redis-server, between two coordinators assembled in this
// process against one scanner: a result computed by one is answered by the other without a
// scan, identical concurrent scans on both compute once, a dead owner's lease is taken over,
// bypass_cache reads neither tier but still stores, and a hung Redis costs no scan.
import { credentials } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest, type ScanResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { leaseKey } from "../../services/coordinator/shared-cache/scan-lease.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { callUnary } from "../support/echo-server.js";
import { startCoordinatorsOnRedis, type CoordinatorsOnRedis } from "../support/coordinators-on-redis.js";
import type { InfraServer } from "../support/infra-servers.js";
import type { InProcessScanner } from "../support/in-process-scanner.js";
import { scrapeSum, sumOfSamples } from "../support/prometheus-samples.js";

let redis: InfraServer;
let scanner: InProcessScanner;
let a: InProcessCoordinator;
let b: InProcessCoordinator;
let clientA: CoordinatorServiceClient;
let clientB: CoordinatorServiceClient;
let inspector: Redis;

/** A query of its own per test (its limit), so that every test starts cold. */
const queryWith = (limit: number): ScanQuery =>
  ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 7, maxDte: 30, maxWidth: 5 }, limit });

async function scan(client: CoordinatorServiceClient, symbol: string, query: ScanQuery, bypassCache = false): Promise<ScanResponse> {
  const outcome = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query, bypassCache }), { deadlineMs: 20_000 });
  if (outcome.error || !outcome.response) throw outcome.error ?? new Error("no response");
  return outcome.response;
}

const scannerScans = async (): Promise<number> => sumOfSamples(await scanner.registry.metrics(), "grpc_server_started_total", { grpc_method: "Scan" });
/** The one result key of `symbol` in Redis, and the scan key it is made of. */
async function storedKeyOf(symbol: string): Promise<{ result: string; scan: string }> {
  const keys = await inspector.keys(`spreadscan:v1:scan:${symbol}\u0000*`);
  expect(keys).toHaveLength(1);
  return { result: keys[0]!, scan: keys[0]!.slice("spreadscan:v1:scan:".length) };
}

const fetchesOf = (coordinator: InProcessCoordinator): Promise<number> => scrapeSum(coordinator.adminPort, "spreadscan_market_chain_fetches_total");

/** What every coordinator of these tests runs with, beside the fleet's scanner and Redis. */
const SETTINGS = {
  // Long enough that a loaded host cannot starve a live owner's renewal (every third of the
  // TTL) into a takeover: at 1 s, 10 concurrent cold scans fetched twice once at load 13. The
  // takeover test plants its own short lease.
  SCAN_LEASE_TTL: "10",
  REQUESTS_PER_SECOND: "1000",
  BURST_SIZE: "1000",
  MAX_CONCURRENT_SCANS: "10",
};

/** The environment of a further coordinator on the same scanner and Redis. */
function coordinatorEnv(): Record<string, string> {
  return { SCANNER_ADDR: `127.0.0.1:${scanner.port}`, REDIS_URL: redis.url, ...SETTINGS };
}

let fleet: CoordinatorsOnRedis;
beforeAll(async () => {
  fleet = await startCoordinatorsOnRedis(SETTINGS);
  ({ redis, scanner, a, b, clientA, clientB, inspector } = fleet);
}, 60_000);

afterAll(() => fleet.close());

describe("the shared scan cache", () => {
  it("answers on B what A computed, from Redis, without a scanner Scan, and B's own tier answers after that", async () => {
    const query = queryWith(3);
    const scansBefore = await scannerScans();
    const first = await scan(clientA, "SPY", query);
    expect(first.cacheHit).toBe(false);
    expect(await scannerScans()).toBe(scansBefore + 1);

    const fromShared = await scan(clientB, "SPY", query);
    expect(fromShared.cacheHit).toBe(true);
    expect(fromShared.jobId).toBe(first.jobId);
    expect(fromShared.result).toEqual(first.result);
    expect(await scannerScans()).toBe(scansBefore + 1);
    expect(await scrapeSum(b.adminPort, "spreadscan_scan_cache_hits_total", { tier: "shared" })).toBe(1);

    const fromLocal = await scan(clientB, "SPY", query);
    expect(fromLocal.cacheHit).toBe(true);
    expect(await scrapeSum(b.adminPort, "spreadscan_scan_cache_hits_total", { tier: "local" })).toBe(1);
  });

  it("computes 10 concurrent cold scans on each of two coordinators once: one chain fetch and one Scan in all", async () => {
    const query = queryWith(4);
    const scansBefore = await scannerScans();
    const fetchesBefore = (await fetchesOf(a)) + (await fetchesOf(b));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => scan(index % 2 === 0 ? clientA : clientB, "QQQ", query)));
    // One job per coordinator (its own single flight), one computation between them: the same result everywhere.
    expect((await fetchesOf(a)) + (await fetchesOf(b)) - fetchesBefore).toBe(1);
    expect(new Set(answers.map((answer) => answer.jobId)).size).toBe(2);
    for (const answer of answers) expect(answer.result).toEqual(answers[0]!.result);
    expect((await fetchesOf(a)) + (await fetchesOf(b)) - fetchesBefore).toBe(1);
    expect(await scannerScans()).toBe(scansBefore + 1);
    const waitedForResult =
      (await scrapeSum(a.adminPort, "spreadscan_scan_lease_waits_total", { outcome: "result" })) +
      (await scrapeSum(b.adminPort, "spreadscan_scan_lease_waits_total", { outcome: "result" }));
    expect(waitedForResult).toBeGreaterThanOrEqual(1);
  });

  it("takes over the lease of an owner that stopped renewing it, and answers", async () => {
    const query = queryWith(5);
    const earlier = await scan(clientA, "IWM", query);
    const key = await storedKeyOf("IWM");
    // What a coordinator that died while computing leaves behind: its lease, until it expires.
    await inspector.set(leaseKey(key.scan), "a-dead-owner", "PX", 800);
    const takeoversBefore = await scrapeSum(b.adminPort, "spreadscan_scan_lease_takeovers_total");
    const answer = await scan(clientB, "IWM", query, true);
    expect(answer.cacheHit).toBe(false);
    expect(answer.jobId).not.toBe(earlier.jobId);
    expect(answer.result?.spreads.length).toBeGreaterThan(0);
    expect(await scrapeSum(b.adminPort, "spreadscan_scan_lease_takeovers_total")).toBe(takeoversBefore + 1);
    expect(await inspector.exists(leaseKey(key.scan))).toBe(0);
    expect(await inspector.hget(key.result, "job_id")).toBe(answer.jobId);
  });

  it("reads neither tier for bypass_cache, and still stores the fresh result for the others", async () => {
    const query = queryWith(6);
    const cached = await scan(clientA, "AAPL", query);
    const key = await storedKeyOf("AAPL");
    const scansBefore = await scannerScans();
    const fresh = await scan(clientB, "AAPL", query, true);
    expect(fresh.cacheHit).toBe(false);
    expect(fresh.jobId).not.toBe(cached.jobId);
    expect(await scannerScans()).toBe(scansBefore + 1);
    expect(await inspector.hget(key.result, "job_id")).toBe(fresh.jobId);
    expect(await inspector.pttl(key.result)).toBeGreaterThan(0);
  });

  it("without a cache (SCAN_CACHE_TTL 0) still computes identical waiting scans once, and caches nothing", async () => {
    const c = await startInProcessCoordinator({ ...coordinatorEnv(), SCAN_CACHE_TTL: "0" });
    const d = await startInProcessCoordinator({ ...coordinatorEnv(), SCAN_CACHE_TTL: "0" });
    const clientC = new CoordinatorServiceClient(c.address, credentials.createInsecure());
    const clientD = new CoordinatorServiceClient(d.address, credentials.createInsecure());
    try {
      const query = queryWith(12);
      // A's cached result names the key; C and D, without a cache, must not answer from it.
      await scan(clientA, "TSLA", query);
      const key = await storedKeyOf("TSLA");
      // Another coordinator computing: both jobs wait for it, then one computes for both.
      await inspector.set(leaseKey(key.scan), "another-owner", "PX", 60_000);
      const scansBefore = await scannerScans();
      const answers = Promise.all(Array.from({ length: 10 }, (_, index) => scan(index % 2 === 0 ? clientC : clientD, "TSLA", query)));
      for (const coordinator of [c, d]) {
        await expect.poll(() => scrapeSum(coordinator.adminPort, "spreadscan_scan_jobs", { state: "running" })).toBe(1);
      }
      await inspector.del(leaseKey(key.scan));
      const answered = await answers;
      expect(answered.every((answer) => !answer.cacheHit)).toBe(true);
      expect(await scannerScans()).toBe(scansBefore + 1);
      const later = await scan(clientD, "TSLA", query);
      expect(later.cacheHit).toBe(false);
      expect(await scannerScans()).toBe(scansBefore + 2);
    } finally {
      clientC.close();
      clientD.close();
      await c.close();
      await d.close();
    }
  });

  it("takes a result another coordinator stored while its job was queued, rather than computing it again", async () => {
    const e = await startInProcessCoordinator({ ...coordinatorEnv(), MAX_CONCURRENT_SCANS: "1", SCAN_LEASE_WAIT: "60" });
    const clientE = new CoordinatorServiceClient(e.address, credentials.createInsecure());
    try {
      // E's one job slot is taken by a job waiting for another coordinator's lease on another key.
      const blockerQuery = queryWith(13);
      await scan(clientA, "NVDA", blockerQuery, true);
      const blocker = await storedKeyOf("NVDA");
      await inspector.set(leaseKey(blocker.scan), "another-owner", "PX", 60_000);
      const blocked = scan(clientE, "NVDA", blockerQuery, true);
      await expect.poll(() => scrapeSum(e.adminPort, "spreadscan_scan_jobs", { state: "running" })).toBe(1);

      const query = queryWith(14);
      const onE = scan(clientE, "AMZN", query);
      await expect.poll(() => scrapeSum(e.adminPort, "spreadscan_scan_jobs", { state: "queued" })).toBe(1);
      const onA = await scan(clientA, "AMZN", query);
      const scansBefore = await scannerScans();
      await inspector.del(leaseKey(blocker.scan));
      await blocked;
      const answer = await onE;
      // The blocker computed (one Scan); the queued job took A's result.
      expect(await scannerScans()).toBe(scansBefore + 1);
      expect(answer.result).toEqual(onA.result);
    } finally {
      clientE.close();
      await e.close();
    }
  });

  it("answers every scan while Redis hangs, says it is degraded, and shares results again once Redis is back", async () => {
    redis.pause();
    try {
      for (const [index, client] of [clientA, clientB, clientA].entries()) {
        const answer = await scan(client, "MSFT", queryWith(7 + index));
        expect(answer.result?.spreads.length).toBeGreaterThan(0);
      }
      expect(await scrapeSum(a.adminPort, "spreadscan_dependency_up", { dependency: "redis" })).toBe(0);
      const ready = await fetch(`http://127.0.0.1:${a.adminPort}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.text()).toContain("redis");
      expect(await scrapeSum(a.adminPort, "spreadscan_redis_errors_total")).toBeGreaterThan(0);
    } finally {
      redis.resume();
    }
    await expect.poll(() => scrapeSum(a.adminPort, "spreadscan_dependency_up", { dependency: "redis" }), { timeout: 5000 }).toBe(1);
    await expect.poll(() => scrapeSum(b.adminPort, "spreadscan_dependency_up", { dependency: "redis" }), { timeout: 5000 }).toBe(1);
    const query = queryWith(11);
    const first = await scan(clientA, "NVDA", query);
    const second = await scan(clientB, "NVDA", query);
    expect(second.cacheHit).toBe(true);
    expect(second.jobId).toBe(first.jobId);
  });
});

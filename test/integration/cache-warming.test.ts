// Refresh-ahead across two coordinators on one real redis-server and one scanner: a result
// asked for on both coordinators in the last part of its TTL is recomputed once for the fleet
// (one chain fetch, one refresh computed, the other coordinator's left to it), callers keep
// getting cache hits through the old result's expiry, and the refreshed answer equals a fresh
// scan of the chain it names. The simulated market steps once an hour here, so every fetch in
// the test reads the same chain version and a bypass_cache scan is a fresh scan of that version. A
// coordinator without REDIS_URL refreshes on its own, once per result.
import { credentials } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest, type ScanResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { callUnary } from "../support/echo-server.js";
import { startCoordinatorsOnRedis, type CoordinatorsOnRedis } from "../support/coordinators-on-redis.js";
import type { InProcessScanner } from "../support/in-process-scanner.js";
import { scrapeSum } from "../support/prometheus-samples.js";

const TTL_MS = 2000;
let scanner: InProcessScanner;
let a: InProcessCoordinator;
let b: InProcessCoordinator;
let clientA: CoordinatorServiceClient;
let clientB: CoordinatorServiceClient;
let inspector: Redis;

const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 7, maxDte: 30, maxWidth: 5 }, limit: 5 });

async function scan(client: CoordinatorServiceClient, bypassCache = false): Promise<ScanResponse> {
  const outcome = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY, bypassCache }), { deadlineMs: 20_000 });
  if (outcome.error || !outcome.response) throw outcome.error ?? new Error("no response");
  return outcome.response;
}

const withoutTimings = (result: ScanResult | undefined): Omit<ScanResult, "timings"> | undefined => {
  if (!result) return undefined;
  const { timings: _timings, ...rest } = result;
  return rest;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function fleetSum(metric: string, labels: Record<string, string> = {}): Promise<number> {
  return (await scrapeSum(a.adminPort, metric, labels)) + (await scrapeSum(b.adminPort, metric, labels));
}

/** The job whose result Redis holds for the query now. */
async function storedJob(): Promise<string | null> {
  const keys = await inspector.keys("spreadscan:v1:scan:SPY\u0000*");
  return keys[0] === undefined ? null : inspector.hget(keys[0], "job_id");
}

let fleet: CoordinatorsOnRedis;
beforeAll(async () => {
  fleet = await startCoordinatorsOnRedis({
    SCAN_CACHE_TTL: `${TTL_MS}ms`,
    SCAN_REFRESH_AHEAD: "0.5",
    SIMULATED_TICK_INTERVAL: "3600",
    REQUESTS_PER_SECOND: "1000",
    BURST_SIZE: "1000",
  });
  ({ scanner, a, b, clientA, clientB, inspector } = fleet);
}, 60_000);

afterAll(() => fleet.close());

describe("refresh-ahead with two coordinators on one Redis", () => {
  it("recomputes a result asked for near its expiry once for the fleet, and callers never meet a cold miss", async () => {
    const first = await scan(clientA);
    expect(first.cacheHit).toBe(false);
    expect(await fleetSum("spreadscan_scan_cache_refreshes_total")).toBe(0);
    // B keeps its own copy of A's result (the shared tier), early in its life: no refresh yet.
    expect((await scan(clientB)).cacheHit).toBe(true);
    expect(await fleetSum("spreadscan_scan_cache_refreshes_total")).toBe(0);
    const fetchesBefore = await fleetSum("spreadscan_market_chain_fetches_total");

    // Into the last half of the TTL, measured from the result's own stamp.
    await sleep(TTL_MS * 0.5 + 150);
    const nearExpiry = await Promise.all([scan(clientA), scan(clientB), scan(clientA), scan(clientB)]);
    for (const answer of nearExpiry) {
      expect(answer.cacheHit).toBe(true);
      expect(answer.jobId).toBe(first.jobId);
    }
    // The refresh's result replaces the old one in Redis.
    const refreshDone = async (): Promise<boolean> => (await storedJob()) !== first.jobId && (await fleetSum("spreadscan_scan_cache_refreshes_total")) >= 2;
    for (let tries = 0; !(await refreshDone()) && tries < 200; tries++) await sleep(25);
    const refreshedJob = await storedJob();
    expect(refreshedJob).not.toBe(first.jobId);
    expect(await fleetSum("spreadscan_scan_cache_refreshes_total", { outcome: "computed" })).toBe(1);
    expect(await fleetSum("spreadscan_scan_cache_refreshes_total", { outcome: "elsewhere" })).toBe(1);
    expect((await fleetSum("spreadscan_market_chain_fetches_total")) - fetchesBefore).toBe(1);

    // Past the first result's expiry: both coordinators answer from the cache with the refreshed result.
    await sleep(TTL_MS * 0.5);
    const missesBefore = await fleetSum("spreadscan_scan_cache_lookups_total", { outcome: "miss" });
    const afterExpiry = [await scan(clientA), await scan(clientB)];
    for (const answer of afterExpiry) {
      expect(answer.cacheHit).toBe(true);
      expect(answer.jobId).toBe(refreshedJob);
    }
    expect(await fleetSum("spreadscan_scan_cache_lookups_total", { outcome: "miss" })).toBe(missesBefore);

    // The refreshed answer equals a fresh scan of the chain version it names.
    const fresh = await scan(clientA, true);
    expect(fresh.cacheHit).toBe(false);
    expect(fresh.result?.chainAsOf).toEqual(afterExpiry[0]!.result?.chainAsOf);
    expect(withoutTimings(afterExpiry[0]!.result)).toEqual(withoutTimings(fresh.result));
    expect(withoutTimings(afterExpiry[1]!.result)).toEqual(withoutTimings(fresh.result));
  }, 30_000);

  it("refreshes on a coordinator of its own (no REDIS_URL) too, once, so that its callers never meet a cold miss", async () => {
    const alone = await startInProcessCoordinator({
      SCANNER_ADDR: `127.0.0.1:${scanner.port}`,
      SCAN_CACHE_TTL: `${TTL_MS}ms`,
      SCAN_REFRESH_AHEAD: "0.5",
      SIMULATED_TICK_INTERVAL: "3600",
      REQUESTS_PER_SECOND: "1000",
      BURST_SIZE: "1000",
    });
    const client = new CoordinatorServiceClient(alone.address, credentials.createInsecure());
    const count = (metric: string, labels: Record<string, string> = {}): Promise<number> => scrapeSum(alone.adminPort, metric, labels);
    try {
      const first = await scan(client);
      expect(first.cacheHit).toBe(false);
      await sleep(TTL_MS * 0.5 + 150);
      for (const answer of await Promise.all([scan(client), scan(client), scan(client)])) expect(answer.jobId).toBe(first.jobId);
      for (let tries = 0; (await count("spreadscan_scan_cache_refreshes_total")) < 1 && tries < 200; tries++) await sleep(25);
      await sleep(TTL_MS * 0.5);
      const afterExpiry = await scan(client);
      expect(afterExpiry.cacheHit).toBe(true);
      expect(afterExpiry.jobId).not.toBe(first.jobId);
      expect(await count("spreadscan_scan_cache_refreshes_total", { outcome: "computed" })).toBe(1);
      expect(await count("spreadscan_scan_cache_lookups_total", { outcome: "miss" })).toBe(1);
    } finally {
      client.close();
      await alone.close();
    }
  }, 30_000);
});

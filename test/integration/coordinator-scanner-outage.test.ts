// The coordinator when its scanner process goes away and comes back (test/support/coordinator-pair.ts):
// the circuit breaker opening and closing, cached results served stale meanwhile, and live
// watches carrying on across a scanner restart.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ScanBatchRequest,
  ScanRequest,
  WatchSpreadsRequest,
  type ScanBatchResponse,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { circuitReports, metricsJson, QUERY, startPair, startScanner, type Pair } from "../support/coordinator-pair.js";
import { callUnary, failureOf } from "../support/echo-server.js";

describe("the coordinator without its scanner", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ CIRCUIT_BREAKER_THRESHOLD: "3", CIRCUIT_BREAKER_TIMEOUT: "1.5", SCANNER_MAX_RETRIES: "1", SCANNER_TIMEOUT: "2" });
  });
  afterAll(() => pair.close());

  it("retries, opens the circuit and fails fast with UNAVAILABLE, then closes it when the scanner is back, and its metrics say so", async () => {
    const { client } = pair;
    const scan = (symbol: string) => callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query: QUERY, bypassCache: true }));
    expect((await scan("SPY")).error).toBeUndefined();
    expect(await circuitReports(pair)).toEqual({ getMetrics: false, json: false, prometheus: "0" });

    pair.scanner.kill();
    await pair.scanner.exited;
    // Two attempts a scan (one retry): the second scan's attempts reach the threshold of 3.
    const failures = [failureOf(await scan("SPY"), status.UNAVAILABLE), failureOf(await scan("QQQ"), status.UNAVAILABLE)];
    expect(failures.length).toBe(2);
    await expect.poll(async () => (await metricsJson(pair)).backpressure.circuit_breaker_open).toBe(true);
    expect(await circuitReports(pair)).toEqual({ getMetrics: true, json: true, prometheus: "1" });
    // Each failed scan was retried once before it gave up. (A service writes its log lines
    // in batches, up to a tenth of a second after it logs them.)
    await expect.poll(() => pair.coordinator.logs.filter((line) => line.msg === "scanner call failed; retrying").length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => pair.coordinator.logs.some((line) => line.msg === "scanner circuit opened")).toBe(true);
    const fast = failureOf(await scan("IWM"), status.UNAVAILABLE);
    expect(fast.details).toContain("circuit open");
    expect(readStatusDetails(fast).retryDelayMs).toBeGreaterThan(0);

    const restarted = await startScanner(String(pair.scannerPort));
    try {
      await expect.poll(async () => (await scan("SPY")).error?.code, { timeout: 15_000, interval: 300 }).toBeUndefined();
      expect(await circuitReports(pair)).toEqual({ getMetrics: false, json: false, prometheus: "0" });
      await expect.poll(() => pair.coordinator.logs.some((line) => line.msg === "scanner circuit closed")).toBe(true);
    } finally {
      restarted.process.kill();
    }
  });
});

describe("the coordinator's graceful degradation", () => {
  it("answers the last result of a scan, marked stale with its age, while the scanner is down; UNAVAILABLE when it has none", async () => {
    // Fresh results live one second here, so that the next scan of the same query needs the scanner.
    const pair = await startPair({ SCAN_CACHE_TTL: "1", SCANNER_MAX_RETRIES: "0", SCANNER_TIMEOUT: "2" });
    try {
      const { client } = pair;
      const scan = (symbol: string) => callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query: QUERY }));
      const fresh = await scan("SPY");
      expect(fresh.response?.stale).toBe(false);
      pair.scanner.kill();
      await pair.scanner.exited;
      await expect.poll(async () => (await scan("SPY")).response?.stale, { timeout: 10_000, interval: 300 }).toBe(true);
      const stale = await scan("SPY");
      expect(stale.response?.result).toEqual(fresh.response?.result);
      expect(stale.response?.jobId).toBe(fresh.response?.jobId);
      // Its age is there and not zero; its value, the time since the result was stored, is
      // checked on a clock the test moves in coordinator-scans.test.ts.
      expect(fresh.response?.age).toBeUndefined();
      expect(stale.response?.age).toBeDefined();
      expect(stale.response?.age).not.toEqual({ seconds: 0n, nanos: 0 });
      failureOf(await scan("QQQ"), status.UNAVAILABLE);
      // A batch answers each symbol alike: SPY stale, QQQ with its UNAVAILABLE.
      const batch = await new Promise<ScanBatchResponse[]>((resolve, reject) => {
        const messages: ScanBatchResponse[] = [];
        const stream = client.scanBatch(ScanBatchRequest.fromPartial({ symbols: ["SPY", "QQQ"], query: QUERY }));
        stream.on("data", (message: ScanBatchResponse) => messages.push(message));
        stream.on("error", reject);
        stream.on("end", () => {
          resolve(messages);
        });
      });
      const bySymbol = new Map(batch.map((message) => [message.symbol, message]));
      expect(bySymbol.get("SPY")?.stale).toBe(true);
      expect(bySymbol.get("SPY")?.result).toEqual(fresh.response?.result);
      expect(bySymbol.get("SPY")?.age).toBeDefined();
      expect(bySymbol.get("SPY")?.age).not.toEqual({ seconds: 0n, nanos: 0 });
      expect(bySymbol.get("QQQ")?.error?.code).toBe(status.UNAVAILABLE);
      expect(bySymbol.get("QQQ")?.stale).toBe(false);
      // Bypassing the cache asks for a fresh result or none.
      failureOf(await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY, bypassCache: true })), status.UNAVAILABLE);
    } finally {
      pair.close();
    }
  });
});

describe("a coordinator watch across a scanner restart", () => {
  it("carries on with the next sequence numbers, never ending the watcher's stream", async () => {
    // Chain updates to a stopped scanner open the circuit: it half-opens after 2 s here.
    const pair = await startPair({ CIRCUIT_BREAKER_TIMEOUT: "2" });
    try {
      const watch = pair.client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY, minIntervalMs: 1 }));
      const received: WatchSpreadsResponse[] = [];
      const errors: unknown[] = [];
      watch.on("data", (message: WatchSpreadsResponse) => received.push(message));
      watch.on("error", (error: Error & { code: status }) => {
        if (error.code !== status.CANCELLED) errors.push(error);
      });
      await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

      pair.scanner.kill();
      await pair.scanner.exited;
      const before = received.length;
      const restarted = await startScanner(String(pair.scannerPort));
      try {
        await expect.poll(() => received.length, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(before + 2);
      } finally {
        restarted.process.kill();
        watch.cancel();
      }
      expect(errors).toEqual([]);
      expect(received.map((message) => message.update?.sequence)).toEqual(received.map((_, index) => BigInt(index + 1)));
      expect(received.filter((message) => message.update?.initial).length).toBe(1);
      await expect.poll(() => pair.coordinator.logs.some((line) => line.msg === "the scanner's watch ended; reconnecting")).toBe(true);
      // Whether the coordinator also sent the feed's chains again is a race: a tick of the
      // simulated market (a whole chain) may reach the restarted scanner before the watch asks.
    } finally {
      pair.close();
    }
  });

  it("carries on without sending the chain again when the scanner only recycles the connection (GRPC_MAX_CONNECTION_AGE)", async () => {
    // A connection older than a second is sent GOAWAY; the watch on it ends at the next
    // keepalive ping, and the coordinator watches again on a new connection.
    const pair = await startPair({}, { GRPC_MAX_CONNECTION_AGE: "1", GRPC_KEEPALIVE_TIME: "1" });
    try {
      const watch = pair.client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY, minIntervalMs: 1 }));
      const received: WatchSpreadsResponse[] = [];
      const errors: unknown[] = [];
      watch.on("data", (message: WatchSpreadsResponse) => received.push(message));
      watch.on("error", (error: Error & { code: status }) => {
        if (error.code !== status.CANCELLED) errors.push(error);
      });
      const reconnects = (): number => pair.coordinator.logs.filter((line) => line.msg === "the scanner's watch ended; reconnecting").length;
      await expect.poll(reconnects, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(2);
      const before = received.length;
      await expect.poll(() => received.length, { timeout: 10_000, interval: 200 }).toBeGreaterThan(before);
      watch.cancel();
      expect(errors).toEqual([]);
      // The scanner kept the chain: sending the feed's first chain again would have taken its
      // watchers back to it until the next tick.
      expect(pair.coordinator.logs.filter((line) => line.msg === RESENT)).toEqual([]);
      expect(received.filter((message) => message.update?.initial).length).toBe(1);
    } finally {
      pair.close();
    }
  });
});

const RESENT = "sending the feed's chains to the scanner again: it has none for the symbol";

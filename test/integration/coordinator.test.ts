// The coordinator as `make run` starts it: its own process on the simulated market, talking
// to a scanner process, called by the generated client on loopback.
import { credentials, status, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelJobRequest,
  CoordinatorServiceClient,
  GetJobRequest,
  GetMetricsRequest,
  ListJobsRequest,
  ScanBatchRequest,
  ScanRequest,
  SubmitScanRequest,
  WatchJobEventsRequest,
  WatchSpreadsRequest,
  type ScanBatchResponse,
  type WatchJobEventsResponse,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import { PricingMode, ProbabilityModel, ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";

const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: { minDte: 7, maxDte: 45, maxShortDelta: 0.3, minPop: 0.6, maxWidth: 5 },
  limit: 10,
});

interface Pair {
  readonly scanner: ServiceProcess;
  readonly coordinator: ServiceProcess;
  readonly scannerPort: number;
  readonly adminPort: number;
  readonly client: CoordinatorServiceClient;
  close(): void;
}

async function startScanner(port = "0"): Promise<{ process: ServiceProcess; port: number }> {
  const scanner = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), SCANNER_PORT: port });
  const listening = await scanner.waitForLog((line) => line.msg === "listening");
  return { process: scanner, port: listening.grpcPort as number };
}

async function startPair(env: Record<string, string> = {}): Promise<Pair> {
  const scanner = await startScanner();
  const coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scanner.port}`,
    SIMULATED_TICK_INTERVAL: "0.5",
    ...env,
  });
  const listening = await coordinator.waitForLog((line) => line.msg === "listening");
  const client = new CoordinatorServiceClient(`127.0.0.1:${listening.grpcPort as number}`, credentials.createInsecure());
  return {
    scanner: scanner.process,
    coordinator,
    scannerPort: scanner.port,
    adminPort: listening.adminPort as number,
    client,
    close() {
      client.close();
      coordinator.kill();
      scanner.process.kill();
    },
  };
}

const metricsJson = async (pair: Pair): Promise<Record<string, unknown> & { backpressure: Record<string, unknown> }> =>
  (await (await fetch(`http://127.0.0.1:${pair.adminPort}/metrics.json`)).json()) as Record<string, unknown> & { backpressure: Record<string, unknown> };

/** Whether the circuit is open, as GetMetrics, /metrics.json and the Prometheus gauge each say it. */
async function circuitReports(pair: Pair): Promise<{ getMetrics: boolean | undefined; json: unknown; prometheus: string | undefined }> {
  const { response } = await callUnary(pair.client.getMetrics.bind(pair.client), GetMetricsRequest.fromPartial({}));
  const text = await (await fetch(`http://127.0.0.1:${pair.adminPort}/metrics`)).text();
  return {
    getMetrics: response?.backpressure?.circuitBreakerOpen,
    json: (await metricsJson(pair)).backpressure.circuit_breaker_open,
    prometheus: /^spreadscan_circuit_breaker_open(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1],
  };
}

/** Reads `count` messages of a stream, then cancels it. */
function take<T>(stream: ClientReadableStream<T>, count: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on("data", (message: T) => {
      messages.push(message);
      if (messages.length === count) {
        stream.cancel();
        resolve(messages);
      }
    });
    stream.on("error", (error: Error & { code: status }) => {
      if (error.code !== status.CANCELLED) reject(error);
    });
    stream.on("end", () => {
      resolve(messages);
    });
  });
}

describe("the coordinator on the simulated market", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(() => pair.close());

  it("scans a symbol within its filters, then answers the same scan from the cache", async () => {
    const { client } = pair;
    const first = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "spy", query: QUERY }));
    expect(first.error).toBeUndefined();
    const result = first.response?.result;
    expect(first.response?.cacheHit).toBe(false);
    expect(first.response?.age).toBeUndefined();
    expect(first.response?.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result?.symbol).toBe("SPY");
    expect(result?.spreads.length).toBe(10);
    for (const spread of result?.spreads ?? []) {
      expect([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL]).toContain(spread.strategy);
      expect(spread.dte).toBeGreaterThanOrEqual(7);
      expect(spread.dte).toBeLessThanOrEqual(45);
      expect(spread.pop).toBeGreaterThanOrEqual(0.6);
      expect(spread.width).toBeLessThanOrEqual(5);
      const shortLegs = spread.legs.filter((leg) => leg.action === LegAction.LEG_ACTION_SELL);
      for (const leg of shortLegs) expect(Math.abs(leg.greeks?.delta ?? 1)).toBeLessThanOrEqual(0.3 + 1e-9);
    }

    const again = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }));
    expect(again.response?.cacheHit).toBe(true);
    expect(again.response?.stale).toBe(false);
    // A cache hit says how old it is (the exact figure is checked on a moved clock in coordinator-scans.test.ts).
    expect(again.response?.age).toBeDefined();
    expect(again.response?.jobId).toBe(first.response?.jobId);
    expect(again.response?.result).toEqual(result);

    const bypassed = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY, bypassCache: true }));
    expect(bypassed.response?.cacheHit).toBe(false);
    expect(bypassed.response?.jobId).not.toBe(first.response?.jobId);

    const metrics = await metricsJson(pair);
    expect(metrics.total_scans).toBe(3);
    expect(metrics.successful_scans).toBe(3);
    expect(metrics.cache_hits).toBe(1);
    expect(metrics.average_scan_time).toBeGreaterThan(0);
    expect(Object.keys(metrics.backpressure).sort()).toEqual(["adaptive_rate", "average_response_time", "circuit_breaker_open", "current_qps"]);
  });

  it("answers a bare query with the defaults it applied, and refuses one the caller made broader than the engine can bound", async () => {
    const { client } = pair;
    const bare = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY" }));
    expect(bare.error).toBeUndefined();
    const result = bare.response?.result;
    // The defaults, worked out from the documented rules; SPY lists $1 strikes near the money,
    // so the width bound is 2% of the price in whole dollars, at least two.
    const maxWidth = Math.max(2, Math.round(0.02 * (result?.underlyingPrice ?? 0)));
    expect(result?.effectiveQuery).toEqual(
      ScanQuery.fromPartial({
        strategies: [
          Strategy.STRATEGY_BULL_PUT,
          Strategy.STRATEGY_BEAR_CALL,
          Strategy.STRATEGY_BULL_CALL,
          Strategy.STRATEGY_BEAR_PUT,
          Strategy.STRATEGY_IRON_CONDOR,
          Strategy.STRATEGY_IRON_BUTTERFLY,
        ],
        filters: { minDte: 7, maxDte: 60, minShortDelta: 0.1, maxWidth, shortStrikesOutOfTheMoney: true },
        sort: SortKey.SORT_KEY_SCORE,
        pricing: PricingMode.PRICING_MODE_MID,
        limit: 20,
        scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
        probabilityModel: ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV,
      }),
    );
    expect(result?.spreads).toHaveLength(20);
    for (const spread of result?.spreads ?? []) {
      expect(spread.dte).toBeGreaterThanOrEqual(7);
      expect(spread.dte).toBeLessThanOrEqual(60);
      expect(spread.width).toBeLessThanOrEqual(maxWidth);
    }

    const broad = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxWidth: 1000 } });
    const refused = failureOf(await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: broad })), status.INVALID_ARGUMENT);
    expect(readStatusDetails(refused).fieldViolations.map((violation) => violation.field)).toEqual(["query.filters.max_width"]);
  });

  it("answers NOT_FOUND for a symbol the market does not know, and INVALID_ARGUMENT with a violation per bad field", async () => {
    const { client } = pair;
    const missing = failureOf(await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "ZZZZ", query: QUERY })), status.NOT_FOUND);
    expect(missing.details).toContain("ZZZZ");
    const invalid = failureOf(
      await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY!", query: ScanQuery.fromPartial({ filters: { minDte: 30, maxDte: 5, minPop: 2 } }) })),
      status.INVALID_ARGUMENT,
    );
    const fields = readStatusDetails(invalid).fieldViolations.map((violation) => violation.field);
    expect(fields).toContain("symbol");
    expect(fields.some((field) => field.startsWith("query.filters."))).toBe(true);
  });

  it("bounds every repeated field and checks every string of a request, naming the field", async () => {
    const { client } = pair;
    const fieldsOf = (error: Parameters<typeof readStatusDetails>[0]): string[] => readStatusDetails(error).fieldViolations.map((violation) => violation.field);
    const manyStrategies = failureOf(
      await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: { ...QUERY, strategies: Array.from({ length: 17 }, () => Strategy.STRATEGY_BULL_PUT) } })),
      status.INVALID_ARGUMENT,
    );
    expect(fieldsOf(manyStrategies)).toEqual(["query.strategies"]);
    const manyStates = failureOf(await callUnary(client.listJobs.bind(client), ListJobsRequest.fromPartial({ states: Array.from({ length: 17 }, () => JobState.JOB_STATE_QUEUED) })), status.INVALID_ARGUMENT);
    expect(fieldsOf(manyStates)).toEqual(["states"]);
    const manySymbols = await new Promise<{ code: number; fields: string[] }>((resolve) => {
      const stream = client.scanBatch(ScanBatchRequest.fromPartial({ symbols: Array.from({ length: 1000 }, (_, index) => `S${index}`), query: QUERY }));
      stream.on("data", () => undefined);
      stream.on("error", (error: Parameters<typeof readStatusDetails>[0] & { code: number }) => {
        resolve({ code: error.code, fields: fieldsOf(error) });
      });
    });
    expect(manySymbols).toEqual({ code: status.INVALID_ARGUMENT, fields: ["symbols"] });
    for (const jobId of ["job\u0000id", "é", "x".repeat(101), " "]) {
      const refused = failureOf(await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId })), status.INVALID_ARGUMENT);
      expect(fieldsOf(refused)).toEqual(["job_id"]);
    }
    const longSymbol = failureOf(await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "S".repeat(1_000_000), query: QUERY })), status.INVALID_ARGUMENT);
    expect(fieldsOf(longSymbol)).toEqual(["symbol"]);
    // Echoed as at most 40 characters of what was sent.
    expect(longSymbol.details.length).toBeLessThan(300);
    // Repeats within the bound are one strategy each, and the job keeps them so.
    const job = await callUnary(
      client.submitScan.bind(client),
      SubmitScanRequest.fromPartial({ symbol: "SPY", query: { ...QUERY, strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL] } }),
    );
    expect(job.response?.job?.query?.strategies).toEqual([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL]);
  });

  it("streams a batch: every known symbol's result, and NOT_FOUND for the unknown one", async () => {
    const { client } = pair;
    const messages = await take<ScanBatchResponse>(client.scanBatch(ScanBatchRequest.fromPartial({ symbols: ["QQQ", "NOPE", "IWM", "qqq"], query: QUERY })), 99);
    expect(messages.map((message) => message.symbol).sort()).toEqual(["IWM", "NOPE", "QQQ"]);
    const unknown = messages.find((message) => message.symbol === "NOPE");
    expect(unknown?.error?.code).toBe(status.NOT_FOUND);
    for (const message of messages.filter((each) => each.symbol !== "NOPE")) {
      expect(message.error).toBeUndefined();
      expect(message.result?.symbol).toBe(message.symbol);
      expect(message.result?.spreads.length).toBeGreaterThan(0);
    }
  });

  it("relays live spreads as the simulated market ticks", async () => {
    const { client } = pair;
    const messages = await take<WatchSpreadsResponse>(
      client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY, minIntervalMs: 1 })),
      3,
    );
    expect(messages.map((message) => message.update?.sequence)).toEqual([1n, 2n, 3n]);
    expect(messages[0]?.update?.initial).toBe(true);
    const versions = messages.map((message) => Number(message.update?.result?.chainVersion));
    expect(versions[1]).toBeGreaterThan(versions[0] ?? Infinity);
    expect(versions[2]).toBeGreaterThan(versions[1] ?? Infinity);
    const asOf = messages.map((message) => message.update?.result?.chainAsOf?.getTime() ?? 0);
    expect(asOf[2]).toBeGreaterThan(asOf[0] ?? Infinity);
    // The feed stops when its last watcher leaves.
    await expect
      .poll(async () => Number(/^spreadscan_market_feeds(?:\{[^}]*\})? (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${pair.adminPort}/metrics`)).text())?.[1]))
      .toBe(0);
  });
});

describe("coordinator jobs", () => {
  let pair: Pair;
  // One job at a time, one queued, and market data paced to one request per 20 s: the
  // second job waits for its turn long enough to be seen and cancelled.
  beforeAll(async () => {
    pair = await startPair({ MAX_CONCURRENT_SCANS: "1", JOB_QUEUE_SIZE: "1", REQUESTS_PER_SECOND: "0.05", BURST_SIZE: "1" });
  });
  afterAll(() => pair.close());

  it("runs a job from QUEUED to SUCCEEDED, cancels running and queued ones, and refuses past a full queue", async () => {
    const { client } = pair;
    const submitted = await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "AAPL", query: QUERY }));
    const jobId = submitted.response?.job?.id ?? "";
    expect([JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING]).toContain(submitted.response?.job?.state);
    const events = await take<WatchJobEventsResponse>(client.watchJobEvents(WatchJobEventsRequest.fromPartial({ jobId })), 99);
    expect(events.at(-1)?.job?.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => BigInt(index + 1)));
    const done = await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId }));
    expect(done.response?.job?.result?.spreads.length).toBeGreaterThan(0);
    expect(done.response?.job?.startedAt?.getTime()).toBeGreaterThanOrEqual(done.response?.job?.createdAt?.getTime() ?? Infinity);
    expect(done.response?.job?.finishedAt?.getTime()).toBeGreaterThanOrEqual(done.response?.job?.startedAt?.getTime() ?? Infinity);

    // The token is spent: this one runs and waits for market data, the next is queued.
    const running = (await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "MSFT", query: QUERY }))).response?.job;
    const queued = (await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "NVDA", query: QUERY }))).response?.job;
    await expect.poll(async () => (await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId: running?.id }))).response?.job?.state).toBe(JobState.JOB_STATE_RUNNING);
    expect(queued?.state).toBe(JobState.JOB_STATE_QUEUED);
    // An identical scan joins the queued job rather than taking a place.
    const joined = await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "NVDA", query: QUERY }));
    expect(joined.response?.job?.id).toBe(queued?.id);

    const refused = failureOf(await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "TSLA", query: QUERY })), status.RESOURCE_EXHAUSTED);
    expect(readStatusDetails(refused).retryDelayMs).toBeGreaterThan(0);
    const metrics = await metricsJson(pair);
    expect(metrics.active_jobs).toBe(1);
    expect(metrics.queued_jobs).toBe(1);

    const listed = await callUnary(client.listJobs.bind(client), ListJobsRequest.fromPartial({ states: [JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING] }));
    expect(listed.response?.jobs.map((job) => job.id).sort()).toEqual([running?.id, queued?.id].sort());

    const cancelledQueued = await callUnary(client.cancelJob.bind(client), CancelJobRequest.fromPartial({ jobId: queued?.id }));
    expect(cancelledQueued.response?.job?.state).toBe(JobState.JOB_STATE_CANCELLED);
    const cancelledRunning = await callUnary(client.cancelJob.bind(client), CancelJobRequest.fromPartial({ jobId: running?.id }));
    expect(cancelledRunning.response?.job?.state).toBe(JobState.JOB_STATE_CANCELLED);
    const cancelled = await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId: running?.id }));
    expect(cancelled.response?.job?.error?.code).toBe(status.CANCELLED);

    const unknown = failureOf(await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId: "no-such-job" })), status.NOT_FOUND);
    expect(unknown.details).toContain("no-such-job");
    const badToken = failureOf(await callUnary(client.listJobs.bind(client), ListJobsRequest.fromPartial({ pageToken: "garbage" })), status.INVALID_ARGUMENT);
    expect(readStatusDetails(badToken).fieldViolations[0]?.field).toBe("page_token");
  });
});

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
    } finally {
      pair.close();
    }
  });
});

describe("the coordinator on SIGTERM", () => {
  it("ends live watches with UNAVAILABLE, finishes a scan in flight, and exits 0", async () => {
    // Market data paced to one request a second: after the first scan, the next one waits
    // about a second for its turn, long enough to be in flight when SIGTERM comes.
    const pair = await startPair({ REQUESTS_PER_SECOND: "1", BURST_SIZE: "1" });
    try {
      const { client } = pair;
      expect((await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }))).error).toBeUndefined();
      const watch = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY, minIntervalMs: 1 }));
      await new Promise((resolve) => watch.once("data", resolve));
      const ended = new Promise<{ code: number; details: string }>((resolve) => watch.on("error", resolve));
      const inFlight = callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "TSLA", query: QUERY }));
      await expect.poll(async () => (await metricsJson(pair)).active_jobs).toBe(1);
      pair.coordinator.child.kill("SIGTERM");
      const error = await ended;
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(error.details).toContain("shutting down");
      const scanned = await inFlight;
      expect(scanned.error).toBeUndefined();
      expect(scanned.response?.result?.symbol).toBe("TSLA");
      expect(await pair.coordinator.exited).toEqual({ code: 0, signal: null });
    } finally {
      pair.close();
    }
  });
});

// The coordinator as `make run` starts it: its own process on the simulated market, talking
// to a scanner process, called by the generated client on loopback. Its scans, batches and
// live watches here; its jobs, its scanner going away and SIGTERM each have a file of their own.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetJobRequest,
  ListJobsRequest,
  ScanBatchRequest,
  ScanRequest,
  SubmitScanRequest,
  WatchSpreadsRequest,
  type ScanBatchResponse,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import { PricingMode, ProbabilityModel, ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { metricsJson, QUERY, startPair, take, type Pair } from "../support/coordinator-pair.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { summedOutcomes } from "../support/candidate-outcomes.js";

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

  it("answers a bare query with the defaults it applied, and one the caller made as broad as $1,000 wings, accounting for every candidate", async () => {
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

    // Once refused (more than 25 M candidates); now searched by bounds to the exact top N.
    const broad = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxWidth: 1000 } });
    const answered = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: broad }));
    expect(answered.error).toBeUndefined();
    const broadResult = answered.response?.result;
    expect(broadResult?.spreads).toHaveLength(20);
    expect(broadResult?.workBudgetExhausted).toBe(false);
    expect(broadResult?.candidatesConsidered).toBeGreaterThan(25_000_000n);
    expect(broadResult?.candidatesBoundedOut).toBeGreaterThan(0n);
    expect(broadResult).toBeDefined();
    expect(summedOutcomes(broadResult!)).toBe(broadResult!.candidatesConsidered);
  });

  it("answers NOT_FOUND for a symbol the market does not know, and INVALID_ARGUMENT with a violation per bad field", async () => {
    const { client } = pair;
    const missing = failureOf(await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "ZZZZ", query: QUERY })), status.NOT_FOUND);
    expect(missing.details).toContain("ZZZZ");
    const invalid = failureOf(
      await callUnary(
        client.scan.bind(client),
        ScanRequest.fromPartial({ symbol: "SPY!", query: ScanQuery.fromPartial({ filters: { minDte: 30, maxDte: 5, minPop: 2 } }) }),
      ),
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
      await callUnary(
        client.scan.bind(client),
        ScanRequest.fromPartial({ symbol: "SPY", query: { ...QUERY, strategies: Array.from({ length: 17 }, () => Strategy.STRATEGY_BULL_PUT) } }),
      ),
      status.INVALID_ARGUMENT,
    );
    expect(fieldsOf(manyStrategies)).toEqual(["query.strategies"]);
    const manyStates = failureOf(
      await callUnary(client.listJobs.bind(client), ListJobsRequest.fromPartial({ states: Array.from({ length: 17 }, () => JobState.JOB_STATE_QUEUED) })),
      status.INVALID_ARGUMENT,
    );
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
    const longSymbol = failureOf(
      await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "S".repeat(1_000_000), query: QUERY })),
      status.INVALID_ARGUMENT,
    );
    expect(fieldsOf(longSymbol)).toEqual(["symbol"]);
    // Echoed as at most 40 characters of what was sent.
    expect(longSymbol.details.length).toBeLessThan(300);
    // Repeats within the bound are one strategy each, and the job keeps them so.
    const job = await callUnary(
      client.submitScan.bind(client),
      SubmitScanRequest.fromPartial({
        symbol: "SPY",
        query: { ...QUERY, strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL] },
      }),
    );
    expect(job.response?.job?.query?.strategies).toEqual([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL]);
  });

  it("streams a batch: every known symbol's result, and NOT_FOUND for the unknown one", async () => {
    const { client } = pair;
    const messages = await take<ScanBatchResponse>(
      client.scanBatch(ScanBatchRequest.fromPartial({ symbols: ["QQQ", "NOPE", "IWM", "qqq"], query: QUERY })),
      99,
    );
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
      .poll(async () =>
        Number(/^spreadscan_market_feeds(?:\{[^}]*\})? (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${pair.adminPort}/metrics`)).text())?.[1]),
      )
      .toBe(0);
  });
});

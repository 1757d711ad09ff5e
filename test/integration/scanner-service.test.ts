// The scanner service on a real bootstrap server on loopback, called by the generated client.
import { credentials, Metadata, status, type ClientReadableStream } from "@grpc/grpc-js";
import type { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, ScanFilters, ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import {
  ScannerServiceClient,
  ScanRequest,
  UpdateChainRequest,
  UpdateMode,
  WatchSpreadsRequest,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import type { ChainStore } from "../../services/scanner/chain-store.js";
import { scanChain } from "../../services/engine/index.js";
import type { ScannerMetrics } from "../../services/scanner/scanner-metrics.js";
import type { SpreadScanner } from "../../services/scanner/spread-scanner.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { startInProcessScanner, type InProcessScanner } from "../support/in-process-scanner.js";
import { summedOutcomes } from "../support/candidate-outcomes.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const CHAIN = generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 7, asOf: AS_OF });
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: ScanFilters.fromPartial({ minDte: 20, maxDte: 45, maxShortDelta: 0.3, maxWidth: 5 }),
  limit: 10,
});

let service: InProcessScanner;
let registry: Registry;
let store: ChainStore;
let metrics: ScannerMetrics;
let scanner: SpreadScanner;
let client: ScannerServiceClient;

beforeAll(async () => {
  service = await startInProcessScanner();
  ({ registry, store, metrics, scanner } = service);
  client = new ScannerServiceClient(`127.0.0.1:${service.port}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });
});

afterAll(async () => {
  client.close();
  await service.close();
});

const scan = (request: Partial<ScanRequest>) => callUnary(client.scan.bind(client), ScanRequest.fromPartial(request));
const update = (chain: OptionChain, mode = UpdateMode.UPDATE_MODE_REPLACE) =>
  callUnary(client.updateChain.bind(client), UpdateChainRequest.fromPartial({ chain, mode }));

/** Scans evaluated so far (cache misses), from the Prometheus histogram. */
async function evaluations(): Promise<number> {
  const text = await registry.getSingleMetricAsString("spreadscan_scan_duration_seconds");
  return Number(/^spreadscan_scan_duration_seconds_count(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** Reads a stream's messages one at a time, in order. */
function reader(stream: ClientReadableStream<WatchSpreadsResponse>): () => Promise<WatchSpreadsResponse> {
  const queue: WatchSpreadsResponse[] = [];
  const waiting: ((message: WatchSpreadsResponse) => void)[] = [];
  stream.on("data", (message: WatchSpreadsResponse) => {
    const next = waiting.shift();
    if (next) next(message);
    else queue.push(message);
  });
  return () => {
    const queued = queue.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
  };
}

describe("Scan", () => {
  it("scans an inline chain exactly as the engine does", async () => {
    const { response, error } = await scan({ symbol: "iwm", chain: CHAIN, query: QUERY });
    expect(error).toBeUndefined();
    const expected = scanChain(CHAIN, QUERY);
    expect(response?.result?.spreads.map((spread) => spread.id)).toEqual(expected.spreads.map((spread) => spread.id));
    expect(response?.result?.spreads.length).toBe(10);
    expect(response?.result?.chainVersion).toBe(0n);
  });

  it("answers NOT_FOUND, naming the symbol, when no chain is stored", async () => {
    const error = failureOf(await scan({ symbol: "QQQ", query: QUERY }), status.NOT_FOUND);
    expect(error.details).toContain("no chain is stored for QQQ");
  });

  it("answers INVALID_ARGUMENT with one field violation per bad field", async () => {
    const badQuery = failureOf(
      await scan({ symbol: "IWM", chain: CHAIN, query: ScanQuery.fromPartial({ limit: 0, filters: ScanFilters.fromPartial({ minPop: 2 }) }) }),
      status.INVALID_ARGUMENT,
    );
    expect(readStatusDetails(badQuery).fieldViolations.map((violation) => violation.field)).toEqual(["query.limit", "query.filters.min_pop"]);
    const badSymbol = failureOf(await scan({ symbol: "not a ticker", query: QUERY }), status.INVALID_ARGUMENT);
    expect(readStatusDetails(badSymbol).fieldViolations.map((violation) => violation.field)).toEqual(["symbol"]);
    const contradiction = failureOf(await scan({ symbol: "SPY", chain: CHAIN, query: QUERY }), status.INVALID_ARGUMENT);
    expect(readStatusDetails(contradiction).fieldViolations).toEqual([{ field: "chain.symbol", description: "is IWM, but the request is for SPY" }]);
    const noAsOf = failureOf(await scan({ symbol: "IWM", chain: { ...CHAIN, asOf: undefined }, query: QUERY }), status.INVALID_ARGUMENT);
    expect(readStatusDetails(noAsOf).fieldViolations.map((violation) => violation.field)).toEqual(["chain.as_of"]);
  });
});

describe("a bare query", () => {
  // The defaults, worked out from the documented rules: the SPY chain at $600 lists $1
  // strikes near the money, so a wing of 2% of the price is twelve of them.
  const DEFAULTS = ScanQuery.fromPartial({
    strategies: [
      Strategy.STRATEGY_BULL_PUT,
      Strategy.STRATEGY_BEAR_CALL,
      Strategy.STRATEGY_BULL_CALL,
      Strategy.STRATEGY_BEAR_PUT,
      Strategy.STRATEGY_IRON_CONDOR,
      Strategy.STRATEGY_IRON_BUTTERFLY,
    ],
    filters: { minDte: 7, maxDte: 60, minShortDelta: 0.1, maxWidth: 12, shortStrikesOutOfTheMoney: true },
    sort: SortKey.SORT_KEY_SCORE,
    pricing: PricingMode.PRICING_MODE_MID,
    limit: 20,
    scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
    probabilityModel: ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV,
  });
  const spy = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: AS_OF });

  it("is answered on an inline chain and on the stored one, with the defaults it applied and every candidate accounted for", async () => {
    const inline = await scan({ symbol: "SPY", chain: spy });
    expect(inline.error).toBeUndefined();
    expect((await update(spy)).error).toBeUndefined();
    const stored = await scan({ symbol: "SPY" });
    expect(stored.error).toBeUndefined();
    for (const result of [inline.response?.result, stored.response?.result]) {
      expect(result?.effectiveQuery).toEqual(DEFAULTS);
      expect(result?.spreads).toHaveLength(20);
      for (const spread of result?.spreads ?? []) {
        expect(spread.dte).toBeGreaterThanOrEqual(7);
        expect(spread.dte).toBeLessThanOrEqual(60);
        expect(spread.width).toBeLessThanOrEqual(12);
      }
      expect(result).toBeDefined();
      expect(summedOutcomes(result!)).toBe(result!.candidatesConsidered);
    }
    expect(stored.response?.result?.spreads).toEqual(inline.response?.result?.spreads);
  });

  it("answers iron condors the caller made $1,000 wide: no query is refused for its size", async () => {
    const broad = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxWidth: 1000 } });
    const answered = await scan({ symbol: "SPY", chain: spy, query: broad });
    expect(answered.error).toBeUndefined();
    const result = answered.response?.result;
    expect(result?.spreads).toHaveLength(20);
    expect(result?.workBudgetExhausted).toBe(false);
    expect(result?.candidatesBoundedOut).toBeGreaterThan(0n);
  });
});

describe("UpdateChain and scans of the stored chain", () => {
  it("stores, ignores repeats, merges by contract, and scans the stored chain from the cache when unchanged", async () => {
    const first = await update(CHAIN);
    expect(first.response).toMatchObject({ symbol: "IWM", version: 1n, changed: true, quoteCount: BigInt(CHAIN.quotes.length) });
    const repeat = await update(CHAIN);
    expect(repeat.response).toMatchObject({ version: 1n, changed: false });

    const scanned = await scan({ symbol: "IWM", query: QUERY });
    expect(scanned.response?.result?.chainVersion).toBe(1n);
    const hitsBefore = metrics.snapshot().cacheHits;
    const again = await scan({ symbol: "IWM", query: QUERY });
    expect(metrics.snapshot().cacheHits).toBe(hitsBefore + 1n);
    expect(again.response?.result?.spreads).toEqual(scanned.response?.result?.spreads);

    // Merge: one existing contract repriced, one new contract added.
    const existing = CHAIN.quotes[100]!;
    const repriced = { ...existing, bid: existing.bid + 0.01, ask: existing.ask + 0.01 };
    const added = { ...existing, strike: 999.5 };
    const merged = await update({ ...CHAIN, quotes: [repriced, added] }, UpdateMode.UPDATE_MODE_MERGE);
    expect(merged.response).toMatchObject({ version: 2n, changed: true, quoteCount: BigInt(CHAIN.quotes.length + 1) });
    const mergedAgain = await update({ ...CHAIN, quotes: [repriced, added] }, UpdateMode.UPDATE_MODE_MERGE);
    expect(mergedAgain.response).toMatchObject({ version: 2n, changed: false });
    expect((await scan({ symbol: "IWM", query: QUERY })).response?.result?.chainVersion).toBe(2n);
  });

  it("drops the contracts that expired before a merge's as-of, so that a feed's chain does not grow without end", async () => {
    await update({ ...CHAIN, symbol: "TSLA" });
    const expiries = [...new Set(CHAIN.quotes.map((quote) => quote.expiryDate))].sort();
    const [first, second] = expiries;
    // A day after the first expiry, in New York: its contracts are gone; every later one stays.
    const nextDay = new Date(`${second!}T15:00:00Z`);
    const laterQuote = CHAIN.quotes.find((quote) => quote.expiryDate === second)!;
    const merged = await update(
      { ...CHAIN, symbol: "TSLA", asOf: nextDay, quotes: [{ ...laterQuote, bid: laterQuote.bid + 0.01 }] },
      UpdateMode.UPDATE_MODE_MERGE,
    );
    const expired = CHAIN.quotes.filter((quote) => quote.expiryDate === first).length;
    expect(expired).toBeGreaterThan(0);
    expect(merged.response).toMatchObject({ changed: true, quoteCount: BigInt(CHAIN.quotes.length - expired) });
  });

  it("refuses a chain it could not scan, and keeps the one stored", async () => {
    const error = failureOf(await update({ ...CHAIN, underlyingPrice: Number.NaN }), status.INVALID_ARGUMENT);
    expect(readStatusDetails(error).fieldViolations.map((violation) => violation.field)).toEqual(["chain.underlying_price"]);
    expect(store.get("IWM")?.version).toBe(2n);
  });
});

describe("WatchSpreads", () => {
  it("sends a snapshot, then a message only when an update changes the top N, with its added and removed ids", async () => {
    await update(CHAIN);
    const metadata = new Metadata();
    const stream = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY, minIntervalMs: 1 }), metadata);
    const next = reader(stream);
    const snapshot = (await next()).update!;
    expect(snapshot.sequence).toBe(1n);
    expect(snapshot.initial).toBe(true);
    expect(snapshot.addedIds).toEqual(snapshot.result!.spreads.map((spread) => spread.id));
    expect(snapshot.removedIds).toEqual([]);

    // A change outside the query's expirations leaves the top N as it was: no message. The
    // watcher's evaluation of it shows in the scan duration histogram's count.
    const farQuote = CHAIN.quotes.find((quote) => quote.expiryDate > "2027-06-01")!;
    const evaluationsBefore = await evaluations();
    await update({ ...CHAIN, quotes: [{ ...farQuote, bid: farQuote.bid + 0.05 }] }, UpdateMode.UPDATE_MODE_MERGE);
    await expect.poll(evaluations).toBe(evaluationsBefore + 1);
    // A move of the underlying reshuffles it: one message, the very next sequence number.
    const moved = generateSyntheticChain({ symbol: "IWM", spot: 234, seed: 7, asOf: AS_OF });
    const movedVersion = (await update(moved)).response!.version;
    const change = (await next()).update!;
    expect(change.sequence).toBe(2n);
    expect(change.initial).toBe(false);
    expect(change.result!.chainVersion).toBe(movedVersion);
    const before = new Set(snapshot.result!.spreads.map((spread) => spread.id));
    const after = change.result!.spreads.map((spread) => spread.id);
    expect(change.addedIds).toEqual(after.filter((id) => !before.has(id)));
    expect(change.removedIds).toEqual([...before].filter((id) => !after.includes(id)));
    expect(change.addedIds.length + change.removedIds.length).toBeGreaterThan(0);

    const ended = new Promise<{ code: number }>((resolve) => stream.on("error", resolve));
    stream.cancel();
    expect((await ended).code).toBe(status.CANCELLED);
    await expect.poll(() => metrics.activeWatchers()).toBe(0);
  });

  it("keeps serving a reading watcher while another on its own connection never reads", async () => {
    await update(CHAIN);
    const request = WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: ScanQuery.fromPartial({ ...QUERY, limit: 200 }), minIntervalMs: 1 });
    const idleClient = new ScannerServiceClient(client.getChannel().getTarget().replace(/^dns:/, ""), credentials.createInsecure());
    const idle = idleClient.watchSpreads(request);
    idle.pause();
    const reading = client.watchSpreads(request);
    const next = reader(reading);
    await next();
    let lastVersion = 0n;
    for (let step = 1; step <= 20; step++) {
      lastVersion = (await update(generateSyntheticChain({ symbol: "IWM", spot: 230 + step * 0.5, seed: 7, asOf: AS_OF }))).response!.version;
    }
    // The reader sees the last chain however far behind the idle watcher is.
    for (;;) {
      const message = (await next()).update!;
      if (message.result!.chainVersion === lastVersion) break;
    }
    const ended = [idle, reading].map((stream) => new Promise((resolve) => stream.on("error", resolve)));
    idle.cancel();
    reading.cancel();
    await Promise.all(ended);
    idleClient.close();
    await expect.poll(() => metrics.activeWatchers()).toBe(0);
  });

  it("answers NOT_FOUND for a symbol without a chain, and INVALID_ARGUMENT for a bad query", async () => {
    const missing = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "NOPE", query: QUERY }));
    const missingError = await new Promise<{ code: number }>((resolve) => missing.on("error", resolve));
    expect(missingError.code).toBe(status.NOT_FOUND);
    const bad = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: ScanQuery.fromPartial({ limit: 5000 }) }));
    const badError = await new Promise<{ code: number }>((resolve) => bad.on("error", resolve));
    expect(badError.code).toBe(status.INVALID_ARGUMENT);
  });

  it("ends every watch with UNAVAILABLE when the scanner shuts down", async () => {
    await update(CHAIN);
    const stream = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY }));
    await reader(stream)();
    const ended = new Promise<{ code: number }>((resolve) => stream.on("error", resolve));
    scanner.stopWatches();
    expect((await ended).code).toBe(status.UNAVAILABLE);
  });
});

describe("requests whose bytes do not decode", () => {
  // Field 1, length-delimited, with a length that never ends: no decoder can read it.
  const garbage = Buffer.from([0x0a, 0x80]);
  const identity = (bytes: Buffer): Buffer => bytes;
  /** A Scan of these bytes as they are: its status code and details. */
  const rawScan = (body: Buffer): Promise<{ code: number; details: string }> =>
    new Promise((resolve) => {
      client.makeUnaryRequest("/spreadscan.scanner.v1.ScannerService/Scan", identity, identity, body, (error) => {
        resolve({ code: error?.code ?? 0, details: error?.details ?? "" });
      });
    });

  it("get INVALID_ARGUMENT saying so, on unary and streaming methods alike, never INTERNAL", async () => {
    const unary = await rawScan(garbage);
    expect(unary.code).toBe(status.INVALID_ARGUMENT);
    expect(unary.details).toContain("could not be decoded");
    const streamed = await new Promise<{ code: number }>((resolve) => {
      const stream = client.makeServerStreamRequest("/spreadscan.scanner.v1.ScannerService/WatchSpreads", identity, identity, garbage);
      stream.on("data", () => undefined);
      stream.on("error", (error: { code: number }) => {
        resolve(error);
      });
    });
    expect(streamed.code).toBe(status.INVALID_ARGUMENT);
  });

  it("get INVALID_ARGUMENT when they nest unknown groups deeper than a decoder can follow, and the scanner serves on", async () => {
    // An unknown field 15 opening a group, a million times over (1 MB): protobuf's wire format
    // lets unknown data nest without a schema to bound it; skipping it recurses once per level.
    const deep = Buffer.alloc(1_000_000, (15 << 3) | 3);
    const answer = await rawScan(deep);
    expect(answer.code).toBe(status.INVALID_ARGUMENT);
    expect(answer.details).toContain("could not be decoded");
    const metrics = await new Promise<{ code: number }>((resolve) => {
      client.getMetrics({}, (error) => {
        resolve({ code: error?.code ?? 0 });
      });
    });
    expect(metrics.code).toBe(status.OK);
  });
});

describe("the scan pool", () => {
  it("keeps health answering while a large scan runs on a worker, and refuses scans past its slots with RESOURCE_EXHAUSTED", async () => {
    const own = await startInProcessScanner({ maxConcurrentScans: 1, maxQueuedScans: 0, retryAfterMs: 750 });
    const ownPool = own.pool;
    const port = own.port;
    const ownClient = new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });
    const health = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      // Iron condors of every expiration of the SPY chain (not the default 7 to 60 days) at
      // any short delta (not the default 0.10 and up) with wings up to $3: about nine million
      // candidates, seconds of work for the one worker.
      const spy = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: AS_OF });
      const everyExpiration = { minDte: 0, maxDte: 36_500, minShortDelta: 0, maxWidth: 3 };
      const large = callUnary(
        ownClient.scan.bind(ownClient),
        ScanRequest.fromPartial({
          symbol: "SPY",
          chain: spy,
          query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: everyExpiration }),
        }),
      );
      await expect.poll(() => ownPool.active).toBe(1);

      const check = await callUnary(health.check.bind(health), { service: "" });
      expect(check.response?.status).toBe(HealthCheckResponse_ServingStatus.SERVING);

      const refused = failureOf(
        await callUnary(ownClient.scan.bind(ownClient), ScanRequest.fromPartial({ symbol: "IWM", chain: CHAIN, query: QUERY })),
        status.RESOURCE_EXHAUSTED,
      );
      expect(readStatusDetails(refused).retryDelayMs).toBe(750);

      const done = await large;
      expect(done.error).toBeUndefined();
      expect(Number(done.response?.result?.candidatesConsidered)).toBeGreaterThan(1_000_000);
      expect(ownPool.active).toBe(0);
    } finally {
      ownClient.close();
      health.close();
      await own.close();
    }
  });
});

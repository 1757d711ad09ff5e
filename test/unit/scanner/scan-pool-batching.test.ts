// Scans of one stored version asked for together travel in a few batched tasks: each gets
// its own result (as the engine alone computes it) or its own refusal; watchers' evaluations
// are never refused; and a new version drops the cached results of the older ones.
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { RpcError } from "../../../services/common/errors.js";
import { ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { ScanResponse, UpdateMode } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { ChainStore } from "../../../services/scanner/chain-store.js";
import { encodedScanResult, encodedSpreads, idChanges } from "../../../services/scanner/encoded-results.js";
import { prepareChain, scanPrepared } from "../../../services/engine/index.js";
import { ScanPool } from "../../../services/scanner/scan-pool.js";
import { encodeScanResponse } from "../../../services/scanner/scanner-service.js";
import { ScannerMetrics } from "../../../services/scanner/scanner-metrics.js";
import { SpreadScanner } from "../../../services/scanner/spread-scanner.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const chainAt = (spot: number) => generateSyntheticChain({ symbol: "IWM", spot, seed: 7, asOf: AS_OF });
const strategies = [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT];
const queries = Array.from({ length: 20 }, (_, index) =>
  ScanQuery.fromPartial({
    strategies: [strategies[index % 4] as Strategy],
    sort: index % 2 === 0 ? SortKey.SORT_KEY_SCORE : SortKey.SORT_KEY_POP,
    filters: { maxDte: 30 + index, maxWidth: 5 },
    limit: 5,
  }),
);

const pools: ScanPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

function scannerWith(maxConcurrentScans: number, maxQueuedScans: number) {
  const registry = new Registry();
  const store = new ChainStore(300_000);
  const metrics = new ScannerMetrics(registry, () => store.size);
  const pool = new ScanPool({ maxConcurrentScans, maxQueuedScans, retryAfterMs: 500 });
  pools.push(pool);
  const scanner = new SpreadScanner({ store, pool, metrics, resultCacheEntries: 1000, defaultWatchIntervalMs: 1 });
  return { registry, store, pool, scanner };
}

describe("batched scans of a stored version", () => {
  it("answer each query as the engine alone does, and one bad query does not fail its neighbours", async () => {
    const { store, pool, scanner } = scannerWith(2, 100);
    await scanner.update("IWM", chainAt(230), UpdateMode.UPDATE_MODE_REPLACE);
    const stored = store.get("IWM");
    if (!stored) throw new Error("no chain stored");
    const bad = ScanQuery.fromPartial({ filters: { minDte: 50, maxDte: 10 } });
    const asked = [...queries.slice(0, 10), bad, ...queries.slice(10)].map((query) =>
      pool.scanStored(stored.prepared, query, stored.version, "unlimited").then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
    );
    const answers = await Promise.all(asked);

    const prepared = prepareChain(chainAt(230));
    const badAnswer = answers[10];
    expect(badAnswer && "error" in badAnswer && badAnswer.error instanceof RpcError && badAnswer.error.code).toBe(status.INVALID_ARGUMENT);
    const good = answers.filter((_, index) => index !== 10);
    good.forEach((answer, index) => {
      if (!("result" in answer)) throw new Error(`query ${index} failed: ${String(answer.error)}`);
      const alone = scanPrepared(prepared, queries[index], { chainVersion: stored.version, prepareMs: 0 });
      expect(answer.result.spreads.map((spread) => spread.id)).toEqual(alone.spreads.map((spread) => spread.id));
      expect(answer.result.spreads).toEqual(alone.spreads);
      expect(answer.result.candidatesConsidered).toBe(alone.candidatesConsidered);
      expect(answer.result.effectiveQuery).toEqual(alone.effectiveQuery);
    });
    expect(pool.active).toBe(0);
  });

  it("never refuses watchers' evaluations, even with every call slot taken", async () => {
    const { scanner } = scannerWith(1, 0);
    await scanner.update("IWM", chainAt(230), UpdateMode.UPDATE_MODE_REPLACE);
    const stop = new AbortController();
    const firsts = queries.map(
      (query) =>
        new Promise<ScanResult>((resolve, reject) => {
          scanner
            .watch("IWM", query, 1, stop.signal, (update) => {
              if (update.result) resolve(update.result);
              return Promise.resolve();
            })
            .catch(reject);
        }),
    );
    const results = await Promise.all(firsts);
    expect(results).toHaveLength(20);
    expect(results.every((result) => result.spreads.length > 0)).toBe(true);
    stop.abort(new Error("test over"));
  });

  it("keeps only the latest version's results in the cache", async () => {
    const { registry, scanner } = scannerWith(2, 100);
    const cached = async (): Promise<number> => Number(/ (\d+)$/m.exec(await registry.getSingleMetricAsString("spreadscan_cached_results"))?.[1]);
    await scanner.update("IWM", chainAt(230), UpdateMode.UPDATE_MODE_REPLACE);
    await Promise.all(queries.map((query) => scanner.scanStored("IWM", query)));
    expect(await cached()).toBe(20);
    await scanner.update("IWM", chainAt(231), UpdateMode.UPDATE_MODE_REPLACE);
    expect(await cached()).toBe(0);
    await Promise.all(queries.slice(0, 3).map((query) => scanner.scanStored("IWM", query)));
    expect(await cached()).toBe(3);
    // A repeat of the same chain is no new version: the results stay.
    await scanner.update("IWM", chainAt(231), UpdateMode.UPDATE_MODE_REPLACE);
    expect(await cached()).toBe(3);
  });
});

describe("results in their wire form", () => {
  const prepared = prepareChain(chainAt(230));
  const result = ScanResult.decode(ScanResult.encode(scanPrepared(prepared, queries[0], { chainVersion: 3n, prepareMs: 0 })).finish());
  // The next version of the chain, the underlying a dollar higher: some of the top 5 change.
  const other = ScanResult.decode(ScanResult.encode(scanPrepared(prepareChain(chainAt(231)), queries[0], { chainVersion: 4n, prepareMs: 0 })).finish());

  it("splices a Scan response byte for byte as ScanResponse.encode writes it", () => {
    expect(encodeScanResponse({ result }).equals(Buffer.from(ScanResponse.encode({ result }).finish()))).toBe(true);
    expect(encodeScanResponse({}).equals(Buffer.from(ScanResponse.encode({}).finish()))).toBe(true);
  });

  it("reads the spreads' bytes out of a result's encoding", () => {
    const expected = Buffer.concat(
      result.spreads.map((spread) => new Uint8Array([18, ...varint(Spread.encode(spread).finish().length), ...Spread.encode(spread).finish()])),
    );
    expect(encodedSpreads(result).equals(expected)).toBe(true);
    expect(encodedScanResult(result).length).toBeGreaterThan(expected.length);
  });

  it("tells the ids added and removed between two results", () => {
    const ids = (of: ScanResult) => of.spreads.map((spread) => spread.id);
    expect(idChanges(undefined, result)).toEqual({ added: ids(result), removed: [] });
    const changes = idChanges(result, other);
    expect(changes.added).toEqual(ids(other).filter((id) => !ids(result).includes(id)));
    expect(changes.removed).toEqual(ids(result).filter((id) => !ids(other).includes(id)));
    expect(changes.added.length + changes.removed.length).toBeGreaterThan(0);
    expect(idChanges(result, result)).toEqual({ added: [], removed: [] });
  });
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}

// The universe scan's own logic, called directly on real parts (CoordinatorScans with its job
// manager, the simulated market, and a scanner on loopback: the real one in this process, or
// the scripted test/fixtures/flaky-scanner.ts): a watchlist read as the caller's owner sees it,
// through an in-memory WatchlistLookup until the coordinator keeps watchlists (a process test
// of that path follows the store); stale and failed symbols beside scanned ones; and a call
// cancelled while its symbols are scanned fails as a whole.
import { status } from "@grpc/grpc-js";
import { CircuitState } from "cockatiel";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ScanUniverseRequest, SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResponse } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import type { Caller } from "../../services/common/call-identity.js";
import { cancelled, RpcError, unavailable } from "../../services/common/errors.js";
import { CoordinatorMetrics } from "../../services/coordinator/coordinator-metrics.js";
import { CoordinatorScans } from "../../services/coordinator/coordinator-scans.js";
import { JobManager } from "../../services/coordinator/jobs/job-manager.js";
import { SimulatedMarket } from "../../services/coordinator/market/simulated-market.js";
import { Pacer } from "../../services/coordinator/pacing/index.js";
import { ScanCache } from "../../services/coordinator/scan-cache.js";
import { ScanJobWork } from "../../services/coordinator/scan-job-work.js";
import { createScannerCircuitBreaker } from "../../services/coordinator/scanner-client/scanner-breaker.js";
import { ScannerClient } from "../../services/coordinator/scanner-client/scanner-client.js";
import { scanUniverse, type UniverseScanParts } from "../../services/coordinator/universe/universe-scan.js";
import type { StoredWatchlist, WatchlistLookup } from "../../services/coordinator/watchlists/watchlist-lookup.js";
import { startFlakyScanner } from "../fixtures/flaky-scanner.js";
import { QUERY } from "../support/coordinator-pair.js";
import { startInProcessScanner, type InProcessScanner } from "../support/in-process-scanner.js";
import { mergedByBruteForce } from "../support/universe-merge-reference.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let realScanner: InProcessScanner | undefined;
afterAll(async () => {
  await realScanner?.close();
});

const logger = pino({ level: "silent" });
const peer: Caller = { kind: "peer", host: "127.0.0.1", key: "not checked" };
const client = (name: string): Caller => ({ kind: "client", client: { name, scopes: new Set(["scan"]) } });

/** Watchlists kept in a map by owner, then name: what the database-backed lookup answers. */
class InMemoryWatchlists implements WatchlistLookup {
  private readonly lists = new Map<string, StoredWatchlist>();
  readonly asked: { owner: string; name: string }[] = [];

  add(owner: string, name: string, symbols: string[]): this {
    const time = new Date("2026-12-01T00:00:00Z");
    this.lists.set(`${owner}\u0000${name}`, { name, symbols, createTime: time, updateTime: time });
    return this;
  }

  get(owner: string, name: string): Promise<StoredWatchlist | undefined> {
    this.asked.push({ owner, name });
    return Promise.resolve(this.lists.get(`${owner}\u0000${name}`));
  }
}

/** CoordinatorScans as the coordinator assembles them, against the scanner at `address`. */
function scansAgainst(address: string, { cacheTtlMs = 300_000, staleMaxAgeMs = 0 }: { cacheTtlMs?: number; staleMaxAgeMs?: number } = {}): CoordinatorScans {
  const market = new SimulatedMarket({ seed: 7, tickIntervalMs: 3_600_000 });
  const pacer = new Pacer({ strategy: "token-bucket", requestsPerSecond: 100, burstSize: 100 });
  const breaker = createScannerCircuitBreaker({ threshold: 100, halfOpenAfterMs: 60_000 });
  const scanner = new ScannerClient({ address, attemptTimeoutMs: 10_000, maxRetries: 0, breaker });
  const metrics: CoordinatorMetrics = new CoordinatorMetrics(new Registry(), {
    runningJobs: () => jobs.runningCount,
    queuedJobs: () => jobs.queuedCount,
    activeFeeds: () => 0,
    pacing: () => pacer.metrics(),
    scannerCircuitOpen: () => breaker.state !== CircuitState.Closed,
  });
  const cache = new ScanCache(cacheTtlMs, staleMaxAgeMs);
  const work = new ScanJobWork({ market, pacer, scanner, cache, metrics });
  const jobs: JobManager = new JobManager({
    work: work.run,
    maxRunning: 4,
    maxQueued: 50,
    timeLimitMs: 30_000,
    retentionMs: 60_000,
    maxRetained: 100,
    retryAfterMs: 1000,
    logger,
  });
  cleanups.push(
    () => jobs.close(),
    () => market.close(),
    () => scanner.close(),
    () => cache.close(),
    () => pacer.close(),
  );
  return new CoordinatorScans({ jobs, scanner, cache, metrics });
}

async function realScans(): Promise<CoordinatorScans> {
  realScanner ??= await startInProcessScanner({ maxConcurrentScans: 2 });
  return scansAgainst(`127.0.0.1:${realScanner.port}`);
}

const call = (parts: UniverseScanParts, request: Partial<ScanUniverseRequest>, caller: Caller = peer, signal = new AbortController().signal) =>
  scanUniverse(parts, ScanUniverseRequest.fromPartial(request), { caller, signal, logger });

/** The promise's rejection, which must be an RpcError. */
async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(error)}`);
  return error;
}

describe("a universe scan of a watchlist", () => {
  it("scans the caller's own watchlist, in its order, and merges its symbols' top Ns", async () => {
    const scans = await realScans();
    const watchlists = new InMemoryWatchlists().add("alice", "tech", ["NVDA", "AAPL", "MSFT"]).add("", "tech", ["SPY"]);
    const query = ScanQuery.fromPartial({ ...QUERY, limit: 12, sort: SortKey.SORT_KEY_POP });
    const answer = await call({ scans, watchlists, concurrency: 2 }, { watchlist: "tech", query, perSymbolLimit: 5 }, client("alice"));
    expect(watchlists.asked).toEqual([{ owner: "alice", name: "tech" }]);
    expect(answer.watchlist).toBe("tech");
    expect(answer.symbols.map((symbol) => [symbol.symbol, symbol.state])).toEqual([
      ["NVDA", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
      ["AAPL", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
      ["MSFT", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
    ]);
    // The single scans of the same query come from the cache, as the universe left it.
    const single = await Promise.all(
      ["NVDA", "AAPL", "MSFT"].map((symbol) => call({ scans, watchlists: undefined, concurrency: 1 }, { symbols: [symbol], query, perSymbolLimit: 1000 })),
    );
    expect(single.every((one) => one.symbols[0]!.cacheHit)).toBe(true);
    expect(answer.spreads).toEqual(
      mergedByBruteForce(
        single.map((one) => one.spreads),
        SortKey.SORT_KEY_POP,
        12,
        5,
      ),
    );

    // Keys off: the one shared owner's watchlist of that name.
    const shared = await call({ scans, watchlists, concurrency: 2 }, { watchlist: "tech", query }, peer);
    expect(watchlists.asked.at(-1)).toEqual({ owner: "", name: "tech" });
    expect(shared.symbols.map((symbol) => symbol.symbol)).toEqual(["SPY"]);
  });

  it("is NOT_FOUND, naming the field, for a name the caller has no watchlist of, even when another owner has one", async () => {
    const watchlists = new InMemoryWatchlists().add("alice", "tech", ["AAPL"]);
    const scans = scansAgainst("127.0.0.1:1");
    const error = await refusal(call({ scans, watchlists, concurrency: 2 }, { watchlist: "tech" }, client("bob")));
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details.fieldViolations?.map((violation) => violation.field)).toEqual(["watchlist"]);
    expect(watchlists.asked).toEqual([{ owner: "bob", name: "tech" }]);
  });

  it("is UNIMPLEMENTED while the coordinator keeps no watchlists", async () => {
    const error = await refusal(call({ scans: scansAgainst("127.0.0.1:1"), watchlists: undefined, concurrency: 2 }, { watchlist: "tech" }));
    expect(error.code).toBe(status.UNIMPLEMENTED);
  });
});

describe("a universe scan while the scanner fails", () => {
  it("gives a symbol with an older result stale, with its age and job, and fails one without", async () => {
    // Two symbols answered, then the scanner is down for every call after.
    const server = await startFlakyScanner({
      scan: (index, request) =>
        index < 2
          ? { response: ScanResponse.fromPartial({ result: { symbol: request.symbol, spreads: [] } }) }
          : { error: unavailable("scanner down for this test") },
    });
    cleanups.push(() => server.stop());
    const scans = scansAgainst(server.address, { cacheTtlMs: 0, staleMaxAgeMs: 3_600_000 });
    const parts = { scans, watchlists: undefined, concurrency: 2 };
    const first = await call(parts, { symbols: ["SPY", "QQQ"] });
    expect(first.symbols.map((symbol) => symbol.state)).toEqual([SymbolScanState.SYMBOL_SCAN_STATE_SCANNED, SymbolScanState.SYMBOL_SCAN_STATE_SCANNED]);

    const second = await call(parts, { symbols: ["QQQ", "IWM", "SPY"] });
    const [qqq, iwm, spy] = second.symbols;
    for (const [stale, before] of [
      [qqq!, first.symbols[1]!],
      [spy!, first.symbols[0]!],
    ] as const) {
      expect(stale.state).toBe(SymbolScanState.SYMBOL_SCAN_STATE_STALE);
      expect(stale.cacheHit).toBe(true);
      expect(stale.age).toBeDefined();
      expect(stale.jobId).toBe(before.jobId);
      expect(stale.error).toBeUndefined();
    }
    expect(iwm!.state).toBe(SymbolScanState.SYMBOL_SCAN_STATE_FAILED);
    expect(iwm!.error?.code).toBe(status.UNAVAILABLE);
    expect(iwm!.error?.message).toContain("scanner down for this test");
    expect(iwm!.result).toBeUndefined();
  });

  it("fails the whole call, with the call's own reason, when the call is cancelled while its symbols wait", async () => {
    const server = await startFlakyScanner({ scan: () => "hang" });
    cleanups.push(() => server.stop());
    const controller = new AbortController();
    const pending = call(
      { scans: scansAgainst(server.address), watchlists: undefined, concurrency: 2 },
      { symbols: ["SPY", "QQQ", "IWM"] },
      peer,
      controller.signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(cancelled("the caller cancelled"));
    const error = await refusal(pending);
    expect(error.code).toBe(status.CANCELLED);
    expect(error.message).toBe("the caller cancelled");
  });
});

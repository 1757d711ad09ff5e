// A universe scan as a user first asks for one: ScanUniverse over the eight simulated symbols
// (SPY QQQ IWM AAPL MSFT NVDA TSLA AMZN) through a coordinator and a scanner just started, each
// the compiled service in its own process with every layer on, on the simulated market. Issue
// 18's target: the cold scan answered in under 2 s (the call's wall time at the client, median
// over fresh process pairs), taken here for the query a user sends without flags; the narrower
// query of the process test (test/integration/coordinator-universe.test.ts) is measured beside
// it, and on warm processes the default query with bypass_cache (every symbol fetched and
// scanned again) and from the cache. Records bench/results/universe-scan/<time>.json.
// A scanner just started has warmed its threads before it listens (services/scanner/warm-up.ts):
// that is before readiness, which is what the cold call waits for.
import { credentials, Metadata } from "@grpc/grpc-js";
import { CoordinatorServiceClient } from "../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanUniverseRequest, SymbolScanState, type ScanUniverseResponse } from "../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery, SortKey, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { GENEROUS_LIMITS_ENV, LOGGING_ENV, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target } from "./support/run-record.js";
import { startServiceProcess } from "./support/service-process.js";

const recording = startRun("universe-scan", "Universe scan of the eight simulated symbols");

const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"];
const PAIRS = 7;
const WARM_RUNS = 5;
const TARGET_MS = 2000;
const LIMIT = 20;
/** The query a user sends without flags: every single-expiry strategy, the engine's defaults. */
const DEFAULT_QUERY = ScanQuery.fromPartial({ limit: LIMIT });
/** The process test's: bull puts and bear calls 7 to 45 days out, short |delta| at most 0.3, POP at least 0.6, at most $5 wide, by credit. */
const CREDIT_QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: { minDte: 7, maxDte: 45, maxShortDelta: 0.3, minPop: 0.6, maxWidth: 5 },
  limit: LIMIT,
  sort: SortKey.SORT_KEY_CREDIT,
});

interface Timed {
  readonly ms: number;
  readonly response: ScanUniverseResponse;
}

function universe(client: CoordinatorServiceClient, query: ScanQuery, bypassCache: boolean): Promise<Timed> {
  const request = ScanUniverseRequest.fromPartial({ symbols: SYMBOLS, query, bypassCache });
  const started = performance.now();
  return new Promise((resolve, reject) =>
    client.scanUniverse(request, new Metadata(), { deadline: new Date(Date.now() + 60_000) }, (error, response) => {
      if (error) reject(error);
      else resolve({ ms: performance.now() - started, response });
    }),
  );
}

/** Fails the benchmark unless every symbol was scanned afresh or from the cache as asked and the list is full. */
function checked(timed: Timed, cacheHits: boolean): Timed {
  const { response } = timed;
  const wrong = response.symbols.filter((symbol) => symbol.state !== SymbolScanState.SYMBOL_SCAN_STATE_SCANNED || symbol.cacheHit !== cacheHits);
  if (wrong.length > 0 || response.spreads.length !== LIMIT) {
    throw new Error(
      `unexpected answer: ${response.spreads.length} spreads; ${wrong.map((symbol) => `${symbol.symbol} ${symbol.state} ${symbol.error?.message ?? ""}`).join(", ")}`,
    );
  }
  return timed;
}

/** What a cold call measured: its wall time, and the scanner's own time (ScanResult.timings.total_ms) summed over the symbols and at its largest. */
interface ColdCall {
  readonly ms: number;
  readonly scannerSumMs: number;
  readonly scannerMaxMs: number;
  readonly candidates: number;
}

/** A coordinator and a scanner just started, the client's one cold call of `query`, then `warm` with the processes still up. */
async function withFreshPair(query: ScanQuery, warm: (client: CoordinatorServiceClient) => Promise<void> = () => Promise.resolve()): Promise<ColdCall> {
  const scanner = await startServiceProcess("scanner", {
    SCANNER_HOST: "127.0.0.1",
    SCANNER_PORT: "0",
    SCANNER_ADMIN_PORT: "0",
    ...LOGGING_ENV,
    ...GENEROUS_LIMITS_ENV,
  });
  try {
    const coordinator = await startServiceProcess("coordinator", {
      COORDINATOR_HOST: "127.0.0.1",
      COORDINATOR_PORT: "0",
      COORDINATOR_ADMIN_PORT: "0",
      ...LOGGING_ENV,
      ...GENEROUS_LIMITS_ENV,
      SCANNER_ADDR: `127.0.0.1:${scanner.grpcPort}`,
      MARKET_DATA: "simulated",
    });
    const client = new CoordinatorServiceClient(`127.0.0.1:${coordinator.grpcPort}`, credentials.createInsecure());
    try {
      const { ms, response } = checked(await universe(client, query, false), false);
      await warm(client);
      const scannerMs = response.symbols.map((symbol) => symbol.result?.timings?.totalMs ?? 0);
      return {
        ms,
        scannerSumMs: scannerMs.reduce((sum, each) => sum + each, 0),
        scannerMaxMs: Math.max(...scannerMs),
        candidates: response.symbols.reduce((sum, symbol) => sum + Number(symbol.result?.candidatesConsidered ?? 0n), 0),
      };
    } finally {
      client.close();
      await coordinator.stop();
    }
  } finally {
    await scanner.stop();
  }
}

const fresh: number[] = [];
const cached: number[] = [];
const defaultCold: ColdCall[] = [];
const creditCold: ColdCall[] = [];
// The two queries' pairs alternate, so that the machine's other load falls on both alike; the
// first pair also serves the warm calls.
for (let pair = 0; pair < PAIRS; pair++) {
  defaultCold.push(
    await withFreshPair(DEFAULT_QUERY, async (client) => {
      if (pair > 0) return;
      for (let run = 0; run < WARM_RUNS; run++) fresh.push(checked(await universe(client, DEFAULT_QUERY, true), false).ms);
      for (let run = 0; run < WARM_RUNS; run++) cached.push(checked(await universe(client, DEFAULT_QUERY, false), true).ms);
    }),
  );
  creditCold.push(await withFreshPair(CREDIT_QUERY));
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}
const row = (measure: string, values: readonly number[]) => ({
  measure,
  runs: values.length,
  median: percentile(values, 0.5),
  min: Math.min(...values),
  max: Math.max(...values),
});
const coldRow = row(
  "cold, default query: the first call to a coordinator and scanner just started (the target)",
  defaultCold.map((call) => call.ms),
);
const count = (value: number): string => value.toLocaleString("en-US");

recording.finish({
  method:
    `For each of ${PAIRS * 2} fresh pairs of processes (the compiled scanner and coordinator, default settings, the simulated market), a client in the benchmark's process connects and calls ScanUniverse once ` +
    `over ${SYMBOLS.join(" ")} with a limit of ${LIMIT}: the call's wall time at the client, from the call to the answer, holding the channel's connection, the coordinator's eight scans (each chain priced on the simulated market and sent to the scanner, within MAX_CONCURRENT_SCANS) and the merge. ` +
    `Half the pairs (alternating) ask the query a user sends without flags (every single-expiry strategy, the engine's defaults: ${count(defaultCold[0]?.candidates ?? 0)} candidates considered over the eight symbols), ` +
    `half the process test's bull puts and bear calls within 45 days, at most $5 wide, by credit (${count(creditCold[0]?.candidates ?? 0)} candidates). ` +
    "Just started means listening: the scanner warms its pool's threads (one small scan each) before it listens, as it does in production, and that warm-up is not in the call's time; the coordinator prices its first chains during the call. " +
    `On the first pair, after its cold call: ${WARM_RUNS} calls of the default query with bypass_cache (every symbol fetched and scanned again, warm processes), then ${WARM_RUNS} answered from the cache.`,
  layers: SERVICE_LAYERS,
  tables: [
    {
      title: "ScanUniverse over eight symbols, call wall time",
      columns: [
        { key: "measure", label: "measure" },
        { key: "runs", label: "calls" },
        { key: "median", label: "median (ms)", digits: 1 },
        { key: "min", label: "min (ms)", digits: 1 },
        { key: "max", label: "max (ms)", digits: 1 },
      ],
      rows: [
        coldRow,
        row(
          "cold, default query: the scanner's own time (total_ms) summed over the eight symbols",
          defaultCold.map((call) => call.scannerSumMs),
        ),
        row(
          "cold, default query: the scanner's own time (total_ms) of the slowest symbol",
          defaultCold.map((call) => call.scannerMaxMs),
        ),
        row(
          "cold, the process test's credit spreads",
          creditCold.map((call) => call.ms),
        ),
        row(
          "cold, the process test's credit spreads: the scanner's own time summed",
          creditCold.map((call) => call.scannerSumMs),
        ),
        row("warm processes, default query, bypass_cache: every symbol scanned again", fresh),
        row("warm processes, default query, every symbol from the cache", cached),
      ],
    },
  ],
  targets: [target("a cold eight-symbol universe scan of the default query, median call wall time", coldRow.median, "below", TARGET_MS, " ms", 1)],
});

// A universe scan as a user first asks for one: ScanUniverse over the eight simulated symbols
// (SPY QQQ IWM AAPL MSFT NVDA TSLA AMZN) through a coordinator and a scanner just started, each
// the compiled service in its own process with every layer on, on the simulated market. Issue
// 18's target: the cold scan answered in under 2 s (the call's wall time at the client, median
// over fresh process pairs). Beside it, on the same warm processes: the same universe with
// bypass_cache (every symbol fetched and scanned again) and from the cache. Records
// bench/results/universe-scan/<time>.json.
import { credentials, Metadata } from "@grpc/grpc-js";
import { CoordinatorServiceClient } from "../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanUniverseRequest, SymbolScanState, type ScanUniverseResponse } from "../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { GENEROUS_LIMITS_ENV, LOGGING_ENV, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target } from "./support/run-record.js";
import { startServiceProcess } from "./support/service-process.js";

const recording = startRun("universe-scan", "Universe scan of the eight simulated symbols");

const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"];
const PAIRS = 7;
const WARM_RUNS = 5;
const TARGET_MS = 2000;
/** The query a user sends without flags: every single-expiry strategy, the engine's defaults, the top 20. */
const QUERY = ScanQuery.fromPartial({ limit: 20 });

interface Timed {
  readonly ms: number;
  readonly response: ScanUniverseResponse;
}

function universe(client: CoordinatorServiceClient, bypassCache: boolean): Promise<Timed> {
  const request = ScanUniverseRequest.fromPartial({ symbols: SYMBOLS, query: QUERY, bypassCache });
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
  if (wrong.length > 0 || response.spreads.length !== 20) {
    throw new Error(
      `unexpected answer: ${response.spreads.length} spreads; ${wrong.map((symbol) => `${symbol.symbol} ${symbol.state} ${symbol.error?.message ?? ""}`).join(", ")}`,
    );
  }
  return timed;
}

const cold: number[] = [];
/** Per cold call: the scanner's own time (ScanResult.timings.total_ms) summed over the symbols, and its largest. */
const coldScannerSum: number[] = [];
const coldScannerMax: number[] = [];
const fresh: number[] = [];
const cached: number[] = [];
let first: ScanUniverseResponse | undefined;
for (let pair = 0; pair < PAIRS; pair++) {
  const scanner = await startServiceProcess("scanner", {
    SCANNER_HOST: "127.0.0.1",
    SCANNER_PORT: "0",
    SCANNER_ADMIN_PORT: "0",
    ...LOGGING_ENV,
    ...GENEROUS_LIMITS_ENV,
  });
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
    const coldRun = checked(await universe(client, false), false);
    cold.push(coldRun.ms);
    const scannerMs = coldRun.response.symbols.map((symbol) => symbol.result?.timings?.totalMs ?? 0);
    coldScannerSum.push(scannerMs.reduce((sum, ms) => sum + ms, 0));
    coldScannerMax.push(Math.max(...scannerMs));
    first ??= coldRun.response;
    // Warm figures from the first pair only: the rest are started for their cold call.
    if (pair === 0) {
      for (let run = 0; run < WARM_RUNS; run++) fresh.push(checked(await universe(client, true), false).ms);
      for (let run = 0; run < WARM_RUNS; run++) cached.push(checked(await universe(client, false), true).ms);
    }
  } finally {
    client.close();
    await coordinator.stop();
    await scanner.stop();
  }
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}
const row = (measure: string, values: readonly number[]) => ({
  measure,
  runs: values.length,
  median: percentile(values, 0.5),
  max: Math.max(...values),
  min: Math.min(...values),
});
const coldRow = row("cold: the first call to a coordinator and scanner just started (the target)", cold);
const candidates = (first?.symbols ?? []).reduce((sum, symbol) => sum + Number(symbol.result?.candidatesConsidered ?? 0n), 0);

recording.finish({
  method:
    `For each of ${PAIRS} fresh pairs of processes (the compiled scanner and coordinator, default settings, the simulated market), a client in the benchmark's process connects and calls ScanUniverse once ` +
    `over ${SYMBOLS.join(" ")} with the query a user sends without flags (every single-expiry strategy, the engine's defaults) and a limit of ${QUERY.limit}: ` +
    "the call's wall time at the client, from the call to the answer, holding the channel's connection, the coordinator's eight scans (each chain priced on the simulated market and sent to the scanner, within MAX_CONCURRENT_SCANS) and the merge. " +
    `On the first pair, after its cold call: ${WARM_RUNS} calls with bypass_cache (every symbol fetched and scanned again, warm processes), then ${WARM_RUNS} answered from the cache. ` +
    `The first cold call's symbols considered ${candidates.toLocaleString("en-US")} candidates in all.`,
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
        row("cold: the scanner's own time (total_ms) summed over the eight symbols", coldScannerSum),
        row("cold: the scanner's own time (total_ms) of the slowest symbol", coldScannerMax),
        row("warm processes, bypass_cache: every symbol scanned again", fresh),
        row("warm processes, every symbol from the cache", cached),
      ],
    },
  ],
  targets: [target("a cold eight-symbol universe scan, median call wall time", coldRow.median, "below", TARGET_MS, " ms", 1)],
});

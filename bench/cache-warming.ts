// Cache warming under a steady load: one coordinator and one scanner (compiled, each a process
// of its own) on the simulated market, 20 clients cycling over 50 queries on 8 symbols with a
// short SCAN_CACHE_TTL, first with refresh-ahead off (SCAN_REFRESH_AHEAD=0), then on. Reports the
// share of calls that waited for a fresh computation (the coordinator's own per-call outcome:
// ScanResponse.cache_hit false, answered by a job it ran or joined rather than from its cache),
// latency, the hit ratio and the refreshes the coordinator counted; then checks every answer
// against a fresh scan (bypass_cache) of the chain version it names. Records
// bench/results/cache-warming/<time>.json.
//
// usage: node dist/bench/cache-warming.js   (CACHE_WARMING_SECONDS shortens each load; the recorded runs use 60)
import { createHash } from "node:crypto";
import { credentials, Metadata } from "@grpc/grpc-js";
import { CoordinatorServiceClient, ScanRequest, type ScanResponse } from "../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { COORDINATOR_SETTINGS } from "./support/fleet.js";
import { GENEROUS_LIMITS_ENV, LOGGING_ENV, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target } from "./support/run-record.js";
import { startServiceProcess, type ServiceProcess } from "./support/service-process.js";

const recording = startRun("cache-warming", "Cache warming: refresh-ahead off and on");
const CLIENTS = 20;
const MEASURE_MS = Number(process.env.CACHE_WARMING_SECONDS ?? 60) * 1000;
const TTL_SECONDS = 10;
const REFRESH_AHEAD = 0.3;
/** Between one answer and a client's next call, milliseconds: a steady stream, not a saturating one. */
const THINK_MS = 20;
const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"] as const;
const STRATEGY_SETS = [
  [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  [Strategy.STRATEGY_BULL_PUT],
  [Strategy.STRATEGY_BEAR_CALL],
  [Strategy.STRATEGY_IRON_CONDOR],
] as const;
/** 50 distinct scans: symbol i mod 8, a strategy set, a DTE window and a top N of their own. */
const QUERIES = Array.from({ length: 50 }, (_, index) => ({
  symbol: SYMBOLS[index % SYMBOLS.length] as string,
  query: ScanQuery.fromPartial({
    strategies: [...(STRATEGY_SETS[index % STRATEGY_SETS.length] as readonly Strategy[])],
    filters: { minDte: 7, maxDte: index % 2 === 0 ? 30 : 45, maxShortDelta: 0.3, maxWidth: 5 },
    limit: 5 + (index % 7),
  }),
}));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

function call(client: CoordinatorServiceClient, index: number, bypassCache = false): Promise<ScanResponse> {
  const { symbol, query } = QUERIES[index] as (typeof QUERIES)[number];
  return new Promise((resolve, reject) =>
    client.scan(ScanRequest.fromPartial({ symbol, query, bypassCache }), new Metadata(), { deadline: Date.now() + 60_000 }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

/** What an answer says, without how long it took: equal for a cached answer and a fresh scan of the same chain. */
function answerDigest(result: ScanResult | undefined): string {
  const bytes = ScanResult.encode({ ...(result ?? ScanResult.fromPartial({})), timings: undefined }).finish();
  return createHash("sha256").update(bytes).digest("base64url");
}

async function metricsText(service: ServiceProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${service.adminPort}/metrics`)).text();
}

function sample(text: string, metric: string, labelFilter = ""): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${metric}(?:\\{([^}]*)\\})? (\\S+)$`, "gm")))
    if ((match[1] ?? "").includes(labelFilter)) sum += Number(match[2]);
  return sum;
}

interface Observed {
  calls: number;
  waited: number;
  failed: number;
  latencies: number[];
  waitedLatencies: number[];
  /** Per query: each distinct answer digest with the chain version (as-of) it names. */
  answers: Map<number, Map<string, string>>;
}

async function load(clients: readonly CoordinatorServiceClient[]): Promise<Observed> {
  const observed: Observed = { calls: 0, waited: 0, failed: 0, latencies: [], waitedLatencies: [], answers: new Map() };
  const endAt = performance.now() + MEASURE_MS;
  await Promise.all(
    clients.map(async (client, clientIndex) => {
      // Each client starts at its own place in the cycle and walks all 50 queries in turn.
      for (let step = clientIndex * 3; performance.now() < endAt; step++) {
        const index = step % QUERIES.length;
        const started = performance.now();
        try {
          const response = await call(client, index);
          const ms = performance.now() - started;
          observed.calls++;
          observed.latencies.push(ms);
          if (!response.cacheHit) {
            observed.waited++;
            observed.waitedLatencies.push(ms);
          }
          const perQuery = observed.answers.get(index) ?? new Map<string, string>();
          perQuery.set(answerDigest(response.result), response.result?.chainAsOf?.toISOString() ?? "");
          observed.answers.set(index, perQuery);
        } catch {
          observed.failed++;
        }
        await sleep(THINK_MS);
      }
    }),
  );
  return observed;
}

interface Row extends Record<string, string | number> {
  warming: string;
  calls: number;
  waitedShare: number;
  hitRatio: number;
  p50: number;
  p99: number;
  mean: number;
  waitedMean: number;
  refreshes: number;
  fetches: number;
  failed: number;
  checked: number;
  mismatched: number;
}

async function measure(fraction: number): Promise<Row> {
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
    ...COORDINATOR_SETTINGS,
    SCANNER_ADDR: `127.0.0.1:${scanner.grpcPort}`,
    SCAN_CACHE_TTL: String(TTL_SECONDS),
    SCAN_REFRESH_AHEAD: String(fraction),
    // One chain version per symbol for the whole run: a fresh scan afterwards reads the version every answer names.
    SIMULATED_TICK_INTERVAL: "3600",
  });
  const clients = Array.from({ length: CLIENTS }, () => new CoordinatorServiceClient(`127.0.0.1:${coordinator.grpcPort}`, credentials.createInsecure()));
  try {
    // Warm the processes (JIT, connections) on every symbol, then let those results expire.
    await Promise.all(SYMBOLS.map((_, index) => call(clients[index] as CoordinatorServiceClient, index, true)));
    await sleep(TTL_SECONDS * 1000 + 500);
    const before = await metricsText(coordinator);
    const observed = await load(clients);
    const after = await metricsText(coordinator);
    const delta = (metric: string, labels = ""): number => sample(after, metric, labels) - sample(before, metric, labels);
    // Every answer against a fresh scan of the chain it names (the market does not step during the run).
    let checked = 0;
    let mismatched = 0;
    for (const [index, digests] of observed.answers) {
      const fresh = await call(clients[0] as CoordinatorServiceClient, index, true);
      const freshDigest = answerDigest(fresh.result);
      const freshAsOf = fresh.result?.chainAsOf?.toISOString() ?? "";
      for (const [digest, asOf] of digests) {
        checked++;
        if (digest !== freshDigest || asOf !== freshAsOf) mismatched++;
      }
    }
    const hits = delta("spreadscan_scan_cache_lookups_total", 'outcome="hit"');
    const lookups = delta("spreadscan_scan_cache_lookups_total");
    return {
      warming: fraction > 0 ? `on (SCAN_REFRESH_AHEAD=${fraction})` : "off (SCAN_REFRESH_AHEAD=0)",
      calls: observed.calls,
      waitedShare: observed.calls === 0 ? 0 : (100 * observed.waited) / observed.calls,
      hitRatio: lookups === 0 ? 0 : (100 * hits) / lookups,
      p50: percentile(observed.latencies, 0.5),
      p99: percentile(observed.latencies, 0.99),
      mean: observed.latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, observed.latencies.length),
      waitedMean: observed.waitedLatencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, observed.waitedLatencies.length),
      refreshes: delta("spreadscan_scan_cache_refreshes_total", 'outcome="computed"'),
      fetches: delta("spreadscan_market_chain_fetches_total"),
      failed: observed.failed,
      checked,
      mismatched,
    };
  } finally {
    for (const client of clients) client.close();
    await coordinator.stop();
    await scanner.stop();
  }
}

const rows: Row[] = [];
for (const fraction of [0, REFRESH_AHEAD]) {
  rows.push(await measure(fraction));
  console.log(rows.at(-1));
}
const [off, on] = rows as [Row, Row];

recording.finish({
  method:
    `One scanner and one coordinator, compiled, each a process of its own on the same 2 cores as the load, on the simulated market (SIMULATED_TICK_INTERVAL=3600: each symbol keeps one chain version for the run), SCAN_CACHE_TTL=${TTL_SECONDS} s, ` +
    `${Object.entries(COORDINATOR_SETTINGS)
      .map(([name, value]) => `${name}=${value}`)
      .join(", ")}. ` +
    `${CLIENTS} clients, each with a channel of its own, call CoordinatorService/Scan back to back with ${THINK_MS} ms between an answer and the next call, each walking the same cycle of 50 distinct scans (8 symbols; credit verticals or iron condors, DTE 7 to 30 or 45, top 5 to 11) from its own starting place, for ${MEASURE_MS / 1000} s; ` +
    `first with refresh-ahead off (SCAN_REFRESH_AHEAD=0), then on (SCAN_REFRESH_AHEAD=${REFRESH_AHEAD}), each with fresh processes, after a warm-up scan of every symbol whose results are left to expire. ` +
    "A call waited for a fresh computation when its ScanResponse.cache_hit is false: the coordinator answered it from a job it ran or joined (fetch, price, scanner Scan), not from its cache. " +
    "The hit ratio is spreadscan_scan_cache_lookups_total{outcome=hit} over all lookups during the load; refreshes are spreadscan_scan_cache_refreshes_total{outcome=computed}, fetches spreadscan_market_chain_fetches_total (each fresh computation, caller's or refresh's, fetches one chain). " +
    "Check: after the load, one bypass_cache scan per query (a fresh scan of the same chain version, whose as-of every answer names); every distinct answer a client got for that query (its ScanResult without timings, encoded and hashed) must equal it, with the same chain as-of.",
  layers: SERVICE_LAYERS,
  tables: [
    {
      title: "20 clients, 50 queries on 8 symbols, short TTL",
      columns: [
        { key: "warming", label: "refresh-ahead" },
        { key: "calls", label: "calls" },
        { key: "waitedShare", label: "waited for a computation (%)", digits: 2 },
        { key: "hitRatio", label: "hit ratio (%)", digits: 2 },
        { key: "p50", label: "p50 (ms)", digits: 1 },
        { key: "p99", label: "p99 (ms)", digits: 1 },
        { key: "mean", label: "mean (ms)", digits: 1 },
        { key: "waitedMean", label: "mean of those that waited (ms)", digits: 1 },
        { key: "refreshes", label: "refreshes" },
        { key: "fetches", label: "chain fetches" },
        { key: "failed", label: "failed" },
        { key: "checked", label: "distinct answers checked" },
        { key: "mismatched", label: "unequal to a fresh scan" },
      ],
      rows,
    },
  ],
  targets: [
    target("share of calls that waited for a computation, warming on, against off (%)", on.waitedShare, "below", off.waitedShare, "%", 2),
    target("answers unequal to a fresh scan of the chain they name, both runs", off.mismatched + on.mismatched, "at most", 0, ""),
    target("failed calls, both runs", off.failed + on.failed, "at most", 0, ""),
  ],
});

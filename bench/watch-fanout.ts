// WatchSpreads fan-out (issue 4): 1,000 watchers over 100 distinct queries on one scanner,
// all on loopback. After each chain update, the time from sending UpdateChain to each
// watcher's message for that version (watchers may hear of it before the updater's answer
// arrives); target p99 under 250 ms. Resident memory reported.
// Writes bench/results/watch-fanout.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { credentials } from "@grpc/grpc-js";
import { ScanFilters, ScanQuery, SortKey, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import {
  ScannerServiceClient,
  UpdateChainRequest,
  WatchSpreadsRequest,
  type WatchSpreadsResponse,
} from "../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../services/common/market-model/synthetic-chain.js";
import { startInProcessScanner } from "../test/support/in-process-scanner.js";

const WATCHERS = 1000;
const QUERIES = 100;
const UPDATES = 12;
const AS_OF = new Date("2026-11-20T15:00:00Z");

const service = await startInProcessScanner({ maxConcurrentScans: 10, maxQueuedScans: 1000, resultCacheEntries: 1000, defaultWatchIntervalMs: 1 });
const port = service.port;

const chainAt = (spot: number) => generateSyntheticChain({ symbol: "IWM", spot, seed: 7, asOf: AS_OF });
// Watchers spread over several channels, as many clients would be.
const clients = Array.from(
  { length: 10 },
  () => new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 }),
);
const update = (request: UpdateChainRequest): Promise<bigint> =>
  new Promise((resolve, reject) => {
    (clients[0] as ScannerServiceClient).updateChain(request, (error, response) => (error ? reject(error) : resolve(response.version)));
  });

await update(UpdateChainRequest.fromPartial({ chain: chainAt(230) }));

// 100 distinct queries: strategy, DTE window, delta cap and sort vary.
const strategies = [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT];
const sorts = [SortKey.SORT_KEY_SCORE, SortKey.SORT_KEY_POP, SortKey.SORT_KEY_CREDIT, SortKey.SORT_KEY_MAX_LOSS, SortKey.SORT_KEY_RETURN_ON_RISK];
const queries = Array.from({ length: QUERIES }, (_, index) =>
  ScanQuery.fromPartial({
    strategies: [strategies[index % 4] as Strategy],
    sort: sorts[Math.floor(index / 4) % 5] as SortKey,
    filters: ScanFilters.fromPartial({ minDte: 5 * (index % 5), maxDte: 45 + 5 * (index % 5), maxShortDelta: 0.2 + 0.05 * (Math.floor(index / 20) % 5), maxWidth: 5 }),
    limit: 10,
  }),
);

// The newest version each watcher has seen, and when it first saw each version.
const seenAt = new Map<bigint, number[]>();
let snapshots = 0;
const streams = Array.from({ length: WATCHERS }, (_, index) => {
  const client = clients[index % clients.length] as ScannerServiceClient;
  const stream = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: queries[index % QUERIES], minIntervalMs: 1 }));
  stream.on("data", (message: WatchSpreadsResponse) => {
    const version = message.update?.result?.chainVersion ?? 0n;
    if (message.update?.initial) snapshots++;
    const times = seenAt.get(version) ?? [];
    times.push(performance.now());
    seenAt.set(version, times);
  });
  stream.on("error", () => undefined);
  return stream;
});
while (snapshots < WATCHERS) await new Promise((resolve) => setTimeout(resolve, 20));
const rssBefore = process.memoryUsage().rss;

const latencies: number[] = [];
const perUpdate: { version: string; watchersReached: number; lastMs: number }[] = [];
for (let step = 1; step <= UPDATES; step++) {
  // Each move reshuffles every query's top N, so every watcher gets a message.
  const request = UpdateChainRequest.fromPartial({ chain: chainAt(230 + step * 0.75) });
  const sent = performance.now();
  const version = await update(request);
  const deadline = performance.now() + 10_000;
  while ((seenAt.get(version)?.length ?? 0) < WATCHERS && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const times = seenAt.get(version) ?? [];
  for (const time of times) latencies.push(time - sent);
  perUpdate.push({ version: String(version), watchersReached: times.length, lastMs: Math.max(...times) - sent });
}
const rssAfter = process.memoryUsage().rss;

const sorted = [...latencies].sort((a, b) => a - b);
const quantile = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const lastPerUpdate = perUpdate.map((entry) => entry.lastMs).sort((a, b) => a - b);
const results = {
  recordedAt: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
  watchers: WATCHERS,
  distinctQueries: QUERIES,
  updates: UPDATES,
  deliveries: latencies.length,
  latencyMs: { p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99), max: sorted.at(-1) },
  lastWatcherPerUpdateMs: lastPerUpdate,
  target: "p99 < 250 ms from sending UpdateChain to a watcher's message",
  met: quantile(0.99) < 250,
  rssMb: { before: Math.round(rssBefore / 2 ** 20), after: Math.round(rssAfter / 2 ** 20) },
  perUpdate,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/watch-fanout.json", `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `watch fan-out: ${WATCHERS} watchers, ${QUERIES} queries, ${UPDATES} updates: p50 ${results.latencyMs.p50.toFixed(0)} ms, p99 ${results.latencyMs.p99.toFixed(0)} ms, ` +
    `last watcher per update median ${(lastPerUpdate[Math.floor(lastPerUpdate.length / 2)] ?? Number.NaN).toFixed(0)} ms; ${results.met ? "meets" : "MISSES"} ${results.target}; RSS ${results.rssMb.before} → ${results.rssMb.after} MB`,
);

for (const stream of streams) stream.cancel();
for (const client of clients) client.close();
await service.close();

// WatchSpreads fan-out (issue 4): 1,000 watchers over 100 distinct queries on one scanner
// process, started as `make run-scanner` starts it (compiled, default settings), with the
// watchers in this process, on loopback. After each chain update, the time from sending UpdateChain to each
// watcher's message for that version (watchers may hear of it before the updater's answer
// arrives); target p99 under 250 ms. Resident memory reported.
// Writes bench/results/watch-fanout.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { credentials } from "@grpc/grpc-js";
import { ScanFilters, ScanQuery, SortKey, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import {
  ScannerServiceClient,
  UpdateChainRequest,
  UpdateChainResponse,
  WatchSpreadsRequest,
  WatchSpreadsResponse,
} from "../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../services/common/market-model/synthetic-chain.js";
import { freePorts, spawnService } from "../test/support/service-process.js";

const WATCHERS = 1000;
const QUERIES = 100;
const UPDATES = 20;
// Updates before the measured ones, for the JIT and the caches.
const WARM_UP_UPDATES = 3;
const AS_OF = new Date("2026-11-20T15:00:00Z");

const scanner = spawnService(fileURLToPath(new URL("../services/scanner/main.js", import.meta.url)), freePorts("SCANNER"),
  // To profile the scanner: SCANNER_NODE_ARGUMENTS="--cpu-prof --cpu-prof-dir=/tmp/profile".
  process.env.SCANNER_NODE_ARGUMENTS?.split(" ") ?? [],
);
const listening = await scanner.waitForLog((line) => line.msg === "listening");
const port = listening.grpcPort as number;
const scannerRss = async (): Promise<number> => {
  const metrics = await (await fetch(`http://127.0.0.1:${listening.adminPort as number}/metrics`)).text();
  return Number(/^process_resident_memory_bytes(?:{[^}]*})? (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN);
};

const chainAt = (spot: number) => generateSyntheticChain({ symbol: "IWM", spot, seed: 7, asOf: AS_OF });
// Watchers spread over several channels, as many clients would be.
const clients = Array.from(
  { length: 10 },
  () => new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 }),
);
// Requests are encoded before the clock starts: the client's encoding is not the scanner's time.
const encodedUpdate = (spot: number): Buffer => Buffer.from(UpdateChainRequest.encode(UpdateChainRequest.fromPartial({ chain: chainAt(spot) })).finish());
const update = (request: Buffer): Promise<bigint> =>
  new Promise((resolve, reject) => {
    (clients[0] as ScannerServiceClient).makeUnaryRequest(
      "/spreadscan.scanner.v1.ScannerService/UpdateChain",
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => UpdateChainResponse.decode(bytes),
      request,
      (error, response) => (error || !response ? reject(error ?? new Error("no response")) : resolve(response.version)),
    );
  });

await update(encodedUpdate(230));

// 100 distinct queries: strategy, DTE window, delta cap and sort vary. Short |delta| from 0,
// not the default 0.10, so that the work stays what the recorded results measured.
const strategies = [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT];
const sorts = [SortKey.SORT_KEY_SCORE, SortKey.SORT_KEY_POP, SortKey.SORT_KEY_CREDIT, SortKey.SORT_KEY_MAX_LOSS, SortKey.SORT_KEY_RETURN_ON_RISK];
const queries = Array.from({ length: QUERIES }, (_, index) =>
  ScanQuery.fromPartial({
    strategies: [strategies[index % 4] as Strategy],
    sort: sorts[Math.floor(index / 4) % 5] as SortKey,
    filters: ScanFilters.fromPartial({ minDte: 5 * (index % 5), maxDte: 45 + 5 * (index % 5), minShortDelta: 0, maxShortDelta: 0.2 + 0.05 * (Math.floor(index / 20) % 5), maxWidth: 5 }),
    limit: 10,
  }),
);

/** What a watcher here reads of a message: whether it is the snapshot, and its chain version. */
interface Heard {
  readonly initial: boolean;
  readonly version: bigint;
}

/**
 * Reads `Heard` out of a WatchSpreadsResponse's bytes, stepping over the spreads undecoded:
 * one process decoding 1,000 streams in full would measure this machine's two cores, not the
 * scanner. (The watchers of one query in ten decode in full, and check what they read.)
 */
function hear(bytes: Buffer): Heard {
  let initial = false;
  let version = 0n;
  const outer = new BinaryReader(bytes);
  while (outer.pos < outer.len) {
    const [field, wireType] = outer.tag();
    if (field !== 1) {
      outer.skip(wireType, field);
      continue;
    }
    const inner = new BinaryReader(outer.bytes());
    while (inner.pos < inner.len) {
      const [innerField, innerType] = inner.tag();
      if (innerField === 2) initial = inner.bool();
      else if (innerField === 3) {
        const result = new BinaryReader(inner.bytes());
        while (result.pos < result.len) {
          const [resultField, resultType] = result.tag();
          if (resultField === 8) version = result.uint64() as unknown as bigint;
          else result.skip(resultType, resultField);
        }
      } else inner.skip(innerType, innerField);
    }
  }
  return { initial, version };
}

// When each version was first seen by each watcher.
const seenAt = new Map<bigint, number[]>();
let snapshots = 0;
let checked = 0;
const WATCH_PATH = "/spreadscan.scanner.v1.ScannerService/WatchSpreads";
const streams = Array.from({ length: WATCHERS }, (_, index) => {
  const client = clients[index % clients.length] as ScannerServiceClient;
  const request = WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: queries[index % QUERIES], minIntervalMs: 1 });
  const decodesInFull = index % 10 === 0;
  const stream = client.makeServerStreamRequest(
    WATCH_PATH,
    (message: WatchSpreadsRequest) => Buffer.from(WatchSpreadsRequest.encode(message).finish()),
    (bytes: Buffer): Heard => {
      const heard = hear(bytes);
      if (decodesInFull) {
        const message = WatchSpreadsResponse.decode(bytes);
        if (message.update?.result?.chainVersion !== heard.version || message.update.initial !== heard.initial) throw new Error("misread a watch message");
        if (message.update.result.spreads.length === 0) throw new Error("a watch message with no spreads");
        checked++;
      }
      return heard;
    },
    request,
  );
  stream.on("data", ({ initial, version }: Heard) => {
    if (initial) snapshots++;
    const times = seenAt.get(version) ?? [];
    times.push(performance.now());
    seenAt.set(version, times);
  });
  stream.on("error", () => undefined);
  return stream;
});
while (snapshots < WATCHERS) await new Promise((resolve) => setTimeout(resolve, 20));
const rssBefore = await scannerRss();

const latencies: number[] = [];
const perUpdate: { version: string; watchersReached: number; updateAnsweredMs: number; firstMs: number; lastMs: number }[] = [];
for (let step = 1 - WARM_UP_UPDATES; step <= UPDATES; step++) {
  // Each move reshuffles every query's top N, so every watcher gets a message.
  const request = encodedUpdate(230 + step * 0.75);
  const sent = performance.now();
  const version = await update(request);
  const answered = performance.now() - sent;
  const deadline = performance.now() + 10_000;
  while ((seenAt.get(version)?.length ?? 0) < WATCHERS && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const times = seenAt.get(version) ?? [];
  if (step < 1) continue;
  for (const time of times) latencies.push(time - sent);
  perUpdate.push({ version: String(version), watchersReached: times.length, updateAnsweredMs: answered, firstMs: Math.min(...times) - sent, lastMs: Math.max(...times) - sent });
}
const rssAfter = await scannerRss();

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
  messagesDecodedInFullAndChecked: checked,
  latencyMs: { p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99), max: sorted.at(-1) },
  lastWatcherPerUpdateMs: lastPerUpdate,
  lastWatcherP99Ms: lastPerUpdate[Math.min(lastPerUpdate.length - 1, Math.floor(0.99 * lastPerUpdate.length))],
  target: "p99 < 250 ms from sending UpdateChain to the last watcher's message (and so to every watcher's)",
  met: (lastPerUpdate[Math.min(lastPerUpdate.length - 1, Math.floor(0.99 * lastPerUpdate.length))] ?? Number.POSITIVE_INFINITY) < 250,
  scannerRssMb: { before: Math.round(rssBefore / 2 ** 20), after: Math.round(rssAfter / 2 ** 20) },
  perUpdate,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/watch-fanout.json", `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `watch fan-out: ${WATCHERS} watchers, ${QUERIES} queries, ${UPDATES} updates: p50 ${results.latencyMs.p50.toFixed(0)} ms, p99 ${results.latencyMs.p99.toFixed(0)} ms, ` +
    `last watcher per update median ${(lastPerUpdate[Math.floor(lastPerUpdate.length / 2)] ?? Number.NaN).toFixed(0)} ms; ${results.met ? "meets" : "MISSES"} ${results.target}; RSS ${results.scannerRssMb.before} → ${results.scannerRssMb.after} MB (scanner)`,
);

for (const stream of streams) stream.cancel();
for (const client of clients) client.close();
scanner.child.kill("SIGTERM");
await scanner.exited;

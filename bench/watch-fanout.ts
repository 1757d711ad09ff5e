// WatchSpreads fan-out: 1,000 watchers over 100 distinct queries on one scanner process
// (compiled, default settings, every layer on as in production), with the watchers in this
// process, on loopback. After each chain update, the time from sending UpdateChain to each
// watcher's message for that version (watchers may hear of it before the updater's answer
// arrives). Target: the 99th percentile over updates of the time to the last watcher's
// message under 250 ms, over enough updates that it is not simply their maximum. Resident
// memory reported. Records bench/results/watch-fanout/<time>.json.
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
import { generateSyntheticChain } from "../services/market-model/synthetic-chain.js";
import { GENEROUS_LIMITS_ENV, LOGGING_ENV, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target } from "./support/run-record.js";
import { startServiceProcess } from "./support/service-process.js";

const recording = startRun("watch-fanout", "WatchSpreads fan-out");
const WATCHERS = 1000;
const QUERIES = 100;
// Enough that the 99th percentile over updates (nearest rank) is not their maximum.
const UPDATES = 120;
// Updates before the measured ones, for the JIT and the caches.
const WARM_UP_UPDATES = 3;
const TARGET_MS = 250;
const AS_OF = new Date("2026-11-20T15:00:00Z");

const scanner = await startServiceProcess(
  "scanner",
  { SCANNER_HOST: "127.0.0.1", SCANNER_PORT: "0", SCANNER_ADMIN_PORT: "0", ...LOGGING_ENV, ...GENEROUS_LIMITS_ENV },
  // To profile the scanner: SCANNER_NODE_ARGUMENTS="--cpu-prof --cpu-prof-dir=/tmp/profile".
  process.env.SCANNER_NODE_ARGUMENTS?.split(" ") ?? [],
);
const port = scanner.grpcPort;
const scannerRss = async (): Promise<number> => {
  const metrics = await (await fetch(`http://127.0.0.1:${scanner.adminPort}/metrics`)).text();
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
    filters: ScanFilters.fromPartial({
      minDte: 5 * (index % 5),
      maxDte: 45 + 5 * (index % 5),
      minShortDelta: 0,
      maxShortDelta: 0.2 + 0.05 * (Math.floor(index / 20) % 5),
      maxWidth: 5,
    }),
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
/** The underlying price at a step: up and down by $0.75 a step between $230 and $245, never the same twice running. */
const spotAt = (step: number): number => {
  const phase = ((step % 40) + 40) % 40;
  return 230 + 0.75 * (phase < 20 ? phase : 40 - phase);
};
for (let step = 1 - WARM_UP_UPDATES; step <= UPDATES; step++) {
  // Each move reshuffles every query's top N, so every watcher gets a message.
  const request = encodedUpdate(spotAt(step));
  const sent = performance.now();
  const version = await update(request);
  const answered = performance.now() - sent;
  const deadline = performance.now() + 10_000;
  while ((seenAt.get(version)?.length ?? 0) < WATCHERS && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const times = seenAt.get(version) ?? [];
  if (step < 1) continue;
  for (const time of times) latencies.push(time - sent);
  perUpdate.push({
    version: String(version),
    watchersReached: times.length,
    updateAnsweredMs: answered,
    firstMs: Math.min(...times) - sent,
    lastMs: Math.max(...times) - sent,
  });
}
const rssAfter = await scannerRss();

/** Nearest rank: the smallest value with at least `fraction` of the values at or below it. */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}
const summary = (figure: string, values: readonly number[]) => ({
  figure,
  count: values.length,
  p50: percentile(values, 0.5),
  p90: percentile(values, 0.9),
  p99: percentile(values, 0.99),
  max: percentile(values, 1),
});
const lastPerUpdate = perUpdate.map((entry) => entry.lastMs);
const missedDeliveries = WATCHERS * UPDATES - latencies.length;

for (const stream of streams) stream.cancel();
for (const client of clients) client.close();
const logLines = scanner.log.lines().length;
await scanner.stop();

recording.finish({
  method:
    `${WATCHERS.toLocaleString("en-US")} watchers over ${QUERIES} distinct queries on ${clients.length} loopback channels; the IWM chain (seed 7, ${chainAt(230).quotes.length.toLocaleString("en-US")} contracts) replaced ${WARM_UP_UPDATES} times to warm up, then ${UPDATES} times measured, the underlying moved by $0.75 each time (up and down between $230 and $245) so that every watcher's top ${queries[0]?.limit ?? 0} changes. ` +
    `Latency: from handing the encoded UpdateChain to grpc-js to each watcher's message for that version. Percentiles are by nearest rank: over the ${latencies.length.toLocaleString("en-US")} deliveries (each watcher's message for each update), and over the ${UPDATES} updates of each update's slowest delivery, the time to its last watcher. ` +
    `One watcher in ten decoded every message in full and checked it (${checked.toLocaleString("en-US")} messages). The scanner's resident memory went from ${Math.round(rssBefore / 2 ** 20)} MB before the measured updates to ${Math.round(rssAfter / 2 ** 20)} MB after; it wrote ${logLines.toLocaleString("en-US")} log lines.`,
  layers: SERVICE_LAYERS,
  tables: [
    {
      title: "From UpdateChain to the watchers' messages (ms)",
      columns: [
        { key: "figure", label: "over" },
        { key: "count", label: "samples" },
        { key: "p50", label: "p50", digits: 1 },
        { key: "p90", label: "p90", digits: 1 },
        { key: "p99", label: "p99", digits: 1 },
        { key: "max", label: "max", digits: 1 },
      ],
      rows: [
        summary("every delivery", latencies),
        summary("each update's last watcher", lastPerUpdate),
        summary(
          "each update's first watcher",
          perUpdate.map((entry) => entry.firstMs),
        ),
        summary(
          "UpdateChain answered",
          perUpdate.map((entry) => entry.updateAnsweredMs),
        ),
      ],
    },
  ],
  targets: [
    target(`the time to an update's last watcher, 99th percentile over ${UPDATES} updates`, percentile(lastPerUpdate, 0.99), "below", TARGET_MS, " ms", 1),
    target("deliveries missed (a watcher without its message within 10 s of an update)", missedDeliveries, "at most", 0, ""),
  ],
});

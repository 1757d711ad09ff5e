// One process pair (`make run`) against the cluster (`make run-cluster`'s shape: Redis, NATS,
// two coordinators balancing round-robin over 1, 2 or 3 scanner replicas) under the same
// loads: 20 clients scanning with bypass_cache (each scan fetches and prices a chain and has a
// scanner rank it), first at the fault suites' steady pace (a second between a client's scans),
// then back to back (saturating). Latency, scans a second, resident memory, and the CPU each
// side spends per scan (process_cpu_seconds_total), which the capacity model of
// docs/scaling.md is built from. Also each symbol's chain size: what one tick of a live symbol
// moves to a scanner. Records bench/results/cluster-throughput/<time>.json.
//
// usage: node dist/bench/cluster-throughput.js
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { CoordinatorServiceClient, ScanRequest } from "../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { OptionChain } from "../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { generateSyntheticChain } from "../services/market-model/synthetic-chain.js";
import { figuresOf, startFleet, COORDINATOR_SETTINGS, type Fleet, type ServiceFigures } from "./support/fleet.js";
import { SERVICE_LAYERS } from "./support/production-layers.js";
import type { ServiceProcess } from "./support/service-process.js";
import { startRun, target } from "./support/run-record.js";

const recording = startRun("cluster-throughput", "One process pair and the cluster");
const CLIENTS = 20;
/** Each load's length; CLUSTER_BENCH_SECONDS shortens it for a quick look (the recorded runs use 15). */
const MEASURE_MS = Number(process.env.CLUSTER_BENCH_SECONDS ?? 15) * 1000;
const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"] as const;
/** The fault suites' credit screen: what most users ask. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: { minDte: 7, maxDte: 45, maxShortDelta: 0.3, minPop: 0.6, maxWidth: 5 },
  limit: 10,
});
const LOADS = [
  { name: "steady (1 s between a client's scans)", thinkMs: 1000 },
  { name: "saturating (back to back)", thinkMs: 0 },
] as const;
const CONFIGURATIONS = [
  { name: "one pair (make run)", scanners: 1, coordinators: 1, shared: false },
  { name: "cluster, 1 scanner replica", scanners: 1, coordinators: 2, shared: true },
  { name: "cluster, 2 scanner replicas", scanners: 2, coordinators: 2, shared: true },
  { name: "cluster, 3 scanner replicas", scanners: 3, coordinators: 2, shared: true },
] as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const MIB = 2 ** 20;

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * Each client asks its own top N (10 + its index): identical scans in flight on a coordinator
 * share one computation, and with 20 clients on 8 symbols most would, so the figures would
 * measure that sharing rather than what a scan costs. This way every scan is computed.
 */
const queryOf = (client: number): ScanQuery => ({ ...QUERY, limit: 10 + client });

function scan(client: InstanceType<typeof CoordinatorServiceClient>, symbol: string, index: number): Promise<{ code: status; ms: number; details: string }> {
  const started = performance.now();
  return new Promise((resolve) =>
    client.scan(
      ScanRequest.fromPartial({ symbol, query: queryOf(index), bypassCache: true }),
      new Metadata(),
      { deadline: new Date(Date.now() + 30_000) },
      (error: ServiceError | null) => resolve({ code: error?.code ?? status.OK, details: error?.details ?? "", ms: performance.now() - started }),
    ),
  );
}

/** Every client scans, pauses `thinkMs`, and scans again until `ms` have passed; starts spread over the first pause. */
async function closedLoop(clients: readonly InstanceType<typeof CoordinatorServiceClient>[], thinkMs: number, ms: number) {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const began = performance.now();
  const end = began + ms;
  await Promise.all(
    clients.map(async (client, index) => {
      await sleep((thinkMs * index) / clients.length);
      for (let round = 0; performance.now() < end; round++) {
        const symbol = SYMBOLS[(index + round) % SYMBOLS.length]!;
        const outcome = await scan(client, symbol, index);
        if (outcome.code === status.OK) latencies.push(outcome.ms);
        else {
          const name = status[outcome.code];
          failures.set(name, (failures.get(name) ?? 0) + 1);
          console.log(`scan of ${symbol} failed: ${name}: ${outcome.details}`);
        }
        if (thinkMs > 0) await sleep(thinkMs);
      }
    }),
  );
  const failed = [...failures.values()].reduce((total, count) => total + count, 0);
  const failedBy = [...failures.entries()].map(([name, count]) => `${name} ${count}`).join(", ") || "none";
  return { latencies, failed, failedBy, seconds: (performance.now() - began) / 1000 };
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
const figures = (services: readonly ServiceProcess[]): Promise<ServiceFigures[]> => Promise.all(services.map(figuresOf));

const rows: Record<string, string | number>[] = [];
let failures = 0;

async function measure(configuration: (typeof CONFIGURATIONS)[number]): Promise<void> {
  const fleet: Fleet = await startFleet(configuration.name, configuration);
  const clients = Array.from(
    { length: CLIENTS },
    (_, index) =>
      new CoordinatorServiceClient(`127.0.0.1:${fleet.coordinators[index % fleet.coordinators.length]!.grpcPort}`, credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        "grpc.max_receive_message_length": 64 * MIB,
      }),
  );
  try {
    // Every symbol once through each coordinator: first listings are not what is measured.
    for (const [index, client] of clients.slice(0, fleet.coordinators.length).entries()) for (const symbol of SYMBOLS) await scan(client, symbol, index);
    for (const load of LOADS) {
      const coordinatorsBefore = await figures(fleet.coordinators);
      const scannersBefore = await figures(fleet.scanners);
      const run = await closedLoop(clients, load.thinkMs, MEASURE_MS);
      const coordinatorsAfter = await figures(fleet.coordinators);
      const scannersAfter = await figures(fleet.scanners);
      const scans = run.latencies.length + run.failed;
      failures += run.failed;
      const perReplica = scannersAfter.map((after, index) => after.scans - scannersBefore[index]!.scans);
      rows.push({
        configuration: configuration.name,
        load: load.name,
        scans,
        failed: run.failedBy,
        scansPerSecond: run.latencies.length / run.seconds,
        p50Ms: percentile(run.latencies, 0.5),
        p99Ms: percentile(run.latencies, 0.99),
        coordinatorsMb: sum(coordinatorsAfter.map((each) => each.residentBytes)) / MIB,
        scannersMb: sum(scannersAfter.map((each) => each.residentBytes)) / MIB,
        coordinatorCpuMsPerScan:
          (1000 * (sum(coordinatorsAfter.map((each) => each.cpuSeconds)) - sum(coordinatorsBefore.map((each) => each.cpuSeconds)))) / scans,
        scannerScans: sum(perReplica),
        // Per Scan the scanners answered: identical scans in flight on one coordinator share one.
        scannerCpuMsPerScan:
          (1000 * (sum(scannersAfter.map((each) => each.cpuSeconds)) - sum(scannersBefore.map((each) => each.cpuSeconds)))) / sum(perReplica),
        perReplica: perReplica.join(" / "),
      });
      console.log(`${configuration.name}, ${load.name}:`, rows.at(-1));
    }
  } finally {
    for (const client of clients) client.close();
    await fleet.stop();
  }
}

for (const configuration of CONFIGURATIONS) await measure(configuration);

const asOf = new Date("2026-11-20T15:00:00Z");
const chains = SYMBOLS.map((symbol) => {
  const chain = generateSyntheticChain({ symbol, seed: 1, asOf });
  return { symbol, contracts: chain.quotes.length, megabytes: OptionChain.encode(chain).finish().length / MIB };
});

recording.finish({
  method:
    `${CLIENTS} clients, each with a channel of its own, call CoordinatorService/Scan with bypass_cache (a credit screen: bull puts and bear calls, DTE 7 to 45, short |delta| at most 0.3, POP at least 0.6, width at most $5, top 10 + the client's index, so that no two scans in flight are identical and share one computation), cycling through the simulated market's 8 symbols; ` +
    `in the cluster, half the clients call each coordinator. Each load runs ${MEASURE_MS / 1000} s after every symbol was scanned once through each coordinator. ` +
    `Every service is the compiled service in its own process on the same 2 cores, logging to a file; the coordinators run with ${Object.entries(
      COORDINATOR_SETTINGS,
    )
      .map(([name, value]) => `${name}=${value}`)
      .join(", ")}. ` +
    "The cluster's coordinators have REDIS_URL and NATS_URL set (redis-server and nats-server as child processes) and balance round-robin over the scanner replicas (SCANNER_ADDR=ipv4:...). " +
    "Memory is resident memory after the load, summed over the coordinators and over the scanners; CPU per scan is process_cpu_seconds_total over the load divided by the scans the coordinators answered, or, for the scanners, by the Scan calls they answered. " +
    "Chain sizes are the encoded OptionChain of each symbol's simulated chain (seed 1), what a fresh scan or one tick of a watched symbol sends to a scanner.",
  layers: SERVICE_LAYERS,
  tables: [
    {
      title: "Scans through the coordinators",
      columns: [
        { key: "configuration", label: "fleet" },
        { key: "load", label: "load" },
        { key: "scans", label: "scans" },
        { key: "failed", label: "failed, by status" },
        { key: "scansPerSecond", label: "scans/s", digits: 1 },
        { key: "p50Ms", label: "p50 (ms)" },
        { key: "p99Ms", label: "p99 (ms)" },
        { key: "coordinatorsMb", label: "coordinators RSS (MB)" },
        { key: "scannersMb", label: "scanners RSS (MB)" },
        { key: "coordinatorCpuMsPerScan", label: "coordinator CPU ms/scan", digits: 1 },
        { key: "scannerScans", label: "scanner Scans" },
        { key: "scannerCpuMsPerScan", label: "scanner CPU ms/Scan", digits: 1 },
        { key: "perReplica", label: "scans per replica" },
      ],
      rows,
    },
    {
      title: "Chain sizes",
      columns: [
        { key: "symbol", label: "symbol" },
        { key: "contracts", label: "contracts" },
        { key: "megabytes", label: "encoded (MiB)", digits: 2 },
      ],
      rows: chains,
    },
  ],
  targets: [target("failed scans, every fleet and load", failures, "at most", 0, "")],
});

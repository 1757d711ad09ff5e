// What the bootstrap costs per unary call: the same Scan answer served by a bare grpc-js
// server and by the bootstrap's GrpcServer with every layer on as in production, each called
// sequentially over loopback by a generated client in this process. The servers take turns in
// short blocks; each block's calls a second and CPU time per call (process.cpuUsage: client,
// servers and their threads together) are kept. Target: the bootstrap at 85% or more of the
// bare server's calls a second. Records bench/results/bootstrap-overhead/<time>.json.
import { credentials, Server, ServerCredentials, type handleUnaryCall } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { unimplemented } from "../services/common/errors.js";
import { GrpcServer } from "../services/common/grpc-server.js";
import { unaryHandler, type CallContext } from "../services/common/handlers.js";
import { createLogger, type Logger } from "../services/common/logger.js";
import {
  ScannerServiceClient,
  ScannerServiceService,
  ScanRequest,
  type ScanResponse,
  type ScannerServiceServer,
} from "../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { GENEROUS_LIMITS, LogFile, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target, type Cell } from "./support/run-record.js";

const ROUNDS = 30;
const BLOCK_MS = 500;
const WARM_UP_CALLS = 3_000;
const TARGET_SHARE = 85;

const RESPONSE: ScanResponse = {
  result: {
    symbol: "SPY",
    spreads: [],
    candidatesEvaluated: 123_456n,
    candidatesPassed: 42n,
    candidatesConsidered: 123_456n,
    candidatesRejectedByLegFilters: 100_000n,
    candidatesRejectedBySpreadFilters: 23_414n,
    candidatesRankedOut: 0n,
    candidatesFullyEvaluated: 42n,
    skippedQuotes: [],
    quotesWithComputedGreeks: 0n,
    chainAsOf: new Date("2026-11-20T21:00:00Z"),
    chainVersion: 7n,
    underlyingPrice: 600,
    delayed: false,
  },
};
const REQUEST = ScanRequest.fromPartial({ symbol: "SPY" });
const notServed = (): never => {
  throw unimplemented("not part of this benchmark");
};

const recording = startRun("bootstrap-overhead", "Bootstrap overhead per unary call");

async function bareServer(): Promise<{ port: number; close(): void }> {
  const server = new Server();
  const scan: handleUnaryCall<ScanRequest, ScanResponse> = (_call, callback) => callback(null, RESPONSE);
  server.addService(ScannerServiceService, { scan, watchSpreads: notServed, updateChain: notServed, getMetrics: notServed });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, close: () => server.forceShutdown() };
}

/** The bootstrap's server as a service builds it (GrpcServer, unaryHandler), with every layer on. */
async function bootstrapServer(logger: Logger, handle: (request: ScanRequest, context: CallContext) => Promise<ScanResponse>): Promise<{ port: number; close(): Promise<void> }> {
  const server = new GrpcServer({
    logger,
    registry: new Registry(),
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    keepaliveTimeMs: 30_000,
    keepaliveTimeoutMs: 10_000,
    limits: GENEROUS_LIMITS,
  });
  const implementation: ScannerServiceServer = {
    scan: unaryHandler("Scan", handle, { logger, requestTimeoutMs: 30_000 }),
    watchSpreads: notServed,
    updateChain: notServed,
    getMetrics: notServed,
  };
  server.addService(ScannerServiceService, implementation);
  const port = await server.listen("127.0.0.1", 0);
  server.setServing(true);
  return { port, close: () => server.shutdown(0) };
}

const log = new LogFile("bootstrap-overhead");
const logger = createLogger({ service: "bench", level: "info", format: "json", fd: log.fd });
const bare = await bareServer();
const bootstrap = await bootstrapServer(logger, () => Promise.resolve(RESPONSE));
const bootstrapWithSignal = await bootstrapServer(logger, (_request, context) => {
  context.signal.throwIfAborted();
  return Promise.resolve(RESPONSE);
});

interface Subject {
  readonly name: string;
  readonly client: ScannerServiceClient;
  readonly callsPerSecond: number[];
  readonly cpuMicrosecondsPerCall: number[];
  readonly latenciesMs: number[];
}

const subject = (name: string, port: number): Subject => ({
  name,
  client: new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure()),
  callsPerSecond: [],
  cpuMicrosecondsPerCall: [],
  latenciesMs: [],
});
const subjects = [
  subject("bare grpc-js server", bare.port),
  subject("bootstrap, every layer on", bootstrap.port),
  subject("bootstrap, every layer on, the handler reading its signal", bootstrapWithSignal.port),
];

const call = (client: ScannerServiceClient): Promise<void> =>
  new Promise((resolve, reject) => client.scan(REQUEST, (error) => (error ? reject(error) : resolve())));

for (const each of subjects) for (let index = 0; index < WARM_UP_CALLS; index++) await call(each.client);

for (let round = 0; round < ROUNDS; round++) {
  // Alternating order: whatever else the machine does falls on every server alike.
  for (const each of round % 2 === 0 ? subjects : [...subjects].reverse()) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const end = started + BLOCK_MS;
    let calls = 0;
    for (let now = started; now < end; calls++) {
      await call(each.client);
      const after = performance.now();
      each.latenciesMs.push(after - now);
      now = after;
    }
    const cpu = process.cpuUsage(cpuBefore);
    each.callsPerSecond.push(calls / ((performance.now() - started) / 1000));
    each.cpuMicrosecondsPerCall.push((cpu.user + cpu.system) / calls);
  }
}

for (const each of subjects) each.client.close();
bare.close();
await bootstrap.close();
await bootstrapWithSignal.close();
logger.flush();
const callLines = log.lines().filter((line) => line.msg === "call").length;
log.remove();

/** Nearest rank: the smallest value with at least `fraction` of the values at or below it. */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}
const median = (values: readonly number[]): number => percentile(values, 0.5);

const bareSubject = subjects[0]!;
const shareOfBare = (each: Subject): number => 100 * median(each.callsPerSecond.map((rate, round) => rate / bareSubject.callsPerSecond[round]!));
const rows: Record<string, Cell>[] = subjects.map((each) => ({
  server: each.name,
  calls: each.latenciesMs.length,
  callsPerSecond: median(each.callsPerSecond),
  shareOfBare: shareOfBare(each),
  cpuMicrosecondsPerCall: median(each.cpuMicrosecondsPerCall),
  p50Ms: percentile(each.latenciesMs, 0.5),
  p99Ms: percentile(each.latenciesMs, 0.99),
}));

recording.finish({
  method:
    `${ROUNDS} rounds of ${BLOCK_MS} ms blocks per server, in alternating order, after ${WARM_UP_CALLS.toLocaleString("en-US")} warm-up calls each. ` +
    `Calls a second and CPU per call are the medians over the blocks; a share of the bare server is the median of the blocks' ratios to the bare server's block in the same round; ` +
    `latencies are over every measured call. The bootstrap servers wrote ${callLines.toLocaleString("en-US")} call log lines for ` +
    `${(subjects[1]!.latenciesMs.length + subjects[2]!.latenciesMs.length + 2 * WARM_UP_CALLS).toLocaleString("en-US")} calls.`,
  layers: SERVICE_LAYERS,
  tables: [
    {
      title: "Sequential unary calls, client and servers in one process",
      columns: [
        { key: "server", label: "server" },
        { key: "calls", label: "calls measured" },
        { key: "callsPerSecond", label: "calls/s" },
        { key: "shareOfBare", label: "share of bare (%)", digits: 1 },
        { key: "cpuMicrosecondsPerCall", label: "CPU per call (µs)", digits: 1 },
        { key: "p50Ms", label: "p50 (ms)", digits: 3 },
        { key: "p99Ms", label: "p99 (ms)", digits: 3 },
      ],
      rows,
    },
  ],
  targets: [target("the bootstrap with every layer on: its calls a second as a share of the bare server's", shareOfBare(subjects[1]!), "at least", TARGET_SHARE, "%", 1)],
});

// What tracing costs the coordinator's Scan: calls a second answered from its cache (the path
// every repeated scan takes, where a fixed cost per call weighs most) with tracing off, and on
// (exporting to a local OTLP/HTTP sink this benchmark runs, which counts what it is sent), and,
// given a second checkout, that checkout's services with tracing off: the code before tracing.
// Each variant is a scanner and a coordinator of its own, started from source as `node
// --import tsx` (the same loader for both checkouts); the variants take turns in rounds, in
// alternating order, so that the host's changing load falls on all of them alike.
//
// usage: node dist/bench/tracing-overhead.js [BASELINE_CHECKOUT]   (run from the checkout root)
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { credentials } from "@grpc/grpc-js";
import { CoordinatorServiceClient, ScanRequest } from "../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanFilters, ScanQuery, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { GENEROUS_LIMITS_ENV, LogFile, LOGGING_ENV, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target } from "./support/run-record.js";

const recording = startRun("tracing-overhead", "Tracing overhead on cached Scan calls");
const CALLS_PER_ROUND = 2000;
const CONCURRENCY = 10;
const ROUNDS = 12;
const OFF_TARGET_SHARE = 97;
/** Tracing on is allowed to cost: two spans made and exported per cached call. */
const ON_TARGET_SHARE = 80;

// The sink: an OTLP/HTTP endpoint that answers every export with an empty success.
let exports = 0;
let exportedBytes = 0;
const sink = createServer((request, response) => {
  request.on("data", (chunk: Buffer) => (exportedBytes += chunk.length));
  request.on("end", () => {
    exports++;
    response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
sink.listen(0, "127.0.0.1");
await once(sink, "listening");
const sinkEndpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

interface Service {
  readonly child: ChildProcess;
  readonly grpcPort: number;
  readonly log: LogFile;
}

/** A service of `checkout` from source, its log going to a file (as a service's standard output would), once it listens. */
async function startService(checkout: string, service: "scanner" | "coordinator", env: Record<string, string>): Promise<Service> {
  const log = new LogFile(service);
  const child = spawn(process.execPath, ["--import", "tsx", join("services", service, "main.ts")], {
    cwd: checkout,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...LOGGING_ENV, ...GENEROUS_LIMITS_ENV, ...env },
    stdio: ["ignore", log.fd, "inherit"],
  });
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline && child.exitCode === null) {
    const listening = log.lines().find((line) => line.msg === "listening");
    if (listening) return { child, grpcPort: listening.grpcPort as number, log };
    await sleep(100);
  }
  child.kill("SIGKILL");
  log.remove();
  throw new Error(`the ${service} of ${checkout} did not listen within 60 s`);
}

interface Variant {
  readonly name: string;
  readonly client: CoordinatorServiceClient;
  readonly services: Service[];
  readonly dataDir: string;
  readonly rates: number[];
}

async function startVariant(name: string, checkout: string, tracing: boolean): Promise<Variant> {
  const tracingEnv: Record<string, string> = tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkEndpoint } : {};
  const scanner = await startService(checkout, "scanner", { SCANNER_HOST: "127.0.0.1", SCANNER_PORT: "0", SCANNER_ADMIN_PORT: "0", ...tracingEnv });
  const dataDir = mkdtempSync(join(tmpdir(), "spreadscan-bench-tracing-"));
  const coordinator = await startService(checkout, "coordinator", {
    COORDINATOR_HOST: "127.0.0.1",
    COORDINATOR_PORT: "0",
    COORDINATOR_ADMIN_PORT: "0",
    SCANNER_ADDR: `127.0.0.1:${scanner.grpcPort}`,
    MARKET_DATA: "simulated",
    DATA_DIR: dataDir,
    ...tracingEnv,
  });
  const client = new CoordinatorServiceClient(`127.0.0.1:${coordinator.grpcPort}`, credentials.createInsecure());
  return { name, client, services: [scanner, coordinator], dataDir, rates: [] };
}

const request = ScanRequest.fromPartial({
  symbol: "SPY",
  query: ScanQuery.fromPartial({
    strategies: [Strategy.STRATEGY_BULL_PUT],
    filters: ScanFilters.fromPartial({ maxDte: 30, maxWidth: 5 }),
    limit: 10,
  }),
});

function scan(client: CoordinatorServiceClient): Promise<void> {
  return new Promise((resolveCall, reject) => client.scan(request, (error) => (error ? reject(error) : resolveCall())));
}

/** CALLS_PER_ROUND calls, CONCURRENCY at a time; calls a second of the whole round. */
async function round(variant: Variant): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS_PER_ROUND) {
        next++;
        await scan(variant.client);
      }
    }),
  );
  return CALLS_PER_ROUND / ((performance.now() - started) / 1000);
}

const current = process.cwd();
const baseline = process.argv[2] ? resolve(process.argv[2]) : undefined;
const variants: Variant[] = [];
if (baseline) variants.push(await startVariant("baseline checkout, tracing off", baseline, false));
variants.push(await startVariant("this checkout, tracing off", current, false));
variants.push(await startVariant("this checkout, tracing on", current, true));

// The first scan computes and caches the result; a warm-up round lets the JIT settle.
for (const variant of variants) {
  await scan(variant.client);
  await round(variant);
}
for (let index = 0; index < ROUNDS; index++) {
  const order = index % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) variant.rates.push(await round(variant));
}

for (const variant of variants) {
  variant.client.close();
  for (const { child, log } of variant.services) {
    child.kill("SIGTERM");
    await once(child, "exit");
    log.remove();
  }
  rmSync(variant.dataDir, { recursive: true, force: true });
}
sink.close();

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ratesOf = (name: string): number[] => variants.find((variant) => variant.name === name)?.rates ?? [];
/** The median over the rounds of `numerator`'s rate as a share of `denominator`'s in the same round, %. */
const pairedShare = (numerator: string, denominator: string): number => {
  const over = ratesOf(denominator);
  return median(ratesOf(numerator).map((rate, index) => (100 * rate) / (over[index] ?? Number.NaN)));
};
const onShare = pairedShare("this checkout, tracing on", "this checkout, tracing off");
const offShare = baseline ? pairedShare("this checkout, tracing off", "baseline checkout, tracing off") : Number.NaN;

recording.finish({
  method:
    `Each variant is a scanner and a coordinator (simulated market) started from source with node --import tsx; a client in the benchmark's process calls CoordinatorService/Scan for SPY (bull puts, DTE up to 30, width at most $5, top 10) ` +
    `${CALLS_PER_ROUND.toLocaleString("en-US")} times per round, ${CONCURRENCY} calls at a time, after one call that computes and caches the result and one warm-up round: every counted call is a cache hit. ` +
    `A rate is the round's calls divided by its wall time; ${ROUNDS} rounds, each variant once per round, in alternating order; the table gives each variant's median and its rounds, and a share is the median over the rounds of the ratio of two variants' rates within a round (a slow spell of the host falls on both). ` +
    `With tracing on, the services export to an OTLP/HTTP sink in the benchmark's process (default batching: a batch every 5 s or 512 spans), which received ${exports.toLocaleString("en-US")} export requests, ${exportedBytes.toLocaleString("en-US")} bytes in all.` +
    (baseline ? ` The baseline checkout was ${baseline}.` : " No baseline checkout was given."),
  layers: [...SERVICE_LAYERS.filter((layer) => !layer.startsWith("call limits")), "call limits on, never reached"],
  tables: [
    {
      title: "Cached Scan calls a second, per variant",
      columns: [
        { key: "variant", label: "variant" },
        { key: "median", label: "median calls/s" },
        { key: "rounds", label: "rounds (calls/s)" },
      ],
      rows: variants.map((variant) => ({
        variant: variant.name,
        median: Math.round(median(variant.rates)),
        rounds: variant.rates.map((rate) => Math.round(rate)).join(", "),
      })),
    },
  ],
  targets: [
    ...(baseline
      ? [
          target(
            "tracing off: cached Scan calls a second as a share of the baseline checkout's, paired by round",
            offShare,
            "at least",
            OFF_TARGET_SHARE,
            "%",
            1,
          ),
        ]
      : []),
    target("tracing on: cached Scan calls a second as a share of tracing off, paired by round", onShare, "at least", ON_TARGET_SHARE, "%", 1),
  ],
});

// Unary Scan throughput and latency, measured with ghz against a scanner process (every layer
// on, as in production) holding a SPY-sized chain, cache hits and cache misses, at concurrency
// 1, 10 and 50, next to a bare grpc-js server that answers the very same response bytes, in the
// same run. Target for cache hits: at least 70% of the bare server's throughput. Records
// bench/results/scan-throughput/<time>.json.
//
// usage: node dist/bench/scan-throughput.js PATH_TO_GHZ
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { credentials, Server, ServerCredentials, type ServiceDefinition } from "@grpc/grpc-js";
import { ScanFilters, ScanQuery, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, ScanRequest, ScanResponse, UpdateChainRequest } from "../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../services/market-model/synthetic-chain.js";
import { GENEROUS_LIMITS_ENV, LOGGING_ENV, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target } from "./support/run-record.js";
import { startServiceProcess } from "./support/service-process.js";

const recording = startRun("scan-throughput", "Unary Scan throughput (ghz)");
const TARGET_SHARE = 70;

function ghzPath(): string {
  const path = process.argv[2];
  if (!path) throw new Error("usage: scan-throughput.js PATH_TO_GHZ");
  return path;
}
const ghz = ghzPath();

/** The scanner's settings besides every layer on: room for every miss ghz sends at once, and for every result. */
const SCANNER_SETTINGS = { MAX_CONCURRENT_SCANS: "10", SCAN_QUEUE_SIZE: "1000", RESULT_CACHE_ENTRIES: "100000", CACHE_TTL: "3600" };
const scanner = await startServiceProcess("scanner", {
  SCANNER_HOST: "127.0.0.1",
  SCANNER_PORT: "0",
  SCANNER_ADMIN_PORT: "0",
  ...LOGGING_ENV,
  ...GENEROUS_LIMITS_ENV,
  ...SCANNER_SETTINGS,
});
const scannerPort = scanner.grpcPort;

const client = new ScannerServiceClient(`127.0.0.1:${scannerPort}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });
const chain = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") });
await new Promise((resolve, reject) =>
  client.updateChain(UpdateChainRequest.fromPartial({ chain }), (error, response) => (error ? reject(error) : resolve(response))),
);

// DTE from 0 and short |delta| from 0, not the defaults (7 days, 0.10), so that a miss costs
// what it did when the recorded results were measured.
const query = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: ScanFilters.fromPartial({ minDte: 0, maxDte: 45, minShortDelta: 0, maxWidth: 5 }),
  limit: 20,
});
const hitRequest = JSON.stringify(ScanRequest.toJSON(ScanRequest.fromPartial({ symbol: "SPY", query })));
// Every request a different (and equally permissive: every quote is as fresh as the chain)
// quote age limit, so every one misses the cache, in every run. ghz templates only inside
// JSON strings, and a Duration is a string in proto3 JSON.
const missRequest = (run: number): string => hitRequest.replace('"filters":{', `"filters":{"maxQuoteAge":"${run}{{.RequestNumber}}s",`);

// The bare server: the same method, answering the bytes the scanner answers, with no work.
const response = await new Promise<ScanResponse>((resolve, reject) =>
  client.scan(ScanRequest.fromPartial({ symbol: "SPY", query }), (error, answer) => (error ? reject(error) : resolve(answer))),
);
const responseBytes = Buffer.from(ScanResponse.encode(response).finish());
const bareDefinition: ServiceDefinition = {
  Scan: {
    path: "/spreadscan.scanner.v1.ScannerService/Scan",
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};
const bare = new Server();
bare.addService(bareDefinition, { Scan: (_call: unknown, callback: (error: null, value: Buffer) => void) => callback(null, responseBytes) });
const barePort = await new Promise<number>((resolve, reject) =>
  bare.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
);

interface Run {
  target: string;
  concurrency: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function runGhz(target: string, port: number, data: string, concurrency: number, requests: number): Promise<Run> {
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      ghz,
      [
        "--insecure",
        "--protoset",
        "gen/descriptor/spreadscan.binpb",
        "--call",
        "spreadscan.scanner.v1.ScannerService.Scan",
        "-d",
        data,
        "-c",
        String(concurrency),
        "-n",
        String(requests),
        "--format",
        "json",
        `127.0.0.1:${port}`,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
      (error: Error | null, out: string) => {
        if (error) reject(error);
        else resolve(out);
      },
    ),
  );
  const report = JSON.parse(stdout) as {
    rps: number;
    latencyDistribution: { percentage: number; latency: number }[] | null;
    statusCodeDistribution: Record<string, number>;
  };
  const percentile = (p: number): number => (report.latencyDistribution?.find((entry) => entry.percentage === p)?.latency ?? Number.NaN) / 1e6;
  const errors = Object.entries(report.statusCodeDistribution).reduce((sum, [code, count]) => (code === "OK" ? sum : sum + count), 0);
  return { target, concurrency, requests, rps: report.rps, p50Ms: percentile(50), p99Ms: percentile(99), errors };
}

const runs: Run[] = [];
for (const concurrency of [1, 10, 50]) {
  const requests = concurrency === 1 ? 3000 : 10_000;
  runs.push(await runGhz("bare grpc-js, same bytes", barePort, hitRequest, concurrency, requests));
  runs.push(await runGhz("scanner, cache hit", scannerPort, hitRequest, concurrency, requests));
  runs.push(await runGhz("scanner, cache miss", scannerPort, missRequest(100 + concurrency), concurrency, concurrency === 1 ? 300 : 1000));
}

const ghzVersion = /github\.com\/bojand\/ghz (v\S+)/.exec(readFileSync("bench/tools/go.mod", "utf8"))?.[1] ?? "unknown";
const CONCURRENCY = [1, 10, 50];
const shares = CONCURRENCY.map((concurrency) => {
  const bareRun = runs.find((run) => run.concurrency === concurrency && run.target.startsWith("bare"));
  const hitRun = runs.find((run) => run.concurrency === concurrency && run.target.endsWith("hit"));
  return { concurrency, share: (100 * (hitRun?.rps ?? 0)) / (bareRun?.rps ?? Number.NaN) };
});

client.close();
bare.forceShutdown();
const logLines = scanner.log.lines().length;
await scanner.stop();

recording.finish({
  method:
    `ghz ${ghzVersion} (from bench/tools/go.mod) calls ScannerService/Scan on a stored SPY chain (seed 42, ${chain.quotes.length.toLocaleString("en-US")} contracts; bull puts and bear calls, DTE 0 to 45, short |delta| from 0, width at most $5, top 20: a ${responseBytes.length.toLocaleString("en-US")}-byte response), ` +
    `at concurrency ${CONCURRENCY.join(", ")}: hits and the bare server ${runs[0]?.requests.toLocaleString("en-US")} requests at concurrency 1 and ${runs[3]?.requests.toLocaleString("en-US")} above, misses a tenth as many. ` +
    `The scanner is the compiled service in its own process with ${Object.entries(SCANNER_SETTINGS)
      .map(([name, value]) => `${name}=${value}`)
      .join(", ")}; it wrote ${logLines.toLocaleString("en-US")} log lines.`,
  layers: SERVICE_LAYERS,
  tables: [
    {
      title: "ghz runs",
      columns: [
        { key: "target", label: "server" },
        { key: "concurrency", label: "concurrency" },
        { key: "requests", label: "requests" },
        { key: "rps", label: "requests/s" },
        { key: "p50Ms", label: "p50 (ms)", digits: 2 },
        { key: "p99Ms", label: "p99 (ms)", digits: 2 },
        { key: "errors", label: "errors" },
      ],
      rows: runs.map((run) => ({ ...run })),
    },
  ],
  targets: shares.map(({ concurrency, share }) =>
    target(`cache hits at concurrency ${concurrency}: requests a second as a share of the bare server's`, share, "at least", TARGET_SHARE, "%", 1),
  ),
});

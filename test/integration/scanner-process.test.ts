// The scanner as `make run-scanner` starts it: its own process, found and called through
// reflection with `buf curl`, its admin port in the original design's shape, and a watch
// ended with UNAVAILABLE by SIGTERM.
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, ScanRequest, UpdateChainRequest, WatchSpreadsRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { callUnary } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { projectTool, runTool } from "../support/tools.js";

let scanner: ServiceProcess;
let grpcPort: number;
let adminPort: number;

beforeAll(async () => {
  scanner = spawnService("services/scanner/main.ts", freePorts("SCANNER"));
  const listening = await scanner.waitForLog((line) => line.msg === "listening");
  grpcPort = listening.grpcPort as number;
  adminPort = listening.adminPort as number;
});
afterAll(() => scanner.kill());

const bufCurl = (...args: string[]) => runTool(projectTool("node_modules/.bin/buf"), ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args]);

describe("the scanner process", () => {
  it("lists its services through reflection and answers health and a call with buf curl", async () => {
    const listed = await bufCurl("--list-services", `http://127.0.0.1:${grpcPort}`);
    expect(listed.stdout.trim().split("\n").sort()).toEqual(["grpc.health.v1.Health", "spreadscan.scanner.v1.ScannerService"]);
    const health = await bufCurl("-d", '{"service":"spreadscan.scanner.v1.ScannerService"}', `http://127.0.0.1:${grpcPort}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });
    const missing = await bufCurl("-d", '{"symbol":"ZZZZ"}', `http://127.0.0.1:${grpcPort}/spreadscan.scanner.v1.ScannerService/Scan`);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain("not_found");
  });

  it("serves the original design's metrics at /metrics.json and Prometheus at /metrics", async () => {
    const json = (await (await fetch(`http://127.0.0.1:${adminPort}/metrics.json`)).json()) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(["active_scans", "average_filter_time", "cache_hits", "error_rate", "total_requests"]);
    expect(json.total_requests).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(text).toContain("spreadscan_active_watchers");
    expect(text).toContain("spreadscan_stored_chains");
  });

  it("refuses a request over MAX_REQUEST_SIZE (4 MiB by default) with RESOURCE_EXHAUSTED, and keeps serving", async () => {
    const client = new ScannerServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { "grpc.max_send_message_length": 64 * 1024 * 1024 });
    try {
      const spy = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") });
      // The SPY chain three times over, each copy a day apart: over 4 MiB on the wire.
      const quotes = [0, 1, 2].flatMap((days) => spy.quotes.map((quote) => ({ ...quote, strike: quote.strike + days * 1000 })));
      const oversized = UpdateChainRequest.fromPartial({ chain: { ...spy, quotes } });
      expect(UpdateChainRequest.encode(oversized).finish().length).toBeGreaterThan(4 * 1024 * 1024);
      const refused = await callUnary(client.updateChain.bind(client), oversized);
      expect(refused.error?.code).toBe(status.RESOURCE_EXHAUSTED);
      const after = await callUnary(client.updateChain.bind(client), UpdateChainRequest.fromPartial({ chain: spy }));
      expect(after.error).toBeUndefined();
      expect(after.response?.version).toBe(1n);
    } finally {
      client.close();
    }
  });

  it("ends a scan that runs past the caller's deadline with DEADLINE_EXCEEDED; the shared evaluation finishes into the cache for the retry", async () => {
    const client = new ScannerServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });
    try {
      // Iron condors over every SPY expiration (not the default 7 to 60 days) at any short
      // delta (not the default 0.10 and up), with wings up to $3: seconds of work.
      const heavy = ScanRequest.fromPartial({
        symbol: "SPY",
        query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { minDte: 0, maxDte: 36_500, minShortDelta: 0, maxWidth: 3 } }),
      });
      const late = await callUnary(client.scan.bind(client), heavy, { deadlineMs: 300 });
      expect(late.error?.code).toBe(status.DEADLINE_EXCEEDED);
      await expect
        .poll(async () => ((await (await fetch(`http://127.0.0.1:${adminPort}/metrics.json`)).json()) as { active_scans: number }).active_scans, {
          timeout: 10_000,
        })
        .toBe(0);
      const metricsJson = async () => (await (await fetch(`http://127.0.0.1:${adminPort}/metrics.json`)).json()) as { cache_hits: number };
      const hitsBefore = (await metricsJson()).cache_hits;
      const retried = await callUnary(client.scan.bind(client), heavy, { deadlineMs: 300 });
      expect(retried.error).toBeUndefined();
      expect(retried.response?.result?.candidatesConsidered).toBeGreaterThan(1_000_000n);
      expect((await metricsJson()).cache_hits).toBe(hitsBefore + 1);
    } finally {
      client.close();
    }
  });

  it("ends a watch with UNAVAILABLE on SIGTERM and exits 0", async () => {
    const client = new ScannerServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });
    const chain = generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 7, asOf: new Date("2026-11-20T15:00:00Z") });
    expect((await callUnary(client.updateChain.bind(client), UpdateChainRequest.fromPartial({ chain }))).error).toBeUndefined();
    const watch = client.watchSpreads(
      WatchSpreadsRequest.fromPartial({
        symbol: "IWM",
        query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 45, maxWidth: 5 } }),
      }),
    );
    await new Promise((resolve) => watch.once("data", resolve));
    const ended = new Promise<{ code: number; details: string }>((resolve) => watch.on("error", resolve));
    scanner.child.kill("SIGTERM");
    const error = await ended;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toContain("shutting down");
    expect(await scanner.exited).toEqual({ code: 0, signal: null });
    client.close();
  });
});

// API keys on both services, as processes: a call needs a known key, admin calls need the
// admin scope, each client reads only its own jobs, health and reflection stay open, the coordinator presents its own key to the
// scanner, and no key ever reaches a log line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import {
  CancelJobRequest,
  CoordinatorServiceClient,
  GetJobRequest,
  ListJobsRequest,
  ScanRequest,
  WatchJobEventsRequest,
  type WatchJobEventsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, UpdateChainRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { callUnary } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { projectTool, runTool } from "../support/tools.js";

const KEYS = {
  alice: "alice-scans-only-0123456789",
  bob: "bob-scans-too-0123456789",
  root: "root-may-do-anything-0123456789",
  coordinator: "coordinator-to-scanner-0123456789",
};
const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 30, maxWidth: 5 }, limit: 3 });

let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let scannerPort: number;
let coordinatorPort: number;
let client: CoordinatorServiceClient;

const withKey = (header: "authorization" | "x-api-key", key: string): Metadata => {
  const metadata = new Metadata();
  metadata.set(header, header === "authorization" ? `Bearer ${key}` : key);
  return metadata;
};

beforeAll(async () => {
  const directory = mkdtempSync(join(tmpdir(), "spreadscan-keys-"));
  const keysFile = join(directory, "keys.json");
  writeFileSync(
    keysFile,
    JSON.stringify({
      keys: [
        { client: "alice", key: KEYS.alice, scopes: ["scan"] },
        { client: "bob", key: KEYS.bob, scopes: ["scan"] },
        { client: "root", key: KEYS.root, scopes: ["admin"] },
      ],
    }),
  );
  scanner = spawnService("services/scanner/main.ts", {
    ...freePorts("SCANNER"),
    AUTH: "api-key",
    API_KEYS_FILE: keysFile,
    API_KEYS: `coordinator:${KEYS.coordinator}:admin`,
  });
  scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    SCANNER_API_KEY: KEYS.coordinator,
    AUTH: "api-key",
    API_KEYS_FILE: keysFile,
  });
  coordinatorPort = (await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  client = new CoordinatorServiceClient(`127.0.0.1:${coordinatorPort}`, credentials.createInsecure());
});

/** A job event stream's first message (its job's id), or the status it ended with first; the stream is then cancelled. */
function firstEvent(stream: ClientReadableStream<WatchJobEventsResponse>): Promise<{ jobId: string | undefined } | { code: status }> {
  return new Promise((resolve) => {
    stream.on("data", (message: WatchJobEventsResponse) => {
      resolve({ jobId: message.job?.id });
      stream.cancel();
    });
    stream.on("error", (error: ServiceError) => resolve({ code: error.code }));
  });
}

afterAll(() => {
  client.close();
  coordinator.kill();
  scanner.kill();
});

describe("API keys", () => {
  it("refuse a call without a key or with an unknown one, and serve a known key sent either way", async () => {
    const request = ScanRequest.fromPartial({ symbol: "SPY", query: QUERY });
    const none = await callUnary(client.scan.bind(client), request);
    expect(none.error?.code).toBe(status.UNAUTHENTICATED);
    expect(none.error?.details).toContain("authorization: Bearer");
    const wrong = await callUnary(client.scan.bind(client), request, { metadata: withKey("authorization", "not-a-key-we-know-0123") });
    expect(wrong.error?.code).toBe(status.UNAUTHENTICATED);

    // The coordinator reaches the scanner with its own key: the scan goes all the way through.
    const bearer = await callUnary(client.scan.bind(client), request, { metadata: withKey("authorization", KEYS.alice) });
    expect(bearer.error).toBeUndefined();
    expect(bearer.response?.result?.spreads.length).toBeGreaterThan(0);
    const header = await callUnary(client.scan.bind(client), request, { metadata: withKey("x-api-key", KEYS.alice) });
    expect(header.response?.cacheHit).toBe(true);
  });

  it("refuse admin calls to a key without the admin scope", async () => {
    const cancel = CancelJobRequest.fromPartial({ jobId: "no-such-job" });
    const denied = await callUnary(client.cancelJob.bind(client), cancel, { metadata: withKey("authorization", KEYS.alice) });
    expect(denied.error?.code).toBe(status.PERMISSION_DENIED);
    expect(denied.error?.details).toContain("admin");
    // Past the gate, the call itself answers.
    const allowed = await callUnary(client.cancelJob.bind(client), cancel, { metadata: withKey("authorization", KEYS.root) });
    expect(allowed.error?.code).toBe(status.NOT_FOUND);

    const scannerClient = new ScannerServiceClient(`127.0.0.1:${scannerPort}`, credentials.createInsecure(), {
      "grpc.max_send_message_length": 16 * 1024 * 1024,
    });
    try {
      const chain = generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 7, asOf: new Date("2026-11-20T15:00:00Z") });
      const update = await callUnary(scannerClient.updateChain.bind(scannerClient), UpdateChainRequest.fromPartial({ chain }), {
        metadata: withKey("authorization", KEYS.alice),
      });
      expect(update.error?.code).toBe(status.PERMISSION_DENIED);
    } finally {
      scannerClient.close();
    }
  });

  it("let each client list, read and watch only the jobs it asked for, and an admin every job", async () => {
    const as = (key: string) => ({ metadata: withKey("authorization", key) });
    const listed = async (key: string): Promise<string[]> =>
      (await callUnary(client.listJobs.bind(client), ListJobsRequest.fromPartial({ pageSize: 500 }), as(key))).response?.jobs.map((job) => job.id) ?? [];
    const query = ScanQuery.fromPartial({ ...QUERY, limit: 4 });
    const computed = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "QQQ", query, bypassCache: true }), as(KEYS.alice));
    const jobId = computed.response?.jobId ?? "";
    expect(computed.response?.cacheHit).toBe(false);
    expect(await listed(KEYS.alice)).toContain(jobId);

    // Bob never asked: Alice's job is not in his list, and reads as no job at all.
    expect(await listed(KEYS.bob)).not.toContain(jobId);
    const read = await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId }), as(KEYS.bob));
    const none = await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId: "no-such-job" }), as(KEYS.bob));
    expect(read.error?.code).toBe(status.NOT_FOUND);
    expect(read.error?.details).toBe(none.error?.details.replace("no-such-job", jobId));
    const watched = await firstEvent(client.watchJobEvents(WatchJobEventsRequest.fromPartial({ jobId }), as(KEYS.bob).metadata));
    expect(watched).toEqual({ code: status.NOT_FOUND });
    // An admin reads every job.
    expect(await listed(KEYS.root)).toContain(jobId);
    expect((await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId }), as(KEYS.root))).response?.job?.id).toBe(jobId);

    // Bob's stream of every job's events carries his jobs only. Events come in order: Alice's
    // job, made between two of his, would come before his second.
    const bobsEvents = client.watchJobEvents(WatchJobEventsRequest.fromPartial({}), as(KEYS.bob).metadata);
    const seen: string[] = [];
    bobsEvents.on("data", (message: WatchJobEventsResponse) => seen.push(message.job?.id ?? ""));
    bobsEvents.on("error", () => undefined);
    try {
      const scanned = async (key: string, symbol: string): Promise<string> =>
        (await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query, bypassCache: true }), as(key))).response?.jobId ?? "";
      const bobsFirst = await scanned(KEYS.bob, "AAPL");
      // Seen: the stream is open, and whatever follows reaches it.
      await expect.poll(() => seen.includes(bobsFirst)).toBe(true);
      const alicesNext = await scanned(KEYS.alice, "IWM");
      const bobsNext = await scanned(KEYS.bob, "MSFT");
      expect(alicesNext).not.toBe("");
      await expect.poll(() => seen.includes(bobsNext)).toBe(true);
      expect(new Set(seen)).toEqual(new Set([bobsFirst, bobsNext]));
    } finally {
      bobsEvents.cancel();
    }

    // Answered from the cache with Alice's result, Bob may read the job that computed it.
    const hit = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "QQQ", query }), as(KEYS.bob));
    expect(hit.response?.cacheHit).toBe(true);
    expect(hit.response?.jobId).toBe(jobId);
    expect((await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId }), as(KEYS.bob))).response?.job?.id).toBe(jobId);
    expect(await listed(KEYS.bob)).toContain(jobId);
  });

  it("leave health and reflection open, and keep keys out of the logs", async () => {
    const health = new HealthClient(`127.0.0.1:${coordinatorPort}`, credentials.createInsecure());
    try {
      const check = await callUnary(health.check.bind(health), { service: "" });
      expect(check.response?.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      health.close();
    }
    const listed = await runTool(projectTool("node_modules/.bin/buf"), [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--list-services",
      `http://127.0.0.1:${coordinatorPort}`,
    ]);
    expect(listed.stdout).toContain("spreadscan.coordinator.v1.CoordinatorService");

    // A service writes its log lines in batches, up to a tenth of a second after it logs them.
    await expect.poll(() => coordinator.logs.some((line) => line.status === "UNAUTHENTICATED")).toBe(true);
    const logs = JSON.stringify([...coordinator.logs, ...scanner.logs]) + coordinator.stderr() + scanner.stderr();
    for (const key of Object.values(KEYS)) expect(logs).not.toContain(key);
  });

  it("stop a service at start when AUTH=api-key has no keys, or a key is malformed, without showing it", async () => {
    const noKeys = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), AUTH: "api-key" });
    expect(await noKeys.exited).toEqual({ code: 78, signal: null });
    expect(noKeys.stderr()).toContain("AUTH: api-key needs at least one key");
    const badKey = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), AUTH: "api-key", API_KEYS: "eve:short-secret:scan" });
    expect(await badKey.exited).toEqual({ code: 78, signal: null });
    expect(badKey.stderr()).toContain("API_KEYS: must be");
    expect(badKey.stderr()).not.toContain("short-secret");
  });
});

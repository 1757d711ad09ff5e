// API keys on both services, as processes: a call needs a known key, admin calls need the
// admin scope, health and reflection stay open, the coordinator presents its own key to the
// scanner, and no key ever reaches a log line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import { CancelJobRequest, CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, UpdateChainRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { callUnary } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { projectTool, runTool } from "../support/tools.js";

const KEYS = {
  alice: "alice-scans-only-0123456789",
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

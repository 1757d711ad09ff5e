// Call limits on a scanner process: calls per second per API key and for everyone, and
// watches open per client, each refused past its limit with RESOURCE_EXHAUSTED and RetryInfo;
// health stays outside the limits. Who a client is, the server decides: no header a caller
// writes gets it a fresh allowance or spends another client's.
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { GetMetricsRequest, ScannerServiceClient, UpdateChainRequest, WatchSpreadsRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { callUnary } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { forwardFrom } from "../support/source-address.js";

const KEYS = { a: "client-a-key-0123456789", b: "client-b-key-0123456789" };
const started: ServiceProcess[] = [];
afterAll(() => {
  for (const service of started) service.kill();
});

async function scannerPortWith(env: Record<string, string>): Promise<number> {
  const service = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), ...env });
  started.push(service);
  return (await service.waitForLog((line) => line.msg === "listening")).grpcPort as number;
}

const clientAt = (address: string): ScannerServiceClient =>
  new ScannerServiceClient(address, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });

async function scannerWith(env: Record<string, string>): Promise<ScannerServiceClient> {
  return clientAt(`127.0.0.1:${await scannerPortWith(env)}`);
}

const as = (key: string): Metadata => {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${key}`);
  return metadata;
};

/** Metadata naming a client, as the limiter once believed: `x-spreadscan-client`, with a key when given. */
const naming = (client: string, key?: string): Metadata => {
  const metadata = key === undefined ? new Metadata() : as(key);
  metadata.set("x-spreadscan-client", client);
  return metadata;
};

/** Bursts of 3 calls per client, refilled so slowly that nothing refills during a test. */
const THREE_CALLS_EACH = { RATE_LIMIT_PER_CLIENT: "0.01", RATE_LIMIT_BURST: "3" };

const metricsOf = (client: ScannerServiceClient, metadata: Metadata) =>
  callUnary(client.getMetrics.bind(client), GetMetricsRequest.fromPartial({}), { metadata });

describe("call limits", () => {
  it("refuse a key past its own rate, then everyone past the service's, with a retry delay; health is never limited", async () => {
    // Bursts of 3 calls per key and 5 for everyone, refilled so slowly that nothing refills during the test.
    const client = await scannerWith({
      AUTH: "api-key",
      API_KEYS: `a:${KEYS.a}:scan,b:${KEYS.b}:scan`,
      RATE_LIMIT_PER_CLIENT: "0.01",
      RATE_LIMIT_BURST: "3",
      RATE_LIMIT_GLOBAL: "0.01",
      RATE_LIMIT_GLOBAL_BURST: "5",
    });
    const metricsAs = (key: string) => callUnary(client.getMetrics.bind(client), GetMetricsRequest.fromPartial({}), { metadata: as(key) });
    for (let call = 0; call < 3; call++) expect((await metricsAs(KEYS.a)).error).toBeUndefined();
    const overA = (await metricsAs(KEYS.a)).error;
    expect(overA?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(overA?.details).toContain("client a");
    expect(readStatusDetails(overA ?? { metadata: new Metadata() }).retryDelayMs).toBeGreaterThan(1000);

    // Client b has its own bucket, but the service's is nearly spent: 2 more calls in all.
    for (let call = 0; call < 2; call++) expect((await metricsAs(KEYS.b)).error).toBeUndefined();
    const overAll = (await metricsAs(KEYS.b)).error;
    expect(overAll?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(overAll?.details).toContain("this service is past its limit");

    const health = new HealthClient(client.getChannel().getTarget().replace(/^dns:/, ""), credentials.createInsecure());
    try {
      for (let call = 0; call < 10; call++) expect((await callUnary(health.check.bind(health), { service: "" })).error).toBeUndefined();
    } finally {
      health.close();
      client.close();
    }
  });

  it("refuse a watch past the streams a client may hold, and take one again when a watch closes", async () => {
    const client = await scannerWith({ MAX_STREAMS_PER_CLIENT: "2" });
    try {
      const chain = generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 7, asOf: new Date("2026-11-20T15:00:00Z") });
      expect((await callUnary(client.updateChain.bind(client), UpdateChainRequest.fromPartial({ chain }))).error).toBeUndefined();
      const request = WatchSpreadsRequest.fromPartial({
        symbol: "IWM",
        query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 45, maxWidth: 5 } }),
      });
      /** The first thing a new watch hears: a message, or its error's code. */
      const open = () => {
        const watch = client.watchSpreads(request);
        const first = new Promise<"message" | number>((resolve) => {
          watch.once("data", () => resolve("message"));
          watch.once("error", (error: { code: number }) => resolve(error.code));
        });
        return { watch, first };
      };
      const one = open();
      const two = open();
      expect([await one.first, await two.first]).toEqual(["message", "message"]);
      const three = open();
      expect(await three.first).toBe(status.RESOURCE_EXHAUSTED);

      one.watch.cancel();
      await expect
        .poll(async () => {
          const again = open();
          const heard = await again.first;
          again.watch.cancel();
          return heard;
        })
        .toBe("message");
      two.watch.cancel();
    } finally {
      client.close();
    }
  });
});

describe("who a client is", () => {
  it("is the host it calls from while keys are off: a fresh client name on every call is limited like any other", async () => {
    const client = await scannerWith(THREE_CALLS_EACH);
    try {
      for (let call = 0; call < 3; call++) expect((await metricsOf(client, naming(`fresh-${call}`))).error).toBeUndefined();
      const over = (await metricsOf(client, naming("fresh-3"))).error;
      expect(over?.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(over?.details).toContain("address 127.0.0.1 past its limit");
    } finally {
      client.close();
    }
  });

  it("is the host it calls from while keys are off: writing another client's name spends only the caller's own allowance", async () => {
    const port = await scannerPortWith(THREE_CALLS_EACH);
    const intruder = clientAt(`127.0.0.1:${port}`);
    // The other client calls from 127.0.0.2 and names itself "alice", as a client library might.
    const forwarder = await forwardFrom("127.0.0.2", { host: "127.0.0.1", port });
    const alice = clientAt(forwarder.address);
    try {
      for (let call = 0; call < 3; call++) expect((await metricsOf(intruder, naming("alice"))).error).toBeUndefined();
      for (let call = 0; call < 3; call++) expect((await metricsOf(alice, naming("alice"))).error?.details).toBeUndefined();
      expect((await metricsOf(intruder, naming("alice"))).error?.details).toContain("address 127.0.0.1 past its limit");
      expect((await metricsOf(alice, naming("alice"))).error?.details).toContain("address 127.0.0.2 past its limit");
    } finally {
      intruder.close();
      alice.close();
      await forwarder.close();
    }
  });

  it("is its API key's client while keys are on, whatever name the caller writes", async () => {
    const client = await scannerWith({ ...THREE_CALLS_EACH, AUTH: "api-key", API_KEYS: `a:${KEYS.a}:scan,b:${KEYS.b}:scan` });
    try {
      // Key a writes b's name, then fresh names: every call is a's.
      for (let call = 0; call < 3; call++) expect((await metricsOf(client, naming(call === 0 ? "b" : `fresh-${call}`, KEYS.a))).error).toBeUndefined();
      const over = (await metricsOf(client, naming("b", KEYS.a))).error;
      expect(over?.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(over?.details).toContain("client a past its limit");
      // b, from the same address, still has its whole allowance.
      for (let call = 0; call < 3; call++) expect((await metricsOf(client, naming("a", KEYS.b))).error).toBeUndefined();
      expect((await metricsOf(client, naming("a", KEYS.b))).error?.details).toContain("client b past its limit");
    } finally {
      client.close();
    }
  });
});

// The browser gateway in its own process between Connect, gRPC-Web and gRPC clients and a real
// coordinator and scanner on the simulated market (API keys on): every protocol gets what a
// direct gRPC call gets — the same cached result, the coordinator's refusals with their
// google.rpc field violations, its key check, request ids both ways, and server streams.
import { create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { CoordinatorService, ScanRequestSchema, ScanResponseSchema } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { Strategy } from "../../gen/es/spreadscan/scanner/v1/query_pb.js";
import { startPair, type Pair } from "../support/coordinator-pair.js";
import { spawnService, type ServiceProcess } from "../support/service-process.js";

const KEY = "gateway-test-key-0123456789";
const AUTH = { authorization: `Bearer ${KEY}` };

let pair: Pair;
let gateway: ServiceProcess;
let gatewayUrl: string;
let coordinatorUrl: string;

beforeAll(async () => {
  pair = await startPair({ AUTH: "api-key", API_KEYS: `browser:${KEY}:scan` });
  const coordinatorPort = (await pair.coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinatorUrl = `http://127.0.0.1:${coordinatorPort}`;
  // No page built there: the services are served all the same.
  gateway = spawnService("services/gateway/main.ts", {
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    COORDINATOR_ADDR: `127.0.0.1:${coordinatorPort}`,
    GATEWAY_PAGE_DIR: tmpdir(),
  });
  gatewayUrl = `http://127.0.0.1:${(await gateway.waitForLog((line) => line.msg === "listening")).port as number}`;
}, 60_000);
afterAll(() => {
  gateway.kill();
  pair.close();
});

const PROTOCOLS: readonly (readonly [string, () => Transport])[] = [
  ["Connect over HTTP/1.1", () => createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" })],
  ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" })],
  ["gRPC over cleartext HTTP/2", () => createGrpcTransport({ baseUrl: gatewayUrl })],
];

const coordinatorClient = (transport: Transport): Client<typeof CoordinatorService> => createClient(CoordinatorService, transport);
const direct = (): Client<typeof CoordinatorService> => coordinatorClient(createGrpcTransport({ baseUrl: coordinatorUrl }));

const scanRequest = (symbol: string, minPop = 0.6) =>
  create(ScanRequestSchema, {
    symbol,
    query: { strategies: [Strategy.BULL_PUT, Strategy.BEAR_CALL], filters: { minDte: 7, maxDte: 45, maxWidth: 5, minPop }, limit: 8 },
  });

async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("without a built page", () => {
  it("serves the services, and / says how to build the page", async () => {
    const page = await fetch(`${gatewayUrl}/`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("run make build");
  });
});

describe.concurrent.each(PROTOCOLS)("through the gateway, %s", (_name, transport) => {
  it("Scan answers what a direct gRPC call answers: the same job and result, the second a cache hit", async () => {
    // Each protocol its own symbol, so each first call computes and the direct call after it hits that job in the cache.
    const symbol = { "Connect over HTTP/1.1": "SPY", "gRPC-Web over HTTP/1.1": "QQQ", "gRPC over cleartext HTTP/2": "IWM" }[_name] ?? "SPY";
    const viaGateway = await coordinatorClient(transport()).scan(scanRequest(symbol), { headers: AUTH });
    const viaGrpc = await direct().scan(scanRequest(symbol), { headers: AUTH });
    expect(viaGateway.result?.spreads.length).toBeGreaterThan(0);
    expect(viaGrpc.cacheHit).toBe(true);
    expect(viaGateway.jobId).toBe(viaGrpc.jobId);
    const resultOf = (response: typeof viaGrpc): unknown => (toJson(ScanResponseSchema, response) as { result?: unknown }).result;
    expect(resultOf(viaGateway)).toEqual(resultOf(viaGrpc));
  });

  it("a refused query comes back INVALID_ARGUMENT with the coordinator's field violations", async () => {
    const error = await refusal(coordinatorClient(transport()).scan(scanRequest("SPY", 2), { headers: AUTH }));
    const directError = await refusal(direct().scan(scanRequest("SPY", 2), { headers: AUTH }));
    expect(error.code).toBe(Code.InvalidArgument);
    const violations = error
      .findDetails(BadRequestSchema)
      .flatMap((detail) => detail.fieldViolations.map(({ field, description }) => ({ field, description })));
    expect(violations.map((violation) => violation.field)).toContain("query.filters.min_pop");
    expect(violations).toEqual(
      directError.findDetails(BadRequestSchema).flatMap((detail) => detail.fieldViolations.map(({ field, description }) => ({ field, description }))),
    );
  });

  it("the coordinator's key check: no key is UNAUTHENTICATED", async () => {
    const error = await refusal(coordinatorClient(transport()).scan(scanRequest("SPY")));
    expect(error.code).toBe(Code.Unauthenticated);
  });

  it("the caller's x-request-id reaches the coordinator's log and comes back in the response headers", async () => {
    const requestId = `gateway-${_name.replace(/\W+/g, "-")}-${Date.now()}`;
    // A refused unary call has no separate headers in every protocol: the id comes with the error then.
    const echoed: { inHeaders: string | null } = { inHeaders: null };
    const error = await refusal(
      coordinatorClient(transport()).scan(scanRequest("SPY", 2), {
        headers: { ...AUTH, "x-request-id": requestId },
        onHeader: (headers) => (echoed.inHeaders = headers.get("x-request-id")),
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(echoed.inHeaders ?? error.metadata.get("x-request-id")).toBe(requestId);
    await pair.coordinator.waitForLog((line) => line.requestId === requestId, 10_000);
  });

  it("WatchSpreads streams: a first full top N, then updates in sequence", async () => {
    const abort = new AbortController();
    const sequences: bigint[] = [];
    const stream = coordinatorClient(transport()).watchSpreads(
      { symbol: "SPY", query: scanRequest("SPY").query, minIntervalMs: 0 },
      { headers: AUTH, signal: abort.signal },
    );
    for await (const message of stream) {
      sequences.push(message.update?.sequence ?? 0n);
      if (sequences.length === 1) expect(message.update?.initial).toBe(true);
      if (sequences.length === 3) break;
    }
    abort.abort();
    expect(sequences).toEqual([1n, 2n, 3n]);
  });
});

import { credentials, Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_ID_KEY } from "../../services/common/call-observer.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanRequest, UpdateChainRequest, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { callUnary, failureOf, startEchoServer, type EchoServer } from "../support/echo-server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function scanRequest(symbol: string): ScanRequest {
  return ScanRequest.fromPartial({ symbol });
}

function watchRequest(limit: number, minIntervalMs: number): WatchSpreadsRequest {
  return WatchSpreadsRequest.fromPartial({ symbol: "SPY", query: ScanQuery.fromPartial({ limit }), minIntervalMs });
}

function requestIdOf(outcome: { headers: Metadata; trailers: Metadata }): unknown {
  return outcome.headers.get(REQUEST_ID_KEY)[0] ?? outcome.trailers.get(REQUEST_ID_KEY)[0];
}

describe("a service built by the bootstrap", () => {
  let server: EchoServer;
  let scan: EchoServer["client"]["scan"];

  beforeAll(async () => {
    server = await startEchoServer();
    scan = server.client.scan.bind(server.client);
  });
  afterAll(() => server.close());

  it("answers a call with messages that carry imported types (Timestamp) intact", async () => {
    const asOf = new Date("2026-11-20T15:30:00.000Z");
    const { response, error } = await callUnary(scan, {
      symbol: "SPY",
      chain: {
        symbol: "SPY",
        underlyingPrice: 600.25,
        asOf,
        rate: 0.045,
        dividendYield: 0.013,
        multiplier: 100,
        delayed: true,
        frozen: false,
        quotes: [
          {
            expiryDate: "2026-12-18",
            strike: 580,
            right: OptionRight.OPTION_RIGHT_PUT,
            bid: 3.1,
            ask: 3.2,
            last: 3.15,
            volume: 2n ** 60n,
            openInterest: 12_000n,
            openInterestUnknown: false,
            brokerContractId: 0n,
          },
        ],
        source: "test",
      },
    });
    expect(error).toBeUndefined();
    expect(response?.result?.chainAsOf?.toISOString()).toBe("2026-11-20T15:30:00.000Z");
    expect(response?.result?.underlyingPrice).toBe(600.25);
    expect(response?.result?.delayed).toBe(true);
  });

  it("answers INVALID_ARGUMENT with one BadRequest field violation per bad field", async () => {
    const error = failureOf(await callUnary(scan, scanRequest("BAD")), status.INVALID_ARGUMENT);
    expect(readStatusDetails(error).fieldViolations).toEqual([
      { field: "symbol", description: "must be 1 to 10 letters" },
      { field: "query.limit", description: "must be from 1 to 1000" },
    ]);
  });

  it("answers RESOURCE_EXHAUSTED with RetryInfo", async () => {
    const error = failureOf(await callUnary(scan, scanRequest("BUSY")), status.RESOURCE_EXHAUSTED);
    expect(error.details).toBe("too many scans in flight");
    expect(readStatusDetails(error).retryDelayMs).toBe(1500);
  });

  it("answers an unexpected error INTERNAL, never UNKNOWN, without leaking its message, and logs it", async () => {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, "crash-1");
    const { error } = await callUnary(scan, scanRequest("CRASH"), { metadata });
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.details).toBe("internal error; request id crash-1");
    const logged = server.logs.find((line) => line.msg === "unexpected error in handler" && line.requestId === "crash-1");
    expect((logged?.err as { message?: string } | undefined)?.message).toBe("a bug the bootstrap must not leak");
  });

  it("echoes the caller's request id; one it made up comes back only with a failure", async () => {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, "trader-42");
    expect(requestIdOf(await callUnary(scan, scanRequest("SPY"), { metadata }))).toBe("trader-42");
    // A failed call has only trailers; the id is there too.
    expect(requestIdOf(await callUnary(scan, scanRequest("BAD"), { metadata }))).toBe("trader-42");
    // Without an id of the caller's, an answered call carries none back; a failure carries the one
    // the server made, which its log line has too.
    expect(requestIdOf(await callUnary(scan, scanRequest("SPY")))).toBeUndefined();
    const failed = await callUnary(scan, scanRequest("BAD"));
    expect(requestIdOf(failed)).toMatch(UUID);
    const insane = new Metadata();
    insane.set(REQUEST_ID_KEY, "x".repeat(500));
    expect(requestIdOf(await callUnary(scan, scanRequest("BAD"), { metadata: insane }))).toMatch(UUID);
    expect(requestIdOf(await callUnary(scan, scanRequest("SPY"), { metadata: insane }))).toBeUndefined();
  });

  it("sends the request id once: in the headers, or in the trailers of an answer that has no headers", async () => {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, "once-1");
    const answered = await callUnary(scan, scanRequest("SPY"), { metadata });
    expect(answered.headers.get(REQUEST_ID_KEY)).toEqual(["once-1"]);
    expect(answered.trailers.get(REQUEST_ID_KEY)).toEqual([]);
    // A failure before any response is trailers only: no headers, the id with the status.
    const refused = await callUnary(scan, scanRequest("BAD"), { metadata });
    expect(refused.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.headers.get(REQUEST_ID_KEY)).toEqual([]);
    expect(refused.trailers.get(REQUEST_ID_KEY)).toEqual(["once-1"]);
  });

  it("tells the handler the caller and request id the server decided, whatever the caller's headers claim", async () => {
    const metadata = new Metadata();
    metadata.set("x-spreadscan-client", "someone-else");
    metadata.set(REQUEST_ID_KEY, "x".repeat(500));
    const outcome = await callUnary(scan, scanRequest("WHOAMI"), { metadata });
    const [caller, requestId, scopes] = (outcome.response?.result?.symbol ?? "").split(" / ");
    expect(caller).toBe("address 127.0.0.1");
    expect(requestId).toMatch(UUID);
    // Keys are off here: every caller may do everything.
    expect(scopes).toBe("scan,admin");
  });

  it("tells the handler when the call must be answered by: the caller's deadline, or the server's time limit when it comes first", async () => {
    const sent = Date.now();
    const withDeadline = await callUnary(scan, scanRequest("WHOAMI"), { deadlineMs: 5_000 });
    const callerDeadline = Number((withDeadline.response?.result?.symbol ?? "").split(" / ")[3]);
    // grpc-js sends the deadline as a timeout the server counts from the call's arrival.
    expect(callerDeadline).toBeGreaterThan(sent);
    expect(callerDeadline).toBeLessThanOrEqual(Date.now() + 5_000);
    const withoutDeadline = await callUnary(scan, scanRequest("WHOAMI"));
    const serverDeadline = Number((withoutDeadline.response?.result?.symbol ?? "").split(" / ")[3]);
    // The echo server's REQUEST_TIMEOUT is 30 s: far later than the caller's 5 s above.
    expect(serverDeadline).toBeGreaterThan(callerDeadline + 20_000);
    expect(serverDeadline).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it("writes one log line per call with method, status, duration, peer and request id", async () => {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, "log-line-1");
    await callUnary(scan, scanRequest("SPY"), { metadata });
    const lines = server.logs.filter((line) => line.msg === "call" && line.requestId === "log-line-1");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: "/spreadscan.scanner.v1.ScannerService/Scan", status: "OK" });
    expect(lines[0]?.durationMs).toEqual(expect.any(Number));
    expect(lines[0]?.peer).toMatch(/^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|::ffff:127\.0\.0\.1):\d+$/);
  });

  it("stops a caller's call when its deadline passes", async () => {
    const { error } = await callUnary(scan, scanRequest("HANG"), { deadlineMs: 200 });
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
  });

  it("answers not-implemented methods UNIMPLEMENTED", async () => {
    const { error } = await callUnary(server.client.getMetrics.bind(server.client), {});
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  });

  it("answers a handler that throws before returning its promise with the thrown status", async () => {
    const outcome = await callUnary(server.client.updateChain.bind(server.client), UpdateChainRequest.fromPartial({}));
    expect(failureOf(outcome, status.UNIMPLEMENTED).details).toBe("the echo scanner stores no chains");
  });

  it("streams server messages in order and ends the stream", async () => {
    const call = server.client.watchSpreads(watchRequest(5, 0));
    const messages: WatchSpreadsResponse[] = [];
    for await (const message of call as AsyncIterable<WatchSpreadsResponse>) messages.push(message);
    expect(messages.map((message) => message.update?.sequence)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(messages[0]?.update?.initial).toBe(true);
  });

  it("releases a stream the caller cancels, and logs it CANCELLED", async () => {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, "cancel-me");
    const call = server.client.watchSpreads(watchRequest(1000, 50), metadata);
    const first = await new Promise<WatchSpreadsResponse>((resolve) => call.once("data", resolve));
    expect(first.update?.sequence).toBe(1n);
    const ended = new Promise((resolve) => call.on("error", resolve));
    call.cancel();
    expect(((await ended) as { code: number }).code).toBe(status.CANCELLED);
    await expect.poll(() => server.logs.find((line) => line.msg === "call" && line.requestId === "cancel-me")?.status).toBe("CANCELLED");
  });

  it("serves grpc.health.v1 for the server and for each of its services", async () => {
    const health = new HealthClient(server.address, credentials.createInsecure());
    const check = (service: string) => callUnary(health.check.bind(health), { service });
    expect((await check("")).response?.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await check("spreadscan.scanner.v1.ScannerService")).response?.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await check("spreadscan.nothing.v1.NoService")).error?.code).toBe(status.NOT_FOUND);
    health.close();
  });

  it("serves /healthz, /readyz and Prometheus /metrics on the admin port", async () => {
    const admin = `http://127.0.0.1:${server.adminPort}`;
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
    expect((await fetch(`${admin}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${admin}/metrics`, { method: "POST" })).status).toBe(405);
    const metrics = await fetch(`${admin}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(
      /grpc_server_handled_total\{grpc_service="spreadscan\.scanner\.v1\.ScannerService",grpc_method="Scan",grpc_code="INVALID_ARGUMENT"\} [1-9]/,
    );
    expect(text).toContain("grpc_server_handling_seconds_bucket");
  });
});

describe("the bootstrap's limits", () => {
  it("refuses a request over MAX_REQUEST_SIZE with RESOURCE_EXHAUSTED and keeps serving", async () => {
    const server = await startEchoServer({ maxReceiveMessageBytes: 64 * 1024 });
    try {
      const scan = server.client.scan.bind(server.client);
      const quotes = Array.from({ length: 3000 }, (_, index) => ({
        expiryDate: "2026-12-18",
        strike: 100 + index,
        right: OptionRight.OPTION_RIGHT_CALL,
        bid: 1,
        ask: 1.1,
        last: 1,
        volume: 1n,
        openInterest: 1n,
        openInterestUnknown: false,
        brokerContractId: 0n,
      }));
      const big = await callUnary(scan, {
        symbol: "SPY",
        chain: { symbol: "SPY", underlyingPrice: 600, rate: 0, dividendYield: 0, multiplier: 100, delayed: false, frozen: false, quotes, source: "test" },
      });
      expect(big.error?.code).toBe(status.RESOURCE_EXHAUSTED);
      expect((await callUnary(scan, scanRequest("SPY"))).error).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it("ends a call that runs past REQUEST_TIMEOUT with DEADLINE_EXCEEDED when the caller set no deadline", async () => {
    const server = await startEchoServer({ requestTimeoutMs: 150 });
    try {
      const { error } = await callUnary(server.client.scan.bind(server.client), scanRequest("HANG"));
      expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
      expect(error?.details).toBe("the call ran past its time limit of 150 ms");
    } finally {
      await server.close();
    }
  });

  it("gives a handler that looks at its signal only after the time limit a signal already aborted with the reason", async () => {
    const server = await startEchoServer({ requestTimeoutMs: 100 });
    try {
      const metadata = new Metadata();
      metadata.set(REQUEST_ID_KEY, "late-1");
      const { error } = await callUnary(server.client.scan.bind(server.client), scanRequest("LATE:300"), { metadata });
      expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
      await expect
        .poll(() => server.logs.find((line) => line.msg === "late look at the signal"))
        .toMatchObject({
          requestId: "late-1",
          method: "Scan",
          aborted: true,
          reason: "the call ran past its time limit of 100 ms",
        });
    } finally {
      await server.close();
    }
  });

  it("answers /readyz 503 while the service says it is not ready", async () => {
    let ready = false;
    const server = await startEchoServer({ isReady: () => ready });
    try {
      expect((await fetch(`http://127.0.0.1:${server.adminPort}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`http://127.0.0.1:${server.adminPort}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

// The coordinator's call to a scanner as a trace shows it: one scanner.call span with the
// breaker's state, and under it one CLIENT span per attempt, numbered, the failed ones failed
// with their gRPC status. The scanner client runs in this process with tracing on (exporting to
// the test's OTLP receiver) against a grpc-js scanner that fails its first calls on purpose.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanRequest, ScanResponse } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { unavailable } from "../../services/common/errors.js";
import { startTracing, type Tracing } from "../../services/common/tracing/start-tracing.js";
import { inSpan } from "../../services/common/tracing/tracer.js";
import { createScannerCircuitBreaker } from "../../services/coordinator/scanner-client/scanner-breaker.js";
import { ScannerClient } from "../../services/coordinator/scanner-client/scanner-client.js";
import { startFlakyScanner, type FlakyScanner } from "../fixtures/flaky-scanner.js";
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";

let receiver: OtlpReceiver;
let tracing: Tracing | undefined;
let server: FlakyScanner;
let client: ScannerClient;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // Before the client is made: its channels take the tracing interceptor only when tracing is on.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
  process.env.OTEL_BSP_SCHEDULE_DELAY = "100";
  tracing = await startTracing("coordinator");
  server = await startFlakyScanner({
    scan: (index) => (index < 2 ? { error: unavailable("warming up") } : { response: ScanResponse.fromPartial({ result: { symbol: "SPY" } }) }),
  });
  client = new ScannerClient({
    address: server.address,
    attemptTimeoutMs: 5_000,
    maxRetries: 3,
    breaker: createScannerCircuitBreaker({ threshold: 100, halfOpenAfterMs: 60_000 }),
    retryBaseDelayMs: 5,
  });
});

afterAll(async () => {
  client.close();
  server.stop();
  await tracing?.shutdown();
  await receiver.close();
});

describe("a scanner call's trace", () => {
  it("holds one CLIENT span per attempt under scanner.call, numbered, the failed ones failed with their status", async () => {
    expect(tracing).toBeDefined();
    await inSpan("test", () => client.scan(ScanRequest.fromPartial({ symbol: "SPY" })));
    let call: ReceivedSpan | undefined;
    let attempts: ReceivedSpan[] = [];
    await receiver.waitFor((spans) => {
      call = spans.find((span) => span.name === "scanner.call");
      attempts = spans.filter((span) => call !== undefined && span.parentSpanId === call.spanId);
      return attempts.length === 3;
    });
    expect(call!.attributes).toMatchObject({ "rpc.method": "Scan", "scanner.breaker.state": "closed" });
    const byNumber = [...attempts].sort((a, b) => Number(a.attributes["scanner.attempt"]) - Number(b.attributes["scanner.attempt"]));
    expect(
      byNumber.map((span) => [span.name, span.kind, span.attributes["scanner.attempt"], span.attributes["rpc.grpc.status_code"], span.statusCode]),
    ).toEqual([
      ["spreadscan.scanner.v1.ScannerService/Scan", SPAN_KIND.client, 1, status.UNAVAILABLE, 2],
      ["spreadscan.scanner.v1.ScannerService/Scan", SPAN_KIND.client, 2, status.UNAVAILABLE, 2],
      ["spreadscan.scanner.v1.ScannerService/Scan", SPAN_KIND.client, 3, status.OK, 0],
    ]);
    expect(byNumber.every((span) => span.attributes["server.port"] === server.port)).toBe(true);
  });
});

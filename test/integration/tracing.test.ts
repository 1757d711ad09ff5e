// Traces as an operator sees them: a real scanner and coordinator (their entry points, in
// processes of their own) and the `spreadscan` CLI, all exporting over OTLP/HTTP to a receiver
// this test runs (test/support/otlp-receiver.ts). One CLI scan must be one trace, from the CLI's
// root span through the coordinator (cache, pacing, market, scanner call and its attempt) to the
// scanner and its scan thread, each span the child of the one that caused it; a repeat is a
// cache hit; log lines carry the ids of their span; a CLI with no endpoint exports nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracing, tracingRequested } from "../../services/common/tracing/start-tracing.js";
import { tracingIsOn } from "../../services/common/tracing/tracer.js";
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { spreadscan } from "../support/spreadscan-cli.js";

let receiver: OtlpReceiver;
let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let address: string;
let scannerPort: number;
let tracingEnv: Record<string, string>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // Exported within 100 ms of ending, so the test waits for spans, not for a batch timer.
  tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "100" };
  scanner = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), ...tracingEnv });
  scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    ...tracingEnv,
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    MARKET_DATA: "simulated",
  });
  address = `127.0.0.1:${(await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
});

afterAll(async () => {
  coordinator.kill();
  scanner.kill();
  await receiver.close();
});

const SCAN = ["scan", "SPY", "--strategy", "bull-put", "--max-dte", "30", "--limit", "3", "--json"];

/** Runs the CLI's scan with tracing on; resolves with its trace id (its root span's) and the result it printed. */
async function tracedScan(): Promise<{ traceId: string; result: { spreads?: unknown[]; candidatesConsidered: string } }> {
  const before = new Set(receiver.spans.filter((span) => span.name === "spreadscan scan").map((span) => span.traceId));
  const run = await spreadscan([...SCAN, "--addr", address], tracingEnv);
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  let traceId = "";
  await receiver.waitFor((spans) => {
    const root = spans.find((span) => span.name === "spreadscan scan" && !before.has(span.traceId));
    traceId = root?.traceId ?? "";
    return root !== undefined;
  });
  return { traceId, result: (JSON.parse(run.stdout) as { result: { spreads?: unknown[]; candidatesConsidered: string } }).result };
}

function inTrace(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((span) => span.traceId === traceId);
}

/** The one span of the trace with this service, name and kind. */
function one(spans: readonly ReceivedSpan[], service: string, name: string, kind: number): ReceivedSpan {
  const found = spans.filter((span) => span.service === service && span.name === name && span.kind === kind);
  expect(found.map((span) => `${span.service} ${span.name}`)).toEqual([`${service} ${name}`]);
  return found[0]!;
}

describe("tracing", () => {
  it("makes a CLI scan one trace across the CLI, the coordinator, the scanner and its scan thread, each span under its cause", async () => {
    const { traceId, result } = await tracedScan();
    const names = (spans: readonly ReceivedSpan[]): string[] => spans.map((span) => `${span.service}:${span.name}`).sort();
    const expected = [
      "spreadscan-scanner:engine.evaluate",
      "spreadscan-scanner:engine.prepare",
      "spreadscan-coordinator:cache.lookup",
      "spreadscan-coordinator:market.fetch",
      "spreadscan-coordinator:pacing.wait",
      "spreadscan-coordinator:scanner.call",
      // Each process exports its spans in batches as they end: a SERVER span ends after its
      // children and may come in a later batch than theirs, so it is waited for by name too.
      "spreadscan-coordinator:spreadscan.coordinator.v1.CoordinatorService/Scan",
      "spreadscan-coordinator:spreadscan.scanner.v1.ScannerService/Scan",
      "spreadscan-scanner:spreadscan.scanner.v1.ScannerService/Scan",
    ];
    await receiver.waitFor(() => expected.every((name) => names(inTrace(traceId)).includes(name)));
    const spans = inTrace(traceId);

    const root = one(spans, "spreadscan-cli", "spreadscan scan", SPAN_KIND.client);
    expect(root.parentSpanId).toBe("");
    const cliCall = one(spans, "spreadscan-cli", "spreadscan.coordinator.v1.CoordinatorService/Scan", SPAN_KIND.client);
    expect(cliCall.parentSpanId).toBe(root.spanId);
    expect(cliCall.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "spreadscan.coordinator.v1.CoordinatorService",
      "rpc.method": "Scan",
      "rpc.grpc.status_code": 0,
    });

    const coordinatorServer = one(spans, "spreadscan-coordinator", "spreadscan.coordinator.v1.CoordinatorService/Scan", SPAN_KIND.server);
    expect(coordinatorServer.parentSpanId).toBe(cliCall.spanId);
    const lookup = one(spans, "spreadscan-coordinator", "cache.lookup", SPAN_KIND.internal);
    expect(lookup.parentSpanId).toBe(coordinatorServer.spanId);
    expect(lookup.attributes).toMatchObject({ "cache.tier": "local", "cache.outcome": "miss" });
    const pacing = one(spans, "spreadscan-coordinator", "pacing.wait", SPAN_KIND.internal);
    expect(pacing.parentSpanId).toBe(coordinatorServer.spanId);
    expect(typeof pacing.attributes["pacing.queue_position"]).toBe("number");
    const fetch = one(spans, "spreadscan-coordinator", "market.fetch", SPAN_KIND.internal);
    expect(fetch.parentSpanId).toBe(coordinatorServer.spanId);
    expect(fetch.attributes).toMatchObject({ "market.source": "simulated", "market.symbol": "SPY" });

    const call = one(spans, "spreadscan-coordinator", "scanner.call", SPAN_KIND.internal);
    expect(call.parentSpanId).toBe(coordinatorServer.spanId);
    expect(call.attributes["scanner.breaker.state"]).toBe("closed");
    const attempt = one(spans, "spreadscan-coordinator", "spreadscan.scanner.v1.ScannerService/Scan", SPAN_KIND.client);
    expect(attempt.parentSpanId).toBe(call.spanId);
    expect(attempt.attributes).toMatchObject({ "scanner.attempt": 1, "server.address": "127.0.0.1", "server.port": scannerPort, "rpc.grpc.status_code": 0 });

    const scannerServer = one(spans, "spreadscan-scanner", "spreadscan.scanner.v1.ScannerService/Scan", SPAN_KIND.server);
    expect(scannerServer.parentSpanId).toBe(attempt.spanId);
    const prepare = one(spans, "spreadscan-scanner", "engine.prepare", SPAN_KIND.internal);
    const evaluate = one(spans, "spreadscan-scanner", "engine.evaluate", SPAN_KIND.internal);
    // Made on a scan thread, from the context that travelled with the task.
    expect(prepare.parentSpanId).toBe(scannerServer.spanId);
    expect(evaluate.parentSpanId).toBe(scannerServer.spanId);
    expect(prepare.attributes["engine.contracts"]).toBeGreaterThan(0);
    // The counts are the ones the engine reported to the caller, and its six outcomes add up to what it considered.
    expect(evaluate.attributes["engine.candidates.considered"]).toBe(Number(result.candidatesConsidered));
    expect(evaluate.attributes["engine.spreads"]).toBe(result.spreads?.length ?? 0);
    const outcomes = ["rejected_by_leg_filters", "rejected_by_spread_filters", "ranked_out", "fully_evaluated", "bounded_out", "unexplored"];
    const summed = outcomes.reduce((sum, outcome) => sum + Number(evaluate.attributes[`engine.candidates.${outcome}`]), 0);
    expect(summed).toBe(evaluate.attributes["engine.candidates.considered"]);

    // Every span of the trace is the root or the child of another span of the trace.
    const ids = new Set(spans.map((span) => span.spanId));
    expect(spans.filter((span) => span !== root && !ids.has(span.parentSpanId))).toEqual([]);

    // The log lines of the call carry its trace and span ids next to the request id.
    const callLine = await coordinator.waitForLog((line) => line.msg === "call" && line.trace_id === traceId);
    expect(callLine.span_id).toBe(coordinatorServer.spanId);
    expect(typeof callLine.requestId).toBe("string");
    const scannerLine = await scanner.waitForLog((line) => line.msg === "call" && line.trace_id === traceId);
    expect(scannerLine.span_id).toBe(scannerServer.spanId);
  });

  it("answers the same scan again from the local cache: a hit under the coordinator's SERVER span, no fetch, no scanner call", async () => {
    await tracedScan();
    const { traceId } = await tracedScan();
    await receiver.waitFor(() => inTrace(traceId).some((span) => span.service === "spreadscan-coordinator" && span.kind === SPAN_KIND.server));
    const spans = inTrace(traceId);
    const server = one(spans, "spreadscan-coordinator", "spreadscan.coordinator.v1.CoordinatorService/Scan", SPAN_KIND.server);
    const lookup = one(spans, "spreadscan-coordinator", "cache.lookup", SPAN_KIND.internal);
    expect(lookup.parentSpanId).toBe(server.spanId);
    expect(lookup.attributes).toMatchObject({ "cache.tier": "local", "cache.outcome": "hit" });
    expect(spans.filter((span) => ["market.fetch", "scanner.call"].includes(span.name))).toEqual([]);
  });

  it("refreshes a result ahead of its expiry in a trace of its own, linked to the call whose hit set it off", async () => {
    // A coordinator whose results live 3 s and are refreshed when hit in their last 90 %.
    const refreshing = spawnService("services/coordinator/main.ts", {
      ...freePorts("COORDINATOR"),
      ...tracingEnv,
      SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
      MARKET_DATA: "simulated",
      SCAN_CACHE_TTL: "3",
      SCAN_REFRESH_AHEAD: "0.9",
    });
    try {
      const refreshingAddress = `127.0.0.1:${(await refreshing.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
      const query = ["scan", "IWM", "--strategy", "bull-put", "--max-dte", "30", "--limit", "3", "--addr", refreshingAddress];
      expect((await spreadscan(query, tracingEnv)).exitCode).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const rootsBefore = new Set(receiver.spans.filter((span) => span.name === "spreadscan scan").map((span) => span.traceId));
      expect((await spreadscan(query, tracingEnv)).exitCode).toBe(0);
      let hitTrace = "";
      await receiver.waitFor((spans) => {
        hitTrace = spans.find((span) => span.name === "spreadscan scan" && !rootsBefore.has(span.traceId))?.traceId ?? "";
        return hitTrace !== "" && spans.some((span) => span.name === "cache.refresh" && span.links.some((link) => link.traceId === hitTrace));
      });
      const hitServer = one(inTrace(hitTrace), "spreadscan-coordinator", "spreadscan.coordinator.v1.CoordinatorService/Scan", SPAN_KIND.server);
      const refresh = receiver.spans.find((span) => span.name === "cache.refresh" && span.links.some((link) => link.traceId === hitTrace))!;
      expect(refresh.links).toEqual([{ traceId: hitTrace, spanId: hitServer.spanId }]);
      expect(refresh.parentSpanId).toBe("");
      expect(refresh.traceId).not.toBe(hitTrace);
      expect(refresh.attributes["market.symbol"]).toBe("IWM");
      // The refresh's work (its scanner call, its scan on the scanner) is in its trace, not the hit's.
      await receiver.waitFor(() => inTrace(refresh.traceId).some((span) => span.name === "scanner.call"));
      expect(one(inTrace(refresh.traceId), "spreadscan-coordinator", "scanner.call", SPAN_KIND.internal).parentSpanId).toBe(refresh.spanId);
      expect(inTrace(hitTrace).filter((span) => span.name === "scanner.call")).toEqual([]);
    } finally {
      refreshing.kill();
    }
  });

  it("exports nothing from a CLI run without an endpoint: the coordinator's span of its call has no parent", async () => {
    const cliSpans = (): number => receiver.spans.filter((span) => span.service === "spreadscan-cli").length;
    const rootsBefore = receiver.spans.filter((span) => span.kind === SPAN_KIND.server && span.parentSpanId === "").length;
    const exported = cliSpans();
    const run = await spreadscan(["scan", "QQQ", "--strategy", "bull-put", "--max-dte", "30", "--limit", "3", "--addr", address]);
    expect(run.exitCode).toBe(0);
    // The coordinator still traces: its SERVER span of this call starts a trace of its own.
    await receiver.waitFor((spans) => spans.filter((span) => span.kind === SPAN_KIND.server && span.parentSpanId === "").length > rootsBefore);
    expect(cliSpans()).toBe(exported);
  });

  it("stays off in a process whose environment names no OTLP endpoint", async () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:4318/v1/traces" })).toBe(true);
    // This test process has none: nothing is registered and no span call site runs.
    expect(await startTracing("cli")).toBeUndefined();
    expect(tracingIsOn()).toBe(false);
  });
});

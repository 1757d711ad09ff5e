// The browser gateway's part of a trace: a Connect request carrying W3C `traceparent` is
// continued (the gateway's CLIENT span is a child of the browser's span, in its trace), one
// without starts a trace, and either way the coordinator's SERVER span is a child of the
// gateway's span. Real gateway and coordinator processes, exporting to the test's OTLP receiver.
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";

const METHOD = "spreadscan.coordinator.v1.CoordinatorService/GetMetrics";

let receiver: OtlpReceiver;
let coordinator: ServiceProcess;
let gateway: ServiceProcess;
let gatewayUrl: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "100" };
  // GetMetrics never reaches a scanner: none runs at this address.
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    ...tracingEnv,
    SCANNER_ADDR: "127.0.0.1:9",
    MARKET_DATA: "simulated",
  });
  const coordinatorPort = (await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  gateway = spawnService("services/gateway/main.ts", {
    ...tracingEnv,
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    COORDINATOR_ADDR: `127.0.0.1:${coordinatorPort}`,
    GATEWAY_PAGE_DIR: tmpdir(),
  });
  gatewayUrl = `http://127.0.0.1:${(await gateway.waitForLog((line) => line.msg === "listening")).port as number}`;
});

afterAll(async () => {
  gateway.kill();
  coordinator.kill();
  await receiver.close();
});

/** GetMetrics over Connect's JSON protocol, as a browser sends it, with `headers`. */
async function getMetrics(headers: Record<string, string>): Promise<void> {
  const response = await fetch(`${gatewayUrl}/${METHOD}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
  expect(response.status).toBe(200);
}

/** The gateway's CLIENT span and the coordinator's SERVER span of the one call whose gateway span `pick` selects. */
async function spansOfCall(pick: (span: ReceivedSpan) => boolean): Promise<{ client: ReceivedSpan; server: ReceivedSpan }> {
  let found: { client: ReceivedSpan; server: ReceivedSpan } | undefined;
  await receiver.waitFor((spans) => {
    const client = spans.find((span) => span.service === "spreadscan-gateway" && span.name === METHOD && span.kind === SPAN_KIND.client && pick(span));
    const server =
      client && spans.find((span) => span.service === "spreadscan-coordinator" && span.kind === SPAN_KIND.server && span.parentSpanId === client.spanId);
    found = client && server ? { client, server } : undefined;
    return found !== undefined;
  });
  return found!;
}

describe("tracing through the gateway", () => {
  it("continues a browser's traceparent: the gateway's span is its child, the coordinator's the gateway's", async () => {
    const traceId = randomBytes(16).toString("hex");
    const browserSpanId = randomBytes(8).toString("hex");
    await getMetrics({ traceparent: `00-${traceId}-${browserSpanId}-01` });
    const { client, server } = await spansOfCall((span) => span.traceId === traceId);
    expect(client.parentSpanId).toBe(browserSpanId);
    expect(client.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.method": "GetMetrics", "rpc.grpc.status_code": 0 });
    expect(server.traceId).toBe(traceId);
  });

  it("starts a trace for a request without one", async () => {
    const before = new Set(receiver.spans.map((span) => span.spanId));
    await getMetrics({});
    const { client, server } = await spansOfCall((span) => !before.has(span.spanId) && span.parentSpanId === "");
    expect(server.traceId).toBe(client.traceId);
  });
});

// A chain version's trace across scanner replicas on the chain bus (a real nats-server): the
// UpdateChain call on one replica publishes it in a chain.publish PRODUCER span, a child of the
// call's SERVER span; the other replica applies it in a chain.apply CONSUMER span, a child of
// that publication through the traceparent in the NATS headers. The replicas run in this
// process with tracing on, exporting to the test's OTLP receiver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { startTracing, type Tracing } from "../../services/common/tracing/start-tracing.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { closeBusReplicas, startBusReplica, updateChain, type BusReplica } from "../support/bus-replicas.js";
import { startNats, stopAllInfraServers, type InfraServer } from "../support/infra-servers.js";
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";

let receiver: OtlpReceiver;
let tracing: Tracing | undefined;
let nats: InfraServer;
let replicas: BusReplica[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // Before anything is assembled: the servers and the pool decide once whether they trace.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
  process.env.OTEL_BSP_SCHEDULE_DELAY = "100";
  tracing = await startTracing("scanner");
  nats = await startNats();
  replicas = [await startBusReplica(nats.url), await startBusReplica(nats.url)];
});

afterAll(async () => {
  await closeBusReplicas(replicas);
  await stopAllInfraServers();
  await tracing?.shutdown();
  await receiver.close();
});

describe("a chain version's trace across replicas", () => {
  it("is published under the UpdateChain call and applied on the other replica under the publication", async () => {
    expect(tracing).toBeDefined();
    const [publisher, other] = replicas as [BusReplica, BusReplica];
    const chain = generateSyntheticChain({ symbol: "IWM", seed: 11, asOf: new Date("2026-11-20T15:00:00Z") });
    await updateChain(publisher, chain, UpdateMode.UPDATE_MODE_REPLACE);

    let publish: ReceivedSpan | undefined;
    let apply: ReceivedSpan | undefined;
    await receiver.waitFor((spans) => {
      publish = spans.find((span) => span.name === "chain.publish" && span.attributes["chain.symbol"] === "IWM");
      apply = publish && spans.find((span) => span.name === "chain.apply" && span.parentSpanId === publish!.spanId);
      return apply !== undefined;
    });
    expect(publish!.kind).toBe(SPAN_KIND.producer);
    expect(publish!.attributes).toMatchObject({ "messaging.system": "nats", "chain.publish.outcome": "published" });
    const call = receiver.spans.find((span) => span.spanId === publish!.parentSpanId);
    expect(call?.name).toBe("spreadscan.scanner.v1.ScannerService/UpdateChain");
    expect(call?.kind).toBe(SPAN_KIND.server);
    expect(apply!.kind).toBe(SPAN_KIND.consumer);
    expect(apply!.traceId).toBe(publish!.traceId);
    expect(apply!.attributes).toMatchObject({ "chain.symbol": "IWM", "chain.version": publish!.attributes["chain.version"], "chain.apply.outcome": "applied" });
    expect(other.versions.get("IWM")?.map(String)).toContain(String(publish!.attributes["chain.version"]));
  });
});

// Browsers through the gateway are limited one by one, not as one client "the gateway": with the
// secret the coordinator shares (GATEWAY_SECRET), the gateway names the address it saw each
// caller at and the coordinator's per-client limits count that address. Without the secret,
// or with a forged one, the name is ignored. Callers come from 127.0.0.2 and 127.0.0.3 through
// TCP forwarders (test/support/source-address.ts); the coordinator, scanner and gateways are
// real processes.
import { Metadata, credentials } from "@grpc/grpc-js";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorService } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { CoordinatorServiceClient, GetMetricsRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { callUnary } from "../support/echo-server.js";
import { startPair, type Pair } from "../support/coordinator-pair.js";
import { spawnService, type ServiceProcess } from "../support/service-process.js";
import { forwardFrom, type SourceAddressForwarder } from "../support/source-address.js";

const SECRET = "gateway-identity-secret-0123456789";
const CALLS_EACH = 2;

let pair: Pair;
let coordinatorPort: number;
const gateways: ServiceProcess[] = [];
const forwarders: SourceAddressForwarder[] = [];

async function startGateway(env: Record<string, string>): Promise<number> {
  const gateway = spawnService("services/gateway/main.ts", {
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    COORDINATOR_ADDR: `127.0.0.1:${coordinatorPort}`,
    ...env,
  });
  gateways.push(gateway);
  return (await gateway.waitForLog((line) => line.msg === "listening")).port as number;
}

/** A Connect client of the gateway on `port`, whose connections come from `source`. */
async function browserAt(source: string, port: number) {
  const forwarder = await forwardFrom(source, { host: "127.0.0.1", port });
  forwarders.push(forwarder);
  return createClient(CoordinatorService, createConnectTransport({ baseUrl: `http://${forwarder.address}`, httpVersion: "1.1" }));
}

/** The outcome of each of `count` calls: "ok", or the refusal's code and message. */
async function outcomes(client: Awaited<ReturnType<typeof browserAt>>, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let call = 0; call < count; call++) {
    seen.push(
      await client.getMetrics({}).then(
        () => "ok",
        (error: unknown) => (error instanceof ConnectError ? `${Code[error.code]}: ${error.rawMessage}` : String(error)),
      ),
    );
  }
  return seen;
}

beforeAll(async () => {
  // A budget of two calls per client that does not refill within the test.
  pair = await startPair({ RATE_LIMIT_PER_CLIENT: "0.001", RATE_LIMIT_BURST: String(CALLS_EACH), GATEWAY_SECRET: SECRET });
  coordinatorPort = (await pair.coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number;
}, 60_000);
afterAll(async () => {
  await Promise.all(forwarders.map((forwarder) => forwarder.close()));
  for (const gateway of gateways) gateway.kill();
  pair.close();
});

describe("who a browser is, through the gateway", () => {
  it("with the shared secret, each browser address has its own budget", async () => {
    const port = await startGateway({ GATEWAY_SECRET: SECRET });
    const first = await browserAt("127.0.0.2", port);
    const second = await browserAt("127.0.0.3", port);
    const firstSeen = await outcomes(first, CALLS_EACH + 1);
    expect(firstSeen.slice(0, CALLS_EACH)).toEqual(["ok", "ok"]);
    expect(firstSeen[CALLS_EACH]).toMatch(/^ResourceExhausted: address 127\.0\.0\.2 past its limit/);
    // The other browser's budget is untouched by the first one's calls.
    expect(await outcomes(second, CALLS_EACH)).toEqual(["ok", "ok"]);
  });

  it("without the secret, or with a forged one, every browser is the gateway's address and shares one budget", async () => {
    const port = await startGateway({});
    const first = await browserAt("127.0.0.4", port);
    const second = await browserAt("127.0.0.5", port);
    expect(await outcomes(first, CALLS_EACH)).toEqual(["ok", "ok"]);
    const [refused] = await outcomes(second, 1);
    expect(refused).toMatch(/^ResourceExhausted: address 127\.0\.0\.1 past its limit/);

    // A caller naming an address with a wrong secret, straight to the coordinator, is still its own address (127.0.0.6).
    const forwarder = await forwardFrom("127.0.0.6", { host: "127.0.0.1", port: coordinatorPort });
    forwarders.push(forwarder);
    const direct = new CoordinatorServiceClient(forwarder.address, credentials.createInsecure());
    const forged = new Metadata();
    forged.set("x-spreadscan-forwarded-for", "10.9.9.9");
    forged.set("x-spreadscan-gateway-secret", "not-the-secret-0123456789-0123456");
    const calls = [];
    for (let call = 0; call <= CALLS_EACH; call++)
      calls.push(await callUnary(direct.getMetrics.bind(direct), GetMetricsRequest.fromPartial({}), { metadata: forged }));
    direct.close();
    expect(calls.slice(0, CALLS_EACH).map((call) => call.error?.code)).toEqual([undefined, undefined]);
    expect(calls[CALLS_EACH]?.error?.details).toMatch(/^address 127\.0\.0\.6 past its limit/);
  });
});

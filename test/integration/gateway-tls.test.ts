// The gateway under TLS (TLS_CERT_FILE, TLS_KEY_FILE): one port serving HTTP/2, which a browser
// multiplexes every stream over, and HTTP/1.1 to a client that asks only for it (ALPN), with the
// Connect protocol over both and gRPC over HTTP/2, every call forwarded to a real coordinator.
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorService } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { Strategy } from "../../gen/es/spreadscan/scanner/v1/query_pb.js";
import { startPair, type Pair } from "../support/coordinator-pair.js";
import { spawnService, type ServiceProcess } from "../support/service-process.js";
import { makeThrowawayCertificates, type CertificateFiles } from "../support/throwaway-certificates.js";

let pair: Pair | undefined;
let gateway: ServiceProcess | undefined;
let certificates: CertificateFiles;
let port: number;

beforeAll(async () => {
  certificates = makeThrowawayCertificates();
  const started = await startPair();
  pair = started;
  const coordinatorPort = (await started.coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  gateway = spawnService("services/gateway/main.ts", {
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    COORDINATOR_ADDR: `127.0.0.1:${coordinatorPort}`,
    TLS_CERT_FILE: certificates.serverCert,
    TLS_KEY_FILE: certificates.serverKey,
  });
  const listening = await gateway.waitForLog((line) => line.msg === "listening");
  expect(listening.tls).toBe(true);
  port = listening.port as number;
}, 60_000);
afterAll(() => {
  gateway?.kill();
  pair?.close();
});

/** The protocol TLS settled on for a client offering `protocols` (ALPN). */
function negotiated(protocols: string[]): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca: certificates.read(certificates.caCert), ALPNProtocols: protocols }, () => {
      resolve(socket.alpnProtocol ?? false);
      socket.end();
    });
    socket.once("error", reject);
  });
}

const ca = (): Buffer => certificates.read(certificates.caCert);
const TRANSPORTS: readonly (readonly [string, () => Transport])[] = [
  ["Connect over HTTP/2", () => createConnectTransport({ baseUrl: `https://127.0.0.1:${port}`, httpVersion: "2", nodeOptions: { ca: ca() } })],
  ["Connect over HTTP/1.1", () => createConnectTransport({ baseUrl: `https://127.0.0.1:${port}`, httpVersion: "1.1", nodeOptions: { ca: ca() } })],
  ["gRPC-Web over HTTP/2", () => createGrpcWebTransport({ baseUrl: `https://127.0.0.1:${port}`, httpVersion: "2", nodeOptions: { ca: ca() } })],
  ["gRPC over HTTP/2", () => createGrpcTransport({ baseUrl: `https://127.0.0.1:${port}`, nodeOptions: { ca: ca() } })],
];

describe("the gateway under TLS", () => {
  it("offers HTTP/2 first and HTTP/1.1 to a client asking only for it", async () => {
    expect(await negotiated(["h2", "http/1.1"])).toBe("h2");
    expect(await negotiated(["http/1.1"])).toBe("http/1.1");
  });

  it.each(TRANSPORTS)("%s: a scan answers, a refused one carries its code", async (_name, transport) => {
    const client = createClient(CoordinatorService, transport());
    const response = await client.scan({ symbol: "SPY", query: { strategies: [Strategy.BULL_PUT], filters: { maxDte: 30, maxWidth: 5 }, limit: 3 } });
    expect(response.result?.spreads.length).toBeGreaterThan(0);
    const refused = await client.scan({ symbol: "SPY", query: { filters: { minPop: 2 } } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.InvalidArgument);
  });
});

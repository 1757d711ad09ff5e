// TLS and mutual TLS on both services and on the coordinator's link to the scanner, with
// throwaway certificates: a plaintext client is refused, a client without a certificate is
// refused under mutual TLS, one with a certificate from another CA too, and a good one is served.
import { credentials, type ChannelCredentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { makeThrowawayCertificates, type CertificateFiles } from "../support/throwaway-certificates.js";

let certificates: CertificateFiles;
let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let scannerPort: number;
let coordinatorPort: number;

beforeAll(async () => {
  certificates = makeThrowawayCertificates();
  const serverTls = { TLS_CERT_FILE: certificates.serverCert, TLS_KEY_FILE: certificates.serverKey };
  // The scanner asks for client certificates: mutual TLS.
  scanner = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), ...serverTls, TLS_CLIENT_CA_FILE: certificates.caCert });
  scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  // The coordinator serves TLS (no client certificates) and reaches the scanner over mutual TLS.
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    ...serverTls,
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    SCANNER_TLS_CA_FILE: certificates.caCert,
    SCANNER_TLS_CERT_FILE: certificates.clientCert,
    SCANNER_TLS_KEY_FILE: certificates.clientKey,
  });
  coordinatorPort = (await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number;
});

afterAll(() => {
  coordinator.kill();
  scanner.kill();
});

/** The health of the service at `port` as `channel` sees it: SERVING, or the error's code. */
async function healthThrough(port: number, channel: ChannelCredentials): Promise<string | number> {
  const health = new HealthClient(`127.0.0.1:${port}`, channel);
  try {
    const outcome = await callUnary(health.check.bind(health), { service: "" }, { deadlineMs: 5_000 });
    return outcome.error ? outcome.error.code : (HealthCheckResponse_ServingStatus[outcome.response?.status ?? 0] ?? "UNKNOWN");
  } finally {
    health.close();
  }
}

describe("TLS", () => {
  it("refuses plaintext clients and serves clients that trust the CA", async () => {
    const ca = certificates.read(certificates.caCert);
    expect(await healthThrough(coordinatorPort, credentials.createInsecure())).not.toBe("SERVING");
    expect(await healthThrough(coordinatorPort, credentials.createSsl(ca))).toBe("SERVING");
    // A client that does not trust the server's CA refuses the server.
    expect(await healthThrough(coordinatorPort, credentials.createSsl(certificates.read(certificates.strangerCert)))).not.toBe("SERVING");
  });

  it("under mutual TLS, refuses clients without a certificate or with one from another CA, and serves a good one", async () => {
    const ca = certificates.read(certificates.caCert);
    expect(await healthThrough(scannerPort, credentials.createInsecure())).not.toBe("SERVING");
    expect(await healthThrough(scannerPort, credentials.createSsl(ca))).not.toBe("SERVING");
    expect(
      await healthThrough(scannerPort, credentials.createSsl(ca, certificates.read(certificates.strangerKey), certificates.read(certificates.strangerCert))),
    ).not.toBe("SERVING");
    expect(
      await healthThrough(scannerPort, credentials.createSsl(ca, certificates.read(certificates.clientKey), certificates.read(certificates.clientCert))),
    ).toBe("SERVING");
  });

  it("carries a scan from a TLS client through the coordinator to the scanner over mutual TLS", async () => {
    const client = new CoordinatorServiceClient(`127.0.0.1:${coordinatorPort}`, credentials.createSsl(certificates.read(certificates.caCert)));
    try {
      const scanned = await callUnary(
        client.scan.bind(client),
        ScanRequest.fromPartial({
          symbol: "SPY",
          query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 30, maxWidth: 5 }, limit: 3 }),
        }),
      );
      expect(scanned.error).toBeUndefined();
      expect(scanned.response?.result?.spreads.length).toBe(3);
    } finally {
      client.close();
    }
  });

  it("stops a service at start when only half of a TLS pair is given", async () => {
    const half = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), TLS_CERT_FILE: certificates.serverCert });
    expect(await half.exited).toEqual({ code: 78, signal: null });
    expect(half.stderr()).toContain("TLS_KEY_FILE: TLS needs both");
    const missing = spawnService("services/scanner/main.ts", {
      ...freePorts("SCANNER"),
      TLS_CERT_FILE: "/nonexistent.pem",
      TLS_KEY_FILE: certificates.serverKey,
    });
    expect(await missing.exited).toEqual({ code: 78, signal: null });
    expect(missing.stderr()).toContain("TLS_CERT_FILE: must name a readable PEM file");
  });
});

// The services as processes: configuration checked at start, and graceful shutdown on signals.
import { credentials, status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT_CONFIG } from "../../services/common/config.js";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../gen/ts/grpc/health/v1/health.js";
import { ScannerServiceClient, ScanRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";

const SCANNER_MAIN = "services/scanner/main.ts";
const COORDINATOR_MAIN = "services/coordinator/main.ts";
const ECHO_PROCESS = "test/fixtures/echo-scanner-process.ts";

const started: ServiceProcess[] = [];
function start(entryPoint: string, env: Record<string, string>): ServiceProcess {
  const service = spawnService(entryPoint, env);
  started.push(service);
  return service;
}
afterEach(() => {
  for (const service of started.splice(0)) service.kill();
});

async function grpcPortOf(service: ServiceProcess): Promise<number> {
  const line = await service.waitForLog((log) => log.msg === "listening");
  return line.grpcPort as number;
}

describe("configuration", () => {
  it.each([
    ["SCANNER_TIMEOUT", "abc", COORDINATOR_MAIN],
    ["SCANNER_TIMEOUT", "-5", COORDINATOR_MAIN],
    ["MAX_CONCURRENT_SCANS", "0", COORDINATOR_MAIN],
    ["MARKET_DATA", "bloomberg", COORDINATOR_MAIN],
    ["SCANNER_ADDR", "not an address", COORDINATOR_MAIN],
    ["SCANNER_PORT", "99999", SCANNER_MAIN],
    ["MAX_REQUEST_SIZE", "lots", SCANNER_MAIN],
    ["CACHE_TTL", "5 minutes", SCANNER_MAIN],
  ])("%s=%s makes the service exit non-zero with one line naming it", async (name, value, main) => {
    const service = start(main, { ...freePorts("SCANNER"), ...freePorts("COORDINATOR"), [name]: value });
    const { code } = await service.exited;
    expect(code).toBe(EXIT_CONFIG);
    const lines = service.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\w+: configuration error: ${name}: must be .+; got ${JSON.stringify(JSON.stringify(value)).slice(1, -1)}$`));
  });

  it("reports every bad variable at once", async () => {
    const service = start(COORDINATOR_MAIN, { ...freePorts("COORDINATOR"), SCANNER_TIMEOUT: "abc", BURST_SIZE: "1.5" });
    expect((await service.exited).code).toBe(EXIT_CONFIG);
    expect(service.stderr()).toContain("SCANNER_TIMEOUT: must be");
    expect(service.stderr()).toContain("BURST_SIZE: must be an integer");
  });

  it.each([
    ["scanner", SCANNER_MAIN, "SCANNER" as const],
    ["coordinator", COORDINATOR_MAIN, "COORDINATOR" as const],
  ])("with a valid configuration the %s starts, serves health, and exits 0 on SIGTERM", async (_name, main, prefix) => {
    const service = start(main, { ...freePorts(prefix), SCANNER_TIMEOUT: "2.5", MAX_REQUEST_SIZE: "8MB" });
    const port = await grpcPortOf(service);
    const health = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const { response } = await callUnary(health.check.bind(health), { service: "" });
    expect(response?.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    health.close();
    service.child.kill("SIGTERM");
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });
});

describe("graceful shutdown", () => {
  it("lets a call in flight at SIGTERM finish, refuses new calls, and exits 0", async () => {
    const service = start(ECHO_PROCESS, { ...freePorts("SCANNER"), SHUTDOWN_GRACE_PERIOD: "20" });
    const port = await grpcPortOf(service);
    const client = new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const scan = client.scan.bind(client);

    const inFlight = callUnary(scan, ScanRequest.fromPartial({ symbol: "SLOW:1500" }));
    await service.waitForLog((line) => line.msg === "slow scan started");
    service.child.kill("SIGTERM");
    await service.waitForLog((line) => line.msg === "shutting down");

    // A new connection is refused once shutdown has begun.
    const late = new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    failureOf(await callUnary(late.scan.bind(late), ScanRequest.fromPartial({ symbol: "SPY" }), { deadlineMs: 3000 }), status.UNAVAILABLE);
    late.close();

    const finished = await inFlight;
    expect(finished.error).toBeUndefined();
    expect(finished.response?.result?.symbol).toBe("SLOW:1500");
    client.close();
    expect(await service.exited).toEqual({ code: 0, signal: null });
    const messages = service.logs.map((line) => line.msg);
    expect(messages.indexOf("shutting down")).toBeLessThan(messages.lastIndexOf("call"));
    expect(messages.at(-1)).toBe("stopped");
  });

  it("cancels calls still running when the grace period ends, and still exits 0", async () => {
    const service = start(ECHO_PROCESS, { ...freePorts("SCANNER"), SHUTDOWN_GRACE_PERIOD: "300ms" });
    const port = await grpcPortOf(service);
    const client = new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const inFlight = callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SLOW:60000" }));
    await service.waitForLog((line) => line.msg === "slow scan started");
    service.child.kill("SIGTERM");
    const outcome = await inFlight;
    expect([status.CANCELLED, status.UNAVAILABLE]).toContain(outcome.error?.code);
    client.close();
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.logs.some((line) => line.msg === "grace period over: cancelling the calls still running")).toBe(true);
  });
});

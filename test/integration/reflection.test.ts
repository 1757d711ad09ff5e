// Server reflection, proven with the two clients people use without .proto files at hand:
// `buf curl` (from the @bufbuild/buf package) and grpcurl (go install, pinned in tools/go.mod).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectTool, runTool } from "../support/tools.js";
import { startEchoServer, type EchoServer } from "../support/echo-server.js";

const SCANNER = "spreadscan.scanner.v1.ScannerService";
const INLINE_CHAIN_SCAN = JSON.stringify({
  symbol: "SPY",
  chain: {
    symbol: "SPY",
    underlyingPrice: 600.5,
    asOf: "2026-11-20T15:30:00Z",
    quotes: [{ expiryDate: "2026-12-18", strike: 580, right: "OPTION_RIGHT_PUT", volume: "9007199254740993" }],
  },
});

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());

describe("buf curl through server reflection", () => {
  const bufCurl = (...args: string[]) => runTool(projectTool("node_modules/.bin/buf"), ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args]);
  const url = (path = "") => `http://${server.address}${path}`;

  it("lists the services, health included", async () => {
    const { exitCode, stdout, stderr } = await bufCurl("--list-services", url());
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(stdout.trim().split("\n").sort()).toEqual(["grpc.health.v1.Health", SCANNER]);
  });

  it("lists a service's methods", async () => {
    const { stdout } = await bufCurl("--list-methods", url());
    expect(stdout).toContain(`${SCANNER}/Scan`);
    expect(stdout).toContain(`${SCANNER}/WatchSpreads`);
  });

  it("resolves and calls a method whose messages import other files", async () => {
    const { exitCode, stdout, stderr } = await bufCurl("-d", INLINE_CHAIN_SCAN, url(`/${SCANNER}/Scan`));
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      result: { symbol: "SPY", chainAsOf: "2026-11-20T15:30:00Z", underlyingPrice: 600.5 },
    });
  });

  it("calls grpc.health.v1.Health/Check", async () => {
    const { stdout } = await bufCurl("-d", "{}", url("/grpc.health.v1.Health/Check"));
    expect(JSON.parse(stdout)).toEqual({ status: "SERVING" });
  });
});

describe("grpcurl through server reflection", () => {
  const grpcurl = (...args: string[]) => runTool(projectTool(".tools/bin/grpcurl"), ["-plaintext", ...args]);

  it("lists the services and describes a method with its comment", async () => {
    const list = await grpcurl(server.address, "list");
    expect(list.stdout.trim().split("\n").sort()).toEqual(["grpc.health.v1.Health", SCANNER]);
    const method = await grpcurl(server.address, "describe", `${SCANNER}.Scan`);
    expect(method.stdout).toContain("rpc Scan ( .spreadscan.scanner.v1.ScanRequest ) returns ( .spreadscan.scanner.v1.ScanResponse );");
    expect(method.stdout).toContain("// Scans an inline chain, or the latest chain stored for the symbol.");
  });

  it("describes a message that imports google.protobuf.Timestamp", async () => {
    const { stdout } = await grpcurl(server.address, "describe", "spreadscan.scanner.v1.ScanResult");
    expect(stdout).toContain(".google.protobuf.Timestamp chain_as_of = 7;");
  });

  it("calls Scan with JSON, 64-bit integers above 2^53 included", async () => {
    const { exitCode, stdout, stderr } = await grpcurl("-d", INLINE_CHAIN_SCAN, server.address, `${SCANNER}/Scan`);
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      result: { symbol: "SPY", chainAsOf: "2026-11-20T15:30:00Z", underlyingPrice: 600.5 },
    });
  });

  it("decodes the BadRequest details of an invalid call", async () => {
    // grpcurl writes the failed status, its details decoded through reflection, to stderr.
    const { exitCode, stderr } = await grpcurl("-format-error", "-d", '{"symbol":"BAD"}', server.address, `${SCANNER}/Scan`);
    expect(exitCode).not.toBe(0);
    expect(JSON.parse(stderr)).toMatchObject({
      code: 3,
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [
            { field: "symbol", description: "must be 1 to 10 letters" },
            { field: "query.limit", description: "must be from 1 to 1000" },
          ],
        },
      ],
    });
  });

  it("calls grpc.health.v1.Health/Check", async () => {
    const { stdout } = await grpcurl(server.address, "grpc.health.v1.Health/Check");
    expect(JSON.parse(stdout)).toEqual({ status: "SERVING" });
  });
});

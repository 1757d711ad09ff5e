// A scanner connection that resets a call's HTTP/2 stream without a gRPC status, as the
// cluster benchmark saw under saturating load (scanner-errors.ts): grpc-js reports INTERNAL
// "Received RST_STREAM with code 0", though no scanner answered anything. Scan is
// idempotent, so the scanner client tries it again; a watch so reset lost its connection,
// and its caller hears UNAVAILABLE, which the coordinator's watch relay reconnects after.
//
// The server is Node's own HTTP/2, speaking just enough gRPC to reset the first call and
// answer the next: a grpc-js server has no way to end a stream without a status.
import { once } from "node:events";
import { constants, createServer, type Http2Server, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { ScanRequest, ScanResponse, WatchSpreadsRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { RpcError } from "../../services/common/errors.js";
import { createScannerCircuitBreaker } from "../../services/coordinator/scanner-client/scanner-breaker.js";
import { ScannerClient } from "../../services/coordinator/scanner-client/scanner-client.js";

const SCAN = ScanRequest.fromPartial({ symbol: "IWM" });
const ANSWER = ScanResponse.fromPartial({ result: { symbol: "IWM" } });

/** A length-prefixed gRPC message. */
function framed(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

let server: Http2Server | undefined;
const clients: ScannerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Resets the first `resets` calls' streams with NO_ERROR and no status; answers the rest. */
async function resettingScanner(resets: number): Promise<{ port: number; calls: () => number }> {
  let calls = 0;
  server = createServer();
  server.on("stream", (stream: ServerHttp2Stream) => {
    const call = calls++;
    stream.on("data", () => undefined);
    stream.once("end", () => {
      if (call < resets) {
        stream.close(constants.NGHTTP2_NO_ERROR);
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(framed(ScanResponse.encode(ANSWER).finish()));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, calls: () => calls };
}

function clientFor(port: number, maxRetries: number): ScannerClient {
  const client = new ScannerClient({
    address: `127.0.0.1:${port}`,
    attemptTimeoutMs: 10_000,
    maxRetries,
    breaker: createScannerCircuitBreaker({ threshold: 100, halfOpenAfterMs: 60_000 }),
    retryBaseDelayMs: 5,
  });
  clients.push(client);
  return client;
}

describe("a scanner call reset without a gRPC status", () => {
  it("is tried again, and the caller gets the next attempt's answer", async () => {
    const scanner = await resettingScanner(1);
    const result = await clientFor(scanner.port, 1).scan(SCAN);
    expect(result.symbol).toBe("IWM");
    expect(scanner.calls()).toBe(2);
  });

  it("fails as INTERNAL, with grpc-js's words, when every attempt is reset", async () => {
    const scanner = await resettingScanner(2);
    const error = await clientFor(scanner.port, 1)
      .scan(SCAN)
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(status.INTERNAL);
    expect((error as RpcError).message).toMatch(/^Received RST_STREAM with code 0/);
    expect(scanner.calls()).toBe(2);
  });
});

describe("a scanner watch reset without a gRPC status", () => {
  it("ends with UNAVAILABLE, as a dropped connection does, so that its relay reconnects", async () => {
    const scanner = await resettingScanner(1);
    const watch = clientFor(scanner.port, 1).watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM" }), new AbortController().signal);
    const error = await (async () => {
      try {
        // The reset comes before any message.
        for await (const message of watch) expect(message).toBeUndefined();
      } catch (reason) {
        return reason;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(status.UNAVAILABLE);
    expect((error as RpcError).message).toMatch(/^the scanner's watch stream was reset: Received RST_STREAM with code 0/);
    expect(scanner.calls()).toBe(1);
  });
});

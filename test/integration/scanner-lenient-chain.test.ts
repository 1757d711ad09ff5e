// A Scan whose inline chain has a field running past the end of the chain message: ts-proto's
// decoder accepts the request (it reads on into the bytes after the chain), but the chain's own
// bytes, which the scanner sends its thread, do not decode alone. The fuzz fault suite found
// such requests answered INTERNAL. The scanner, a real process, must scan the chain the
// request's decoder read, as it did before it sent its thread the chain's own bytes.
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanResponse } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { decodeScanRequest, scannedChainBytes } from "../../services/scanner/scanner-service.js";
import { startScanner } from "../support/coordinator-pair.js";
import type { ServiceProcess } from "../support/service-process.js";

// ScanRequest: symbol "SPY" (field 1), then a valid chain (field 3) whose last byte is the tag of
// its rate (field 4, a double): the double's 8 bytes lie past the chain's end, where they also
// read as a ScanRequest field (field 1, 6 bytes), so the request decodes (leniently) and its
// top-level fields walk, but the chain's own bytes end mid-double. The double is about 0.01, a
// rate the chain's checks accept, so the scan reaches the pool's thread.
const VALID_CHAIN = OptionChain.encode(
  OptionChain.fromPartial({ symbol: "SPY", underlyingPrice: 600, asOf: new Date("2026-11-20T15:00:00Z"), rate: 0.04, multiplier: 100 }),
).finish();
const OVERRUN = [0x21];
const DOUBLE_AS_FIELD = [0x0a, 0x06, 0xae, 0x47, 0xe1, 0x7a, 0x84, 0x3f];
const LENIENT = Buffer.concat([
  new BinaryWriter()
    .uint32(0x0a)
    .string("SPY")
    .uint32(0x1a)
    .uint32(VALID_CHAIN.length + OVERRUN.length)
    .finish(),
  VALID_CHAIN,
  Buffer.from([...OVERRUN, ...DOUBLE_AS_FIELD]),
]);

let scanner: ServiceProcess | undefined;
let client: Client | undefined;

beforeAll(async () => {
  const started = await startScanner();
  scanner = started.process;
  client = new Client(`127.0.0.1:${started.port}`, credentials.createInsecure());
}, 60_000);
afterAll(() => {
  client?.close();
  scanner?.kill();
});

function rawScan(body: Buffer): Promise<{ error?: ServiceError; response?: ScanResponse }> {
  return new Promise((resolve) => {
    client?.makeUnaryRequest(
      "/spreadscan.scanner.v1.ScannerService/Scan",
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => ScanResponse.decode(bytes),
      body,
      new Metadata(),
      { deadline: Date.now() + 30_000 },
      (error, response?: ScanResponse) => resolve(error ? { error } : response ? { response } : {}),
    );
  });
}

describe("a chain whose field runs past its end", () => {
  it("is what ts-proto decodes leniently, and its own bytes do not decode alone", () => {
    const request = decodeScanRequest(LENIENT);
    expect(request.chain?.symbol).toBe("SPY");
    expect(request.chain?.rate).toBeCloseTo(0.01, 6);
    const kept = scannedChainBytes(request);
    expect(kept?.length).toBe(VALID_CHAIN.length + OVERRUN.length);
    expect(() => OptionChain.decode(kept ?? new Uint8Array())).toThrow(RangeError);
  });

  it("is scanned as the request's decoder read it, never answered INTERNAL", async () => {
    const { error, response } = await rawScan(LENIENT);
    expect(error?.code).toBeUndefined();
    expect(response?.result?.symbol).toBe("SPY");
  });
});

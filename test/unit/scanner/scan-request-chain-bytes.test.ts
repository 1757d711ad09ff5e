// An inline scan's chain goes to the pool's thread as the bytes it arrived in (scanner-service.ts
// keeps them when it decodes the request), not encoded again on the main thread. Kept only when
// the chain came in one piece: of a message field sent twice, no one piece is what the decoder
// made of them (protobuf merges them; ts-proto keeps the last), which the thread must scan.
import { describe, expect, it } from "vitest";
import { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanRequest } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { decodeScanRequest, scannedChainBytes } from "../../../services/scanner/scanner-service.js";

const chain = generateSyntheticChain({ symbol: "IWM", seed: 5, asOf: new Date("2026-11-20T15:00:00Z") });
const encoded = (request: Partial<ScanRequest>): Buffer => Buffer.from(ScanRequest.encode(ScanRequest.fromPartial(request)).finish());

describe("a Scan request's chain bytes", () => {
  it("are kept as they came, and decode to the chain the request carries", () => {
    const sent = ScanRequest.fromPartial({ symbol: "IWM", chain, query: ScanQuery.fromPartial({ limit: 5 }) });
    const request = decodeScanRequest(Buffer.from(ScanRequest.encode(sent).finish()));
    const kept = scannedChainBytes(request);
    expect(kept && Buffer.from(kept).equals(OptionChain.encode(sent.chain!).finish())).toBe(true);
    expect(OptionChain.decode(kept!)).toEqual(request.chain);
  });

  it("are not kept for a chain sent in two pieces, nor for a request without one", () => {
    const half = Math.floor(chain.quotes.length / 2);
    const twoPieces = Buffer.concat([
      encoded({ symbol: "IWM", chain: { ...chain, quotes: chain.quotes.slice(0, half) } }),
      encoded({ chain: { ...chain, quotes: chain.quotes.slice(half) } }),
    ]);
    const decoded = decodeScanRequest(twoPieces);
    expect(decoded.chain?.quotes.length).toBeGreaterThan(0);
    expect(scannedChainBytes(decoded)).toBeUndefined();
    expect(scannedChainBytes(decodeScanRequest(encoded({ symbol: "IWM" })))).toBeUndefined();
  });
});

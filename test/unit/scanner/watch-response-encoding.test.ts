// The watch stream's spliced encoding writes exactly the bytes of the generated encoder.
import { describe, expect, it } from "vitest";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { WatchSpreadsResponse } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { scanChain } from "../../../services/engine/index.js";
import { encodeWatchResponse } from "../../../services/scanner/scanner-service.js";

describe("encodeWatchResponse", () => {
  const result = scanChain(
    generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 7, asOf: new Date("2026-11-20T15:00:00Z") }),
    ScanQuery.fromPartial({ filters: { maxDte: 45, maxWidth: 5 }, limit: 15 }),
  );
  it.each([
    { sequence: 1n, initial: true, addedIds: result.spreads.map((spread) => spread.id), removedIds: [] },
    { sequence: 2n ** 40n, initial: false, addedIds: ["a", "b"], removedIds: ["c"] },
    { sequence: 300n, initial: true, addedIds: ["é—✓ spread", "x".repeat(200)], removedIds: ["日本"] },
    { sequence: 0n, initial: false, addedIds: [], removedIds: [] },
  ])("matches WatchSpreadsResponse.encode (case %#)", (fields) => {
    const response = WatchSpreadsResponse.fromPartial({ update: { ...fields, result } });
    const spliced = encodeWatchResponse(response);
    expect(spliced.equals(Buffer.from(WatchSpreadsResponse.encode(response).finish()))).toBe(true);
    // And a second watcher of the same result gets the same bytes from the cache.
    expect(encodeWatchResponse(WatchSpreadsResponse.fromPartial({ update: { ...fields, result } })).equals(spliced)).toBe(true);
  });
});

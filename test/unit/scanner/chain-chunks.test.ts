// A chain split below NATS's max_payload and put back together: whole when every chunk of a
// version arrives in order, dropped when one is missing, started again by a chunk 0.
import { describe, expect, it } from "vitest";
import { ChunkAssembler, chunkSizeFor, splitIntoChunks } from "../../../services/scanner/chain-bus/chunks.js";
import { chunkHeaders, chunkMessageId, parseChunkHeader, subjectOf, symbolOf } from "../../../services/scanner/chain-bus/chain-subjects.js";

const bytes = (length: number, seed = 1): Uint8Array => Uint8Array.from({ length }, (_, index) => (index * 31 + seed) % 251);

describe("chain chunks", () => {
  it("leaves room for the headers under the server's max_payload", () => {
    expect(chunkSizeFor(1024 * 1024)).toBeLessThan(1024 * 1024);
    expect(chunkSizeFor(1024 * 1024)).toBeGreaterThan(1000 * 1024);
  });

  it("splits into pieces of at most the size, in order, one empty piece for nothing", () => {
    const whole = bytes(2_500_000);
    const chunks = splitIntoChunks(whole, 1_000_000);
    expect(chunks.map((chunk) => chunk.length)).toEqual([1_000_000, 1_000_000, 500_000]);
    expect(Buffer.compare(Buffer.concat(chunks), whole)).toBe(0);
    expect(splitIntoChunks(new Uint8Array(0), 10)).toHaveLength(1);
    expect(splitIntoChunks(bytes(10), 10)).toHaveLength(1);
  });

  it("puts a version back together when its chunks arrive in order", () => {
    const whole = bytes(25);
    const chunks = splitIntoChunks(whole, 10);
    const assembler = new ChunkAssembler();
    const results = chunks.map((chunk, index) => assembler.accept("SPY", { version: 3n, index, count: chunks.length }, chunk));
    expect(results.slice(0, -1)).toEqual([undefined, undefined]);
    expect(Buffer.compare(results.at(-1)!, whole)).toBe(0);
  });

  it("drops a version with a chunk missing, and starts again at a chunk 0 (a publisher that sent it again)", () => {
    const whole = bytes(25);
    const chunks = splitIntoChunks(whole, 10);
    const assembler = new ChunkAssembler();
    expect(assembler.accept("SPY", { version: 4n, index: 0, count: 3 }, chunks[0]!)).toBeUndefined();
    expect(assembler.accept("SPY", { version: 4n, index: 2, count: 3 }, chunks[2]!)).toBeUndefined();
    // The missing middle is not made up by its late arrival.
    expect(assembler.accept("SPY", { version: 4n, index: 1, count: 3 }, chunks[1]!)).toBeUndefined();
    // Another version's chunk 0 replaces a half-assembled one.
    const other = bytes(15, 7);
    const otherChunks = splitIntoChunks(other, 10);
    expect(assembler.accept("SPY", { version: 4n, index: 0, count: 3 }, chunks[0]!)).toBeUndefined();
    expect(assembler.accept("SPY", { version: 5n, index: 0, count: 2 }, otherChunks[0]!)).toBeUndefined();
    expect(Buffer.compare(assembler.accept("SPY", { version: 5n, index: 1, count: 2 }, otherChunks[1]!)!, other)).toBe(0);
  });

  it("keeps each symbol's pieces apart", () => {
    const spy = splitIntoChunks(bytes(20, 1), 10);
    const qqq = splitIntoChunks(bytes(20, 2), 10);
    const assembler = new ChunkAssembler();
    assembler.accept("SPY", { version: 1n, index: 0, count: 2 }, spy[0]!);
    assembler.accept("QQQ", { version: 1n, index: 0, count: 2 }, qqq[0]!);
    expect(Buffer.compare(assembler.accept("SPY", { version: 1n, index: 1, count: 2 }, spy[1]!)!, bytes(20, 1))).toBe(0);
    expect(Buffer.compare(assembler.accept("QQQ", { version: 1n, index: 1, count: 2 }, qqq[1]!)!, bytes(20, 2))).toBe(0);
  });

  it("writes and reads its headers, and refuses a message that is not one of ours", () => {
    const header = { version: 12345678901234567890n, index: 1, count: 3, publisher: "abc", publishedAt: 1_765_000_000_123 };
    expect(parseChunkHeader(chunkHeaders(header))).toEqual(header);
    expect(parseChunkHeader(undefined)).toBeUndefined();
    const bad = chunkHeaders(header);
    bad.set("Spreadscan-Chunk", "3/3");
    expect(parseChunkHeader(bad)).toBeUndefined();
  });

  it("writes and reads a delta's base, tells a delta's message id from its whole chain's, and refuses a delta that is not one message before its version", () => {
    const delta = { version: 8n, index: 0, count: 1, publisher: "abc", publishedAt: 1_765_000_000_123, base: 7n };
    expect(parseChunkHeader(chunkHeaders(delta))).toEqual(delta);
    const { base: _base, ...whole } = delta;
    expect(chunkMessageId("SPY", delta)).not.toBe(chunkMessageId("SPY", whole));
    expect(parseChunkHeader(chunkHeaders({ ...delta, base: 8n }))).toBeUndefined();
    expect(parseChunkHeader(chunkHeaders({ ...delta, count: 2 }))).toBeUndefined();
  });

  it("names one subject per symbol, dots included, and reads the symbol back", () => {
    expect(subjectOf("SPY")).toBe("spreadscan.chains.SPY");
    expect(subjectOf("BRK.B")).toBe("spreadscan.chains.BRK_B");
    expect(symbolOf(subjectOf("BRK.B"))).toBe("BRK.B");
    expect(symbolOf("elsewhere.SPY")).toBeUndefined();
  });
});

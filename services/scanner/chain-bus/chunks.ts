// A chain in pieces small enough for NATS (chains are 0.6–2.2 MB; a server's max_payload is
// 1 MB by default), and the pieces put back together on the other side. A version's chunks
// follow one another on the symbol's subject: the publisher sends each one expecting the
// previous one last on the subject, so no other message can come between them.

/** Room left in each message for its subject and headers, bytes. */
const ROOM_FOR_HEADERS = 8 * 1024;

/** The largest chunk a server announcing `maxPayload` takes with our headers. */
export function chunkSizeFor(maxPayload: number): number {
  return Math.max(1024, maxPayload - ROOM_FOR_HEADERS);
}

/** `bytes` in consecutive pieces of at most `size` bytes; one empty piece for no bytes. Views, not copies. */
export function splitIntoChunks(bytes: Uint8Array, size: number): Uint8Array[] {
  if (!(size >= 1)) throw new RangeError(`a chunk must hold at least one byte, not ${size}`);
  if (bytes.length === 0) return [bytes];
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, Math.min(bytes.length, start + size)));
  return chunks;
}

/** Where a chunk belongs: which version of the symbol, and its place among the version's chunks. */
export interface ChunkPlace {
  readonly version: bigint;
  /** From 0. */
  readonly index: number;
  readonly count: number;
}

interface Assembly {
  readonly version: bigint;
  readonly count: number;
  readonly parts: Uint8Array[];
}

/**
 * Puts each symbol's chunks back together. A version's chunk 0 starts it again (a publisher
 * that died halfway sends it again from the start, or another publisher takes the version);
 * a chunk that is not the next one expected is dropped with its version's pieces so far.
 */
export class ChunkAssembler {
  private readonly assemblies = new Map<string, Assembly>();

  /** The whole chain when `chunk` completes its version, else undefined. */
  accept(symbol: string, place: ChunkPlace, chunk: Uint8Array): Uint8Array | undefined {
    if (place.count === 1 && place.index === 0) {
      this.assemblies.delete(symbol);
      return chunk.slice();
    }
    let assembly = this.assemblies.get(symbol);
    if (place.index === 0) {
      assembly = { version: place.version, count: place.count, parts: [] };
      this.assemblies.set(symbol, assembly);
    }
    if (!assembly || assembly.version !== place.version || assembly.count !== place.count || assembly.parts.length !== place.index) {
      this.assemblies.delete(symbol);
      return undefined;
    }
    // A copy: the message's buffer is the client's to reuse.
    assembly.parts.push(chunk.slice());
    if (assembly.parts.length < assembly.count) return undefined;
    this.assemblies.delete(symbol);
    return Buffer.concat(assembly.parts);
  }

  /** Forgets every piece held (the stream is new: its older pieces will never be completed). */
  clear(): void {
    this.assemblies.clear();
  }
}

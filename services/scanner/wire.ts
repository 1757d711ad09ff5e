// The few places where the scanner writes or reads protobuf bytes by hand rather than through
// the generated codecs: a result travels in its wire form from the worker that made it to
// every caller and watcher (see encoded-results.ts), so responses are spliced around those
// bytes instead of encoding the result again. Every field number and wire type those splices
// use is in FIELDS; wire.test.ts checks each against the contract's descriptor set, so a
// change to the .proto files that moves one fails there rather than on the wire.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { SpreadsUpdate } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";

export interface WireField {
  /** Fully qualified message name, as in the descriptor set. */
  readonly message: string;
  /** Field name, as in the .proto file. */
  readonly name: string;
  readonly number: number;
  readonly wireType: WireType;
}

const field = (message: string, name: string, number: number, wireType: WireType): WireField => ({ message, name, number, wireType });

/** Every field the scanner splices or scans for by hand. */
export const FIELDS = {
  scanResponseResult: field("spreadscan.scanner.v1.ScanResponse", "result", 1, WireType.LengthDelimited),
  watchResponseUpdate: field("spreadscan.scanner.v1.WatchSpreadsResponse", "update", 1, WireType.LengthDelimited),
  updateSequence: field("spreadscan.scanner.v1.SpreadsUpdate", "sequence", 1, WireType.Varint),
  updateInitial: field("spreadscan.scanner.v1.SpreadsUpdate", "initial", 2, WireType.Varint),
  updateResult: field("spreadscan.scanner.v1.SpreadsUpdate", "result", 3, WireType.LengthDelimited),
  updateAddedIds: field("spreadscan.scanner.v1.SpreadsUpdate", "added_ids", 4, WireType.LengthDelimited),
  updateRemovedIds: field("spreadscan.scanner.v1.SpreadsUpdate", "removed_ids", 5, WireType.LengthDelimited),
  updateChainChain: field("spreadscan.scanner.v1.UpdateChainRequest", "chain", 1, WireType.LengthDelimited),
  scanRequestChain: field("spreadscan.scanner.v1.ScanRequest", "chain", 3, WireType.LengthDelimited),
  resultSpreads: field("spreadscan.scanner.v1.ScanResult", "spreads", 2, WireType.LengthDelimited),
} as const;

/** A field's tag: its number and wire type as the byte(s) before its value. All ours fit one byte. */
export const tagOf = ({ number, wireType }: WireField): number => (number << 3) | wireType;

const TAG = {
  scanResponseResult: tagOf(FIELDS.scanResponseResult),
  watchResponseUpdate: tagOf(FIELDS.watchResponseUpdate),
  updateSequence: tagOf(FIELDS.updateSequence),
  updateInitial: tagOf(FIELDS.updateInitial),
  updateResult: tagOf(FIELDS.updateResult),
  updateAddedIds: tagOf(FIELDS.updateAddedIds),
  updateRemovedIds: tagOf(FIELDS.updateRemovedIds),
};

const varintLength = (value: number | bigint): number => {
  let length = 1;
  for (let rest = BigInt(value) >> 7n; rest > 0n; rest >>= 7n) length++;
  return length;
};

/** Writes `value` as a base-128 varint at `offset`; returns the offset after it. */
function writeVarint(buffer: Buffer, offset: number, value: number | bigint): number {
  let rest = BigInt(value);
  while (rest >= 0x80n) {
    buffer[offset++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  buffer[offset++] = Number(rest);
  return offset;
}

/** A ScanResponse with a result, in its wire form: byte for byte ScanResponse.encode, from the result's bytes. */
export function scanResponseBytes(result: Uint8Array): Buffer {
  const head = new BinaryWriter().uint32(TAG.scanResponseResult).uint32(result.length).finish();
  return Buffer.concat([head, result]);
}

/**
 * A WatchSpreadsResponse carrying `update`, in its wire form: byte for byte what
 * WatchSpreadsResponse.encode writes, but with the update's result (the bulk of it, shared by
 * every watcher of a query) copied in from its wire form `result`: an embedded message is
 * written exactly as bytes are. One buffer per message, since every watcher gets one for
 * every change.
 */
export function watchResponseBytes(update: SpreadsUpdate, result: Uint8Array): Buffer {
  const ids = [...update.addedIds.map((id) => ({ tag: TAG.updateAddedIds, id })), ...update.removedIds.map((id) => ({ tag: TAG.updateRemovedIds, id }))];
  const idLengths = ids.map(({ id }) => Buffer.byteLength(id));
  let updateLength =
    (update.sequence !== 0n ? 1 + varintLength(update.sequence) : 0) + (update.initial ? 2 : 0) + 1 + varintLength(result.length) + result.length;
  for (const length of idLengths) updateLength += 1 + varintLength(length) + length;
  const message = Buffer.allocUnsafe(1 + varintLength(updateLength) + updateLength);
  message[0] = TAG.watchResponseUpdate;
  let offset = writeVarint(message, 1, updateLength);
  if (update.sequence !== 0n) {
    message[offset++] = TAG.updateSequence;
    offset = writeVarint(message, offset, update.sequence);
  }
  if (update.initial) {
    message[offset++] = TAG.updateInitial;
    message[offset++] = 1;
  }
  message[offset++] = TAG.updateResult;
  offset = writeVarint(message, offset, result.length);
  message.set(result, offset);
  offset += result.length;
  ids.forEach(({ tag, id }, index) => {
    message[offset++] = tag;
    offset = writeVarint(message, offset, idLengths[index] ?? 0);
    offset += message.write(id, offset, "utf8");
  });
  return message;
}

/**
 * The bytes of every occurrence of `field` in `bytes` (a message's encoding), in order,
 * tag and length included when `withTag`, or just the value's bytes otherwise.
 */
export function fieldOccurrences(bytes: Uint8Array, wanted: WireField, { withTag }: { withTag: boolean }): Uint8Array[] {
  const reader = new BinaryReader(bytes);
  const found: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [number, wireType] = reader.tag();
    if (number === wanted.number && wireType === wanted.wireType) {
      if (withTag) {
        reader.skip(wireType, number);
        found.push(bytes.subarray(start, reader.pos));
      } else {
        found.push(reader.bytes());
      }
    } else {
      reader.skip(wireType, number);
    }
  }
  return found;
}

/** The chain field's bytes of an UpdateChainRequest (or, given its field, a ScanRequest), when it came in one piece. */
export function sentChainBytes(bytes: Uint8Array, chainField: WireField = FIELDS.updateChainChain): Uint8Array | undefined {
  // A chain sent in several pieces is merged by the decoder; its pieces are not its bytes.
  const chains = fieldOccurrences(bytes, chainField, { withTag: false });
  return chains.length === 1 ? chains[0] : undefined;
}

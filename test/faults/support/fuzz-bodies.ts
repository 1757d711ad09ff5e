// Protobuf bodies built byte by byte: unknown fields every decoder must skip, packed repeated
// enums, and a request stuffed to within a few bytes of a size.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

/** `base` with an unknown length-delimited field of `count` bytes appended: every decoder must skip it. */
export function withFiller(base: Uint8Array, count: number): Uint8Array {
  const filler = new BinaryWriter().tag(999, WireType.LengthDelimited).bytes(new Uint8Array(count)).finish();
  return Buffer.concat([base, filler]);
}

/** `count` unknown varint fields of one byte each (two with their tag): decoders skip them one by one. */
export function unknownFields(count: number): Uint8Array {
  const bytes = new Uint8Array(count * 3);
  for (let index = 0; index < bytes.length; index += 3) {
    // Field 1000, varint: tag 8000 as a varint (0xc0 0x3e), then the value 1.
    bytes[index] = 0xc0;
    bytes[index + 1] = 0x3e;
    bytes[index + 2] = 1;
  }
  return bytes;
}

/** A packed repeated enum field `field` of `count` entries of `value` (under 128: one byte each). */
export function packedEnums(field: number, value: number, count: number): Uint8Array {
  return new BinaryWriter().tag(field, WireType.LengthDelimited).bytes(new Uint8Array(count).fill(value)).finish();
}

/**
 * A body of `stuffed(n)` within a few bytes under `targetBytes`: n estimated from the size of
 * one entry, corrected until it fits, then topped up with filler bytes.
 */
export function stuffTo(stuffed: (count: number) => Uint8Array, targetBytes: number): Uint8Array {
  const one = stuffed(1).length;
  const unit = Math.max(1, stuffed(2).length - one);
  let count = Math.max(0, Math.floor((targetBytes - (one - unit)) / unit));
  let body = stuffed(count);
  while (body.length > targetBytes && count > 0) {
    count = Math.max(0, count - Math.max(1, Math.ceil((body.length - targetBytes) / unit)));
    body = stuffed(count);
  }
  const gap = targetBytes - body.length;
  // A filler field costs its tag and length (up to 6 bytes) on top of its bytes.
  return gap > 8 ? withFiller(body, gap - 6) : body;
}

// Mutations of a valid request's bytes: bits flipped, bytes set, inserted, deleted and
// duplicated, the body cut short, and fields appended with any wire type.
import fc from "fast-check";
import { uint64 } from "./fuzz-values.js";

export type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "set"; readonly at: number; readonly value: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number }
  | { readonly kind: "field"; readonly field: number; readonly wireType: number; readonly value: bigint };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  // A field the message may or may not have, with any wire type (some invalid) and value.
  fc.record({ kind: fc.constant("field" as const), field: fc.integer({ min: 1, max: 2 ** 29 - 1 }), wireType: fc.nat({ max: 7 }), value: uint64 }),
);

function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let body = Array.from(bytes);
  for (const each of mutations) {
    const at = body.length === 0 ? 0 : each.kind === "field" ? 0 : each.at % (body.length + 1);
    switch (each.kind) {
      case "flip":
        if (at < body.length) body[at] = (body[at] ?? 0) ^ (1 << each.bit);
        break;
      case "set":
        if (at < body.length) body[at] = each.value;
        break;
      case "insert":
        body.splice(at, 0, ...each.bytes);
        break;
      case "delete":
        body.splice(at, each.length);
        break;
      case "truncate":
        body = body.slice(0, at);
        break;
      case "duplicate":
        body.splice(at, 0, ...body.slice(at, at + each.length));
        break;
      case "field":
        body.push(...varint(BigInt(each.field) * 8n + BigInt(each.wireType)), ...varint(each.value));
        break;
    }
  }
  return Uint8Array.from(body);
}

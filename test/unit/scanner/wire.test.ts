// The field numbers and wire types the scanner splices by hand (services/scanner/wire.ts),
// checked against the contract as buf compiled it (gen/descriptor/spreadscan.binpb): a .proto
// change that renumbers or retypes one of them fails here, not on the wire.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createFileRegistry, fromBinary, ScalarType, type DescField } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { FIELDS, tagOf } from "../../../services/scanner/wire.js";
import { REPO_ROOT } from "../../support/tools.js";

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(path.join(REPO_ROOT, "gen/descriptor/spreadscan.binpb"))));

/** The wire type protobuf gives a field (packed repeated scalars aside: we never splice one). */
function wireTypeOf(field: DescField): WireType {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "message" || kind === "map") return WireType.LengthDelimited;
  if (kind === "enum" || field.scalar === undefined) return WireType.Varint;
  switch (field.scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

describe("the scanner's hand-written protobuf fields", () => {
  it.each(Object.entries(FIELDS))("%s has the number and wire type the contract gives it", (_key, wanted) => {
    const message = registry.getMessage(wanted.message);
    expect(message, `${wanted.message} is in the descriptor set`).toBeDefined();
    const field = message!.fields.find((each) => each.name === wanted.name);
    expect(field, `${wanted.message}.${wanted.name} exists`).toBeDefined();
    expect(field!.number).toBe(wanted.number);
    expect(wireTypeOf(field!)).toBe(wanted.wireType);
  });

  it("writes every tag in one byte, as the splices assume", () => {
    for (const wanted of Object.values(FIELDS)) expect(tagOf(wanted)).toBeLessThan(0x80);
  });
});

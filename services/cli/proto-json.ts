// Canonical proto3 JSON of a message, as grpcurl and `buf curl` print it. ts-proto's own
// toJSON writes a google.protobuf.Duration as {"seconds": ...} instead of "1.5s", so the
// message goes through its wire form into @bufbuild/protobuf, which knows every type from
// the descriptor set the services serve by reflection.
import { createFileRegistry, fromBinary, toJson, type DescMessage, type FileRegistry, type JsonValue } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { descriptorSetBase64 } from "../../gen/ts/descriptor-set.js";

/** What this needs of a ts-proto message type. */
export interface BinaryMessageType<T> {
  encode(message: T): { finish(): Uint8Array };
}

let registry: FileRegistry | undefined;

// Built on first use: commands that print no JSON do not pay for decoding the descriptors.
function typeRegistry(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64")));
  return registry;
}

/** The descriptor of the proto message type named `typeName`, from the set the services serve. */
export function protoMessageSchema(typeName: string): DescMessage {
  const schema = typeRegistry().getMessage(typeName);
  if (!schema) throw new Error(`${typeName} is not in the descriptor set`);
  return schema;
}

/**
 * `message`, of the proto type named `typeName` (e.g. "spreadscan.coordinator.v1.ScanResponse"), as proto3 JSON;
 * with `alwaysEmitImplicit`, fields at their default (0, "", false) are written too instead of left out.
 */
export function toProtoJson<T>(type: BinaryMessageType<T>, typeName: string, message: T, options: { alwaysEmitImplicit?: boolean } = {}): JsonValue {
  const schema = protoMessageSchema(typeName);
  return toJson(schema, fromBinary(schema, type.encode(message).finish()), { alwaysEmitImplicit: options.alwaysEmitImplicit ?? false });
}

/** One message as indented JSON and a newline: the whole output of a unary command. */
export function protoJsonDocument<T>(type: BinaryMessageType<T>, typeName: string, message: T): string {
  return `${JSON.stringify(toProtoJson(type, typeName, message), null, 2)}\n`;
}

/** One message on one line: a line of a stream's output (JSON Lines). */
export function protoJsonLine<T>(type: BinaryMessageType<T>, typeName: string, message: T): string {
  return `${JSON.stringify(toProtoJson(type, typeName, message))}\n`;
}

import type { Server } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { descriptorSetBase64 } from "../../gen/ts/descriptor-set.js";

/**
 * Serves gRPC server reflection (v1 and v1alpha) from the buf-built descriptor set, for
 * exactly the services the server registered.
 *
 * @grpc/reflection takes a proto-loader package definition, but only reads each entry's
 * `fileDescriptorProtos`. We hand it the buf-built files as they are: descriptors rebuilt
 * by proto-loader lose each file's `dependency` list, and grpcurl and `buf curl` then
 * cannot resolve methods whose messages import other files.
 */
export function addReflection(server: Pick<Server, "addService">, serviceNames: readonly string[]): void {
  const descriptorSet = fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64"));
  const fileDescriptorProtos = descriptorSet.file.map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, create(FileDescriptorProtoSchema, file))));
  const packageDefinition = { "spreadscan.descriptor-set": { fileDescriptorProtos } } as unknown as PackageDefinition;
  const known = new Set(descriptorSet.file.flatMap((file) => file.service.map((service) => (file.package ? `${file.package}.${service.name}` : service.name))));
  const missing = serviceNames.filter((name) => !known.has(name));
  if (missing.length > 0) {
    throw new Error(`no descriptor for ${missing.join(", ")}: run make gen and add its .proto to the descriptor set`);
  }
  new ReflectionService(packageDefinition, { services: [...serviceNames] }).addToServer(server);
}

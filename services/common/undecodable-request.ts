// A request body that is not the message its method takes is the caller's mistake: it gets
// INVALID_ARGUMENT saying so, rather than grpc-js's INTERNAL for a deserializer that threw.
import type { ServiceDefinition } from "@grpc/grpc-js";
import { invalidArgument, type RpcError } from "./errors.js";

/** Stands in for a request whose bytes did not decode; the handler answers it. */
export class UndecodableRequest {
  constructor(
    private readonly path: string,
    private readonly reason: string,
  ) {}

  toError(): RpcError {
    return invalidArgument(
      [{ field: "", description: `the request body is not a valid request of ${this.path}: ${this.reason}` }],
      `the request body could not be decoded as a request of ${this.path}`,
    );
  }
}

/** The definition with every request deserializer turned tolerant: a body that does not decode becomes an UndecodableRequest. */
export function tolerantDefinition(definition: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          try {
            return method.requestDeserialize(bytes);
          } catch (error) {
            return new UndecodableRequest(method.path, error instanceof Error ? error.message.slice(0, 200) : "undecodable");
          }
        },
      },
    ]),
  );
}

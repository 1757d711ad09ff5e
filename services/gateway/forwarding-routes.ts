// The gateway's handlers: every method of the coordinator's services, answered by calling the
// same method on the coordinator over ordinary gRPC. The coordinator decides everything (auth,
// limits, deadlines, validation); the gateway only changes the wire, so a browser's call meets
// exactly what grpcurl's would, and the coordinator's errors come back with their details.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  ConnectError,
  createClient,
  createContextKey,
  type CallOptions,
  type ConnectRouter,
  type HandlerContext,
  type ServiceImpl,
  type Transport,
} from "@connectrpc/connect";
import { forwardedHeaders, copyResponseHeaders } from "./forwarded-headers.js";

type Forward = (request: unknown, options: CallOptions) => unknown;

/** The address of the connection a call came on, set per request by the gateway's adapter. */
export const CLIENT_ADDRESS = createContextKey<string | undefined>(undefined, { description: "client address" });

function callOptions(context: HandlerContext, secret: Buffer | undefined): CallOptions {
  const timeoutMs = context.timeoutMs();
  const address = context.values.get(CLIENT_ADDRESS);
  return {
    signal: context.signal,
    headers: forwardedHeaders(context.requestHeader, secret && address !== undefined ? { address, secret } : undefined),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    onHeader: (headers) => copyResponseHeaders(headers, context.responseHeader),
  };
}

/**
 * The coordinator's error as the gateway's own: code, message and google.rpc details as they
 * came, and the response headers the browser gets (its request id). Connect relays the
 * metadata of an error it did not parse itself only, so a wire error is made anew.
 */
function relayed(error: unknown): unknown {
  if (!(error instanceof ConnectError) || !error.isWireError) return error;
  const metadata = new Headers();
  copyResponseHeaders(error.metadata, metadata);
  const own = new ConnectError(error.rawMessage, error.code, metadata, undefined, error.cause);
  own.details = error.details;
  return own;
}

function forwardingMethod(method: DescMethod, forward: Forward, secret: Buffer | undefined): unknown {
  switch (method.methodKind) {
    case "unary":
      return async (request: unknown, context: HandlerContext) => {
        try {
          return await (forward(request, callOptions(context, secret)) as Promise<unknown>);
        } catch (error) {
          throw relayed(error);
        }
      };
    case "server_streaming":
      return async function* (request: unknown, context: HandlerContext) {
        try {
          yield* forward(request, callOptions(context, secret)) as AsyncIterable<unknown>;
        } catch (error) {
          throw relayed(error);
        }
      };
    default:
      // None of the coordinator's contracts has one; a new one must be forwarded on purpose.
      throw new Error(`${method.parent.typeName}.${method.name} is ${method.methodKind}: the gateway forwards unary and server-streaming methods only`);
  }
}

/** Routes answering every method of `services` by forwarding it over `transport`; with `secret`, naming each call's client address. */
export function forwardingRoutes(services: readonly DescService[], transport: Transport, secret?: Buffer): (router: ConnectRouter) => void {
  return (router) => {
    for (const service of services) {
      const client = createClient(service, transport) as unknown as Record<string, Forward>;
      const implementation: Record<string, unknown> = {};
      for (const method of service.methods) {
        const forward = client[method.localName];
        if (forward === undefined) throw new Error(`no client method for ${method.parent.typeName}.${method.name}`);
        implementation[method.localName] = forwardingMethod(method, forward, secret);
      }
      // Built method by method from the descriptor, so the compiler cannot see its shape.
      router.service(service, implementation as Partial<ServiceImpl<DescService>>);
    }
  };
}

// The attributes of a gRPC span, after the OpenTelemetry RPC conventions: its name is the
// method's full name, "package.Service/Method", and its service and method are attributes.
import { SpanStatusCode, type Attributes, type Span } from "@opentelemetry/api";
import { status as GrpcStatus } from "@grpc/grpc-js";

export const RPC_SYSTEM = "rpc.system";
export const RPC_SERVICE = "rpc.service";
export const RPC_METHOD = "rpc.method";
export const RPC_GRPC_STATUS_CODE = "rpc.grpc.status_code";
export const SERVER_ADDRESS = "server.address";
export const SERVER_PORT = "server.port";

/** The span name of a call on `path` ("/package.Service/Method"): the path without its leading slash. */
export function rpcSpanName(path: string): string {
  return path.startsWith("/") ? path.slice(1) : path;
}

export function rpcAttributes(path: string): Attributes {
  const name = rpcSpanName(path);
  const slash = name.lastIndexOf("/");
  return { [RPC_SYSTEM]: "grpc", [RPC_SERVICE]: name.slice(0, slash), [RPC_METHOD]: name.slice(slash + 1) };
}

/** Records the call's final status on its span: every status other than OK fails the span. */
export function recordRpcStatus(span: Span, code: GrpcStatus, details: string | undefined): void {
  span.setAttribute(RPC_GRPC_STATUS_CODE, code);
  if (code !== GrpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: `${GrpcStatus[code]}${details ? `: ${details}` : ""}` });
}

/** The host and port of a grpc-js peer ("127.0.0.1:50051", "[::1]:50051"), as server.address and server.port. */
export function peerAttributes(peer: string): Attributes {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(peer);
  if (!match?.[1] || !match[2]) return peer ? { [SERVER_ADDRESS]: peer } : {};
  return { [SERVER_ADDRESS]: match[1], [SERVER_PORT]: Number(match[2]) };
}

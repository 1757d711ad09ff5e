import { Metadata, status as GrpcStatus, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { BadRequest, RetryInfo } from "../../gen/ts/google/rpc/error_details.js";
import { Status } from "../../gen/ts/google/rpc/status.js";
import type { Any } from "../../gen/ts/google/protobuf/any.js";
import type { FieldViolation, RpcError } from "./errors.js";

/** The trailer in which gRPC carries a serialized google.rpc.Status. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

const BAD_REQUEST_TYPE_URL = "type.googleapis.com/google.rpc.BadRequest";
const RETRY_INFO_TYPE_URL = "type.googleapis.com/google.rpc.RetryInfo";
const MAX_MESSAGE_CHARS = 2000;

/** Builds the status a failed call ends with, details included, from one of our errors. */
export function rpcErrorToStatus(error: RpcError, metadata: Metadata = new Metadata()): StatusObject {
  const details: Any[] = [];
  if (error.details.fieldViolations && error.details.fieldViolations.length > 0) {
    details.push({
      typeUrl: BAD_REQUEST_TYPE_URL,
      value: Buffer.from(
        BadRequest.encode(
          BadRequest.fromPartial({
            fieldViolations: error.details.fieldViolations.map(({ field, description }) => ({ field, description })),
          }),
        ).finish(),
      ),
    });
  }
  if (error.details.retryDelayMs !== undefined) {
    details.push({
      typeUrl: RETRY_INFO_TYPE_URL,
      value: Buffer.from(RetryInfo.encode({ retryDelay: millisecondsToDuration(error.details.retryDelayMs) }).finish()),
    });
  }
  // The message travels in a header: a long one would make the trailers too large to send.
  const message = error.message.length > MAX_MESSAGE_CHARS ? `${error.message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : error.message;
  if (details.length > 0) {
    const encoded = Status.encode({ code: error.code, message, details }).finish();
    metadata.set(STATUS_DETAILS_KEY, Buffer.from(encoded));
  }
  return { code: error.code, details: message, metadata };
}

/** The rich details of a failed call, decoded from its trailers. */
export interface DecodedStatusDetails {
  readonly fieldViolations: FieldViolation[];
  /** Present when the server advised a delay before retrying. */
  readonly retryDelayMs?: number;
}

/** Reads google.rpc.BadRequest and google.rpc.RetryInfo from a failed call's trailers. */
export function readStatusDetails(error: Pick<ServiceError, "metadata">): DecodedStatusDetails {
  const raw = error.metadata.get(STATUS_DETAILS_KEY)[0];
  if (!(raw instanceof Buffer)) return { fieldViolations: [] };
  const decoded = Status.decode(raw);
  const fieldViolations: FieldViolation[] = [];
  let retryDelayMs: number | undefined;
  for (const detail of decoded.details) {
    if (detail.typeUrl === BAD_REQUEST_TYPE_URL) {
      for (const violation of BadRequest.decode(detail.value).fieldViolations) {
        fieldViolations.push({ field: violation.field, description: violation.description });
      }
    } else if (detail.typeUrl === RETRY_INFO_TYPE_URL) {
      const delay = RetryInfo.decode(detail.value).retryDelay;
      if (delay) retryDelayMs = Number(delay.seconds) * 1000 + delay.nanos / 1e6;
    }
  }
  return retryDelayMs === undefined ? { fieldViolations } : { fieldViolations, retryDelayMs };
}

/** True for an error thrown by a grpc-js client call: it carries a status code. */
export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === "number" &&
    (error as Partial<ServiceError>).metadata instanceof Metadata &&
    (error as ServiceError).code in GrpcStatus
  );
}

function millisecondsToDuration(milliseconds: number): { seconds: bigint; nanos: number } {
  const clamped = Math.max(0, Math.ceil(milliseconds));
  return { seconds: BigInt(Math.floor(clamped / 1000)), nanos: (clamped % 1000) * 1_000_000 };
}

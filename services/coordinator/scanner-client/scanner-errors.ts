import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { RpcError, type RpcErrorDetails } from "../../common/errors.js";
import { readStatusDetails, type DecodedStatusDetails } from "../../common/status-details.js";

/**
 * Codes that say the scanner itself is in trouble: down, overrun or broken. Only these open
 * the circuit. A caller's mistake (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION...)
 * proves the scanner is up and judging requests, so it must never open it. Neither does
 * RESOURCE_EXHAUSTED: that is the scanner shedding load on purpose with a RetryInfo of its
 * own, and a minute of open circuit would punish a burst far longer than it asked for.
 * UNIMPLEMENTED is left out too: a wrong address or version is not cured by waiting.
 */
const BREAKER_FAILURE_CODES: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.INTERNAL,
  GrpcStatus.UNKNOWN,
  GrpcStatus.DATA_LOSS,
]);

/** Codes worth another attempt: the same request may well succeed a moment later. */
const RETRYABLE_CODES: ReadonlySet<GrpcStatus> = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.DEADLINE_EXCEEDED]);

/** True when a failure of the scanner should count toward opening the circuit. */
export function isBreakerFailureCode(code: GrpcStatus): boolean {
  return BREAKER_FAILURE_CODES.has(code);
}

/**
 * How grpc-js reports an HTTP/2 stream that was reset without a gRPC status: INTERNAL, as the
 * gRPC spec maps RST_STREAM, though no scanner answered anything. The cluster benchmark saw
 * "Received RST_STREAM with code 0 (Call ended without gRPC status)" on a few scans in a
 * thousand, carrying 0.6–2 MB chains, with two coordinators saturating several replicas that
 * recycle their connections (GRPC_MAX_CONNECTION_AGE); never with one pair. The scanner's calls
 * are idempotent, so such a call is tried again, like one whose connection dropped.
 */
const STREAM_RESET_WITHOUT_STATUS = /^Received RST_STREAM with code \d+/;

/** True for grpc-js's INTERNAL of a stream reset without a status (see above): nothing answered, the stream is just gone. */
export function isStreamResetWithoutStatus(error: RpcError): boolean {
  return error.code === GrpcStatus.INTERNAL && STREAM_RESET_WITHOUT_STATUS.test(error.message);
}

/**
 * True when a failed attempt may be repeated. A message over the size limit also comes as
 * RESOURCE_EXHAUSTED, from grpc-js on either side, but it fails the same way every time.
 */
export function isRetryableError(error: RpcError): boolean {
  if (isStreamResetWithoutStatus(error)) return true;
  if (!RETRYABLE_CODES.has(error.code)) return false;
  return !(error.code === GrpcStatus.RESOURCE_EXHAUSTED && /message larger than max/i.test(error.message));
}

/**
 * The RpcError for a status the scanner (or grpc-js on its behalf) ended a call with: its
 * code and message as they came, its BadRequest violations and RetryInfo carried over, so
 * the coordinator can pass them on unchanged. UNKNOWN becomes INTERNAL: we never answer
 * UNKNOWN, whoever failed.
 */
export function rpcErrorFromServiceError(error: ServiceError): RpcError {
  const code = error.code === GrpcStatus.UNKNOWN || !(error.code in GrpcStatus) || error.code === GrpcStatus.OK ? GrpcStatus.INTERNAL : error.code;
  const codeName = (GrpcStatus as unknown as Record<number, string | undefined>)[error.code];
  const message = error.details || `the scanner failed with ${codeName ?? `status ${error.code}`}`;
  return new RpcError(code, message, detailsOf(error));
}

function detailsOf(error: ServiceError): RpcErrorDetails {
  let decoded: DecodedStatusDetails;
  try {
    decoded = readStatusDetails(error);
  } catch {
    // Garbled details must not hide the status itself; the code and message still stand.
    return {};
  }
  return {
    ...(decoded.fieldViolations.length > 0 ? { fieldViolations: decoded.fieldViolations } : {}),
    ...(decoded.retryDelayMs !== undefined ? { retryDelayMs: decoded.retryDelayMs } : {}),
  };
}

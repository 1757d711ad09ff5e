// What every scan handler of CoordinatorService shares: the query checked as the engine would
// check it, the cache key of one symbol's scan, violations collected field by field, a failed
// scan as the status a caller reads, and a cached answer's age. Scan, ScanBatch and
// ScanUniverse (universe/) all use them, so that one query means one thing to each.
import { status } from "@grpc/grpc-js";
import type { Duration } from "../../gen/ts/google/protobuf/duration.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { invalidArgument, RpcError, type FieldViolation } from "../common/errors.js";
import { EngineInputError, normalizedQueryKey, resolveQuery } from "../engine/index.js";
import type { ScanAnswer } from "./coordinator-scans.js";
import { durationOf } from "./jobs/scan-job.js";

/** A valid query: its cache key, and the query as kept and echoed (each strategy once, in the order first named). */
export interface ValidQuery {
  readonly key: string;
  readonly query: ScanQuery | undefined;
}

/** The query checked, or INVALID_ARGUMENT with one violation per bad field under "query.". */
export function validQuery(query: ScanQuery | undefined): ValidQuery {
  try {
    resolveQuery(query);
  } catch (error) {
    if (error instanceof EngineInputError) throw invalidArgument(error.under("query.").violations);
    throw error;
  }
  const strategies = [...new Set(query?.strategies)];
  const kept = query && strategies.length < query.strategies.length ? { ...query, strategies } : query;
  return { key: normalizedQueryKey(kept), query: kept };
}

export const scanKey = (symbol: string, key: string): string => `${symbol}\u0000${key}`;

/** The symbol a scanKey was made for. */
export const symbolOfScanKey = (key: string): string => key.slice(0, Math.max(0, key.indexOf("\u0000")));

/** The violations `check` throws, collected rather than thrown, so that every bad field is named at once. */
export function collect<T>(violations: FieldViolation[], check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (error instanceof RpcError && error.details.fieldViolations) {
      violations.push(...error.details.fieldViolations);
      return undefined;
    }
    throw error;
  }
}

/** Any error as the status a batch reports for one symbol: ours as they are, others as INTERNAL. */
export function asRpcError(error: unknown): RpcError {
  return error instanceof RpcError ? error : new RpcError(status.INTERNAL, "the scan failed unexpectedly; the coordinator's log has the details");
}

/** The age a cached answer carries on the wire; a result computed for the call has none. */
export function ageField(answer: ScanAnswer): { age?: Duration } {
  return answer.ageMs === undefined ? {} : { age: durationOf(answer.ageMs) };
}

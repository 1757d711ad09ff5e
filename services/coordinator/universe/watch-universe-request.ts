// A WatchUniverseRequest checked as ScanUniverse checks its request (universe-request.ts), with
// the bounds of a watch: at most 100 symbols, each of which runs a live market data feed for as
// long as the watch lasts, and min_interval_ms bounded as WatchSpreads bounds it. Every bad field
// is named at once.
import { status } from "@grpc/grpc-js";
import type { WatchUniverseRequest } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { invalidArgument, RpcError, type FieldViolation } from "../../common/errors.js";
import { validUniverseRequest, type ValidUniverseRequest } from "./universe-request.js";

/** Most symbols one universe watch follows: each holds a feed (and a scanner watch) open. */
export const MAX_WATCHED_SYMBOLS = 100;
/** As WatchSpreads: an hour between messages at most. */
export const MAX_WATCH_INTERVAL_MS = 3_600_000;

export interface ValidWatchUniverseRequest extends ValidUniverseRequest {
  readonly minIntervalMs: number;
}

export function validWatchUniverseRequest(request: WatchUniverseRequest): ValidWatchUniverseRequest {
  const violations: FieldViolation[] = [];
  if (request.symbols.length > MAX_WATCHED_SYMBOLS) {
    violations.push({ field: "symbols", description: `must name at most ${MAX_WATCHED_SYMBOLS} symbols in a watch; got ${request.symbols.length}` });
  }
  if (request.minIntervalMs > MAX_WATCH_INTERVAL_MS) {
    violations.push({ field: "min_interval_ms", description: `must be at most ${MAX_WATCH_INTERVAL_MS} milliseconds; got ${request.minIntervalMs}` });
  }
  let valid: ValidUniverseRequest | undefined;
  try {
    // Past the watch's bound the symbols are not looked at one by one (the scan's own bound is higher).
    const symbols = violations.some((violation) => violation.field === "symbols") ? ["SPY"] : request.symbols;
    valid = validUniverseRequest({ ...request, symbols, bypassCache: false });
  } catch (error) {
    if (!(error instanceof RpcError) || error.code !== status.INVALID_ARGUMENT) throw error;
    violations.push(...(error.details.fieldViolations ?? []));
  }
  if (violations.length > 0 || valid === undefined) throw invalidArgument(violations);
  return { ...valid, minIntervalMs: request.minIntervalMs };
}

/** A watchlist's symbols, refused when there are more than a watch follows. */
export function watchableSymbols(name: string, symbols: readonly string[]): readonly string[] {
  if (symbols.length <= MAX_WATCHED_SYMBOLS) return symbols;
  throw new RpcError(
    status.FAILED_PRECONDITION,
    `the watchlist ${JSON.stringify(name)} holds ${symbols.length} symbols; a watch follows at most ${MAX_WATCHED_SYMBOLS}`,
    {
      fieldViolations: [
        {
          field: "watchlist",
          description: `holds ${symbols.length} symbols, more than the ${MAX_WATCHED_SYMBOLS} a watch follows; scan it with ScanUniverse, or watch a smaller one`,
        },
      ],
    },
  );
}

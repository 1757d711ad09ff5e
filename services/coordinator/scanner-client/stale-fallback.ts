// The stale fallback, the original design's graceful degradation: while the scanner or the
// market is unavailable (its circuit open, say), the last result of the same scan, if it is
// recent enough, marked stale with its age.
import { status } from "@grpc/grpc-js";
import { RpcError } from "../../common/errors.js";
import type { CachedScan, ScanCache } from "../scan-cache.js";

/** The last result of the scan keyed `key` when `error` says its source is unavailable. */
export function staleFallback(cache: ScanCache, key: string, error: unknown): CachedScan | undefined {
  if (!(error instanceof RpcError) || error.code !== status.UNAVAILABLE) return undefined;
  return cache.lastResult(key);
}

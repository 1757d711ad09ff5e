// A scan result as the shared tier keeps it, and back: the ScanResult's protobuf bytes (the
// wire form every coordinator already speaks), the id of the job that made it and when.
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { CachedScan } from "../scan-cache.js";

/** A result read back, with how long Redis keeps it still (its remaining TTL). */
export interface StoredScan extends CachedScan {
  readonly remainingMs: number;
}

export function encodeStoredScan(entry: CachedScan): { result: Buffer; jobId: string; storedAt: string } {
  const bytes = ScanResult.encode(entry.result).finish();
  return { result: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), jobId: entry.jobId, storedAt: String(entry.storedAt) };
}

/**
 * The read script's reply ([result, job id, stored at, PTTL], or null) as a stored scan;
 * undefined for none, for a key without an expiry (not ours) and for bytes that do not decode.
 */
export function decodeStoredScan(reply: unknown): StoredScan | undefined {
  if (!Array.isArray(reply) || reply.length !== 4) return undefined;
  const [result, jobId, storedAt, remainingMs] = reply as unknown[];
  if (!Buffer.isBuffer(result) || !Buffer.isBuffer(jobId) || !Buffer.isBuffer(storedAt) || typeof remainingMs !== "number" || remainingMs <= 0) {
    return undefined;
  }
  const stored = Number(storedAt.toString());
  if (!Number.isFinite(stored)) return undefined;
  try {
    return { result: ScanResult.decode(result), jobId: jobId.toString(), storedAt: stored, remainingMs };
  } catch {
    return undefined;
  }
}

// The shared tier's record of a scan, and the configuration of its timings.
import { describe, expect, it } from "vitest";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { loadConfig } from "../../../services/common/config.js";
import { coordinatorConfig, coordinatorVariables } from "../../../services/coordinator/config.js";
import { decodeStoredScan, encodeStoredScan } from "../../../services/coordinator/shared-cache/stored-scan.js";

const RESULT = ScanResult.fromPartial({ symbol: "SPY", candidatesEvaluated: 1234, spreads: [{ id: "bp-1", netCredit: 0.42, pop: 0.71 }] });

/** The read script's reply for an encoded entry with `remainingMs` left. */
function replyOf(remainingMs: number): unknown[] {
  const encoded = encodeStoredScan({ result: RESULT, jobId: "job-1", storedAt: 1_700_000_000_123 });
  return [encoded.result, Buffer.from(encoded.jobId), Buffer.from(encoded.storedAt), remainingMs];
}

describe("a scan result as the shared tier stores it", () => {
  it("reads back as written, with the time Redis keeps it still", () => {
    expect(decodeStoredScan(replyOf(4500))).toEqual({ result: RESULT, jobId: "job-1", storedAt: 1_700_000_000_123, remainingMs: 4500 });
  });

  it("is nothing when absent, without an expiry (not ours) or undecodable", () => {
    expect(decodeStoredScan(null)).toBeUndefined();
    expect(decodeStoredScan(false)).toBeUndefined();
    expect(decodeStoredScan(replyOf(-1))).toBeUndefined();
    const garbled = replyOf(1000);
    garbled[0] = Buffer.from([0xff, 0xff, 0xff]);
    expect(decodeStoredScan(garbled)).toBeUndefined();
    const badTime = replyOf(1000);
    badTime[2] = Buffer.from("yesterday");
    expect(decodeStoredScan(badTime)).toBeUndefined();
  });
});

describe("the shared cache's configuration", () => {
  it("fails Redis commands after 250 ms, leases for 5 s and waits at most 15 s unless told", () => {
    expect(coordinatorConfig(loadConfig(coordinatorVariables, {})).sharedCache).toEqual({ commandTimeoutMs: 250, leaseTtlMs: 5000, leaseWaitMs: 15_000 });
    expect(
      coordinatorConfig(loadConfig(coordinatorVariables, { REDIS_COMMAND_TIMEOUT: "100ms", SCAN_LEASE_TTL: "2", SCAN_LEASE_WAIT: "1m" })).sharedCache,
    ).toEqual({ commandTimeoutMs: 100, leaseTtlMs: 2000, leaseWaitMs: 60_000 });
  });
});

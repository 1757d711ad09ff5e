// The summary line's candidate counts: the six outcomes a scan counts add up to the candidates
// it considered, so the line names the bounded-out and unexplored ones too when there are any,
// and leaves them out when there are none (the line most scans print stays as it was).
import { describe, expect, it } from "vitest";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { formatScanSummary } from "../../../services/cli/scan-table.js";

// Hand-picked counts: 1,000 + 200 + 30 + 4 = 1,234 gone through one by one, plus the bounded out and unexplored.
const counted = (boundedOut: bigint, unexplored: bigint): ScanResult =>
  ScanResult.fromPartial({
    symbol: "SPY",
    underlyingPrice: 600,
    candidatesConsidered: 1_234n + boundedOut + unexplored,
    candidatesRejectedByLegFilters: 1_000n,
    candidatesRejectedBySpreadFilters: 200n,
    candidatesRankedOut: 30n,
    candidatesFullyEvaluated: 4n,
    candidatesBoundedOut: boundedOut,
    candidatesUnexplored: unexplored,
  });

describe("the summary line's candidate counts", () => {
  it("names the bounded out and the unexplored when some were", () => {
    expect(formatScanSummary(counted(5_000n, 60n))).toContain(
      " · 6,294 candidates: 1,000 cut by leg filters, 200 by spread filters, 30 ranked out early, 4 fully evaluated, 5,000 bounded out, 60 unexplored, 0 shown · ",
    );
  });

  it("names only the bounded out when the work budget left none unexplored", () => {
    expect(formatScanSummary(counted(5_000n, 0n))).toContain(
      " · 6,234 candidates: 1,000 cut by leg filters, 200 by spread filters, 30 ranked out early, 4 fully evaluated, 5,000 bounded out, 0 shown · ",
    );
  });

  it("leaves both out when none were", () => {
    expect(formatScanSummary(counted(0n, 0n))).toContain(
      " · 1,234 candidates: 1,000 cut by leg filters, 200 by spread filters, 30 ranked out early, 4 fully evaluated, 0 shown · ",
    );
  });
});

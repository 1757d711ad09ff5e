import { SkipReason } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";

/** Counts of skipped quotes indexed by SkipReason value. */
export type SkipCounts = Float64Array;

const REASONS = Object.values(SkipReason).filter(
  (reason): reason is SkipReason => typeof reason === "number" && reason !== SkipReason.SKIP_REASON_UNSPECIFIED && reason !== SkipReason.UNRECOGNIZED,
);
const REASON_COUNT = Math.max(...REASONS) + 1;

export function newSkipCounts(): SkipCounts {
  return new Float64Array(REASON_COUNT);
}

/** The non-zero counts, in reason order, as the scan result reports them. */
export function reportedSkips(counts: SkipCounts): { reason: SkipReason; count: bigint }[] {
  const reported: { reason: SkipReason; count: bigint }[] = [];
  for (const reason of REASONS) {
    const count = counts[reason] ?? 0;
    if (count > 0) reported.push({ reason, count: BigInt(count) });
  }
  return reported;
}

// The six outcomes a scan accounts every candidate it considered under: their sum must be
// `candidates_considered` whatever the search dropped, visited or left unexplored.
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";

/** Rejected by leg filters, by spread filters, ranked out, fully evaluated, bounded out and unexplored, summed. */
export function summedOutcomes(result: ScanResult): bigint {
  return (
    result.candidatesRejectedByLegFilters +
    result.candidatesRejectedBySpreadFilters +
    result.candidatesRankedOut +
    result.candidatesFullyEvaluated +
    result.candidatesBoundedOut +
    result.candidatesUnexplored
  );
}

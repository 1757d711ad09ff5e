// The "nothing qualified" line: the filters that rejected candidates, most first, named by
// their flags, with counts summed over the results given (a universe's symbols).
import { describe, expect, it } from "vitest";
import { ScanUniverseResponse, SymbolScanState } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { formatUniverse } from "../../../services/cli/commands/universe-format.js";
import { formatRejectionsLine } from "../../../services/cli/rejections-line.js";
import { formatScanTable } from "../../../services/cli/scan-table.js";

describe("the nothing-qualified line", () => {
  it("names the filters as flags, most rejections first", () => {
    const line = formatRejectionsLine([
      { filter: "max_short_delta", candidates: 6_789n },
      { filter: "min_pop", candidates: 12_345n },
      { filter: "no_spread", candidates: 3n },
      { filter: "exclude_earnings_before_expiry", candidates: 40n },
    ]);
    expect(line).toBe(
      "nothing qualified: --min-pop rejected 12,345, --max-short-delta 6,789, --exclude-earnings-before-expiry 40, no spread (nothing to gain or nothing at risk) 3",
    );
  });

  it("sums a filter over several results, and says nothing when no filter rejected anything", () => {
    expect(
      formatRejectionsLine([{ filter: "min_volume", candidates: 5n }], [{ filter: "min_volume", candidates: 7n }], [{ filter: "min_credit", candidates: 9n }]),
    ).toBe("nothing qualified: --min-volume rejected 12, --min-credit 9");
    expect(formatRejectionsLine([], [])).toBeUndefined();
  });

  it("names a filter by the flag that loosens it where that is not the field's name", () => {
    expect(
      formatRejectionsLine([
        { filter: "short_strikes_out_of_the_money", candidates: 30n },
        { filter: "max_max_loss", candidates: 20n },
        { filter: "max_quote_age", candidates: 10n },
      ]),
    ).toBe("nothing qualified: --no-short-strikes-out-of-the-money rejected 30, --max-max-loss 20, --max-quote-age 10");
  });

  it("follows the table's no-spreads line, and only when the top N is empty", () => {
    const empty = ScanResult.fromPartial({ symbol: "SPY", underlyingPrice: 600, rejectionsByFilter: [{ filter: "min_pop", candidates: 2n }] });
    expect(formatScanTable(empty).endsWith("\nNo spreads passed the filters.\nnothing qualified: --min-pop rejected 2\n")).toBe(true);
  });

  it("sums a universe's symbols on the line under its empty table", () => {
    const scanned = (symbol: string, filter: string, candidates: bigint) => ({
      symbol,
      state: SymbolScanState.SYMBOL_SCAN_STATE_SCANNED,
      result: { symbol, rejectionsByFilter: [{ filter, candidates }] },
    });
    const response = ScanUniverseResponse.fromPartial({
      symbols: [scanned("SPY", "min_pop", 1_000n), scanned("QQQ", "min_volume", 1_500n), scanned("IWM", "min_pop", 600n)],
    });
    expect(formatUniverse(response, 0, {}, undefined)).toContain(
      "\nNo spreads passed the filters.\nnothing qualified: --min-pop rejected 1,600, --min-volume 1,500\n",
    );
  });
});

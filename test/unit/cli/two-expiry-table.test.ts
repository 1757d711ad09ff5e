// The results table with calendars and diagonals in it: their back (bought) expiry and its DTE
// get columns of their own, and a result without a two-expiry spread keeps the layout it
// always had (scripts and eyes read it by position).
import { describe, expect, it } from "vitest";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { LegAction, Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { ProbabilityModel, ScanFilters, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { appliedQueryParts } from "../../../services/cli/applied-query.js";
import { formatScanTable } from "../../../services/cli/scan-table.js";
import { ALL_STRATEGIES } from "../../../services/engine/index.js";

const leg = (action: LegAction, right: OptionRight, strike: number, expiryDate: string) => ({ action, right, strike, expiryDate, quantity: 1 });

const vertical = Spread.fromPartial({
  id: "v",
  strategy: Strategy.STRATEGY_BULL_PUT,
  symbol: "SPY",
  expiryDate: "2025-06-27",
  dte: 20,
  legs: [
    leg(LegAction.LEG_ACTION_SELL, OptionRight.OPTION_RIGHT_PUT, 590, "2025-06-27"),
    leg(LegAction.LEG_ACTION_BUY, OptionRight.OPTION_RIGHT_PUT, 585, "2025-06-27"),
  ],
  netCredit: 1.25,
  breakevens: [588.745],
  maxProfit: 125,
  maxLoss: 375,
  pop: 0.7,
});

const calendar = Spread.fromPartial({
  id: "c",
  strategy: Strategy.STRATEGY_CALL_CALENDAR,
  symbol: "SPY",
  expiryDate: "2025-06-27",
  dte: 20,
  backExpiryDate: "2025-07-25",
  backDte: 48,
  legs: [
    leg(LegAction.LEG_ACTION_SELL, OptionRight.OPTION_RIGHT_CALL, 600, "2025-06-27"),
    leg(LegAction.LEG_ACTION_BUY, OptionRight.OPTION_RIGHT_CALL, 600, "2025-07-25"),
  ],
  netCredit: -3.2,
  breakevens: [590.3249, 611.0051],
  maxProfit: 210,
  maxLoss: 320,
  pop: 0.45,
});

const result = (spreads: Spread[]): ScanResult => ScanResult.fromPartial({ symbol: "SPY", underlyingPrice: 598, spreads });

/** The table's header row, its cells with the runs of spaces between them squeezed to one. */
function headerRow(text: string): string {
  const line = text.split("\n").find((row) => row.includes("strategy"));
  return (line ?? "").trim().replace(/\s{2,}/g, " | ");
}

/** The cells of the row whose rank is `rank`. */
function row(text: string, rank: number): string[] {
  const line = text.split("\n").find((candidate) => new RegExp(`^\\s*${rank}\\s`).test(candidate));
  return (line ?? "").trim().split(/\s{2,}/);
}

describe("scan table with two-expiry spreads", () => {
  it("keeps the single-expiry layout when no spread has a back expiry", () => {
    const text = formatScanTable(result([vertical]));
    expect(headerRow(text)).toBe(
      "# | strategy | expiry | DTE | strikes | credit | max profit | max loss | breakevens | POP | touch | σ | σ dist | EV | RoR | score | OI",
    );
    expect(text).not.toContain("back");
    expect(row(text, 1)[8]).toBe("588.745");
  });

  it("adds the back expiry and its DTE beside the front's, with a dash for a single-expiry spread", () => {
    const text = formatScanTable(result([calendar, vertical]));
    expect(headerRow(text)).toBe(
      "# | strategy | expiry | DTE | back expiry | back DTE | strikes | credit | max profit | max loss | breakevens | POP | touch | σ | σ dist | EV | RoR | score | OI",
    );
    expect(row(text, 1).slice(0, 8)).toEqual(["1", "call-calendar", "2025-06-27", "20", "2025-07-25", "48", "600/600", "-3.20"]);
    expect(row(text, 2).slice(0, 8)).toEqual(["2", "bull-put", "2025-06-27", "20", "–", "–", "590/585", "1.25"]);
    // Root-found breakevens to the cent; a vertical's keep their half cents.
    expect(row(text, 1)[10]).toBe("590.32/611.01");
  });

  it("keeps the back expiry when a narrow terminal drops columns", () => {
    const text = formatScanTable(result([calendar]), { width: 90 });
    expect(text).toMatch(/too narrow for: /);
    expect(headerRow(text)).toContain("back expiry | back DTE");
    expect(row(text, 1)).toContain("2025-07-25");
  });
});

describe("the query line of a two-expiry scan", () => {
  const parts = (strategies: Strategy[], filters: Partial<ScanFilters> = {}): string[] =>
    appliedQueryParts(
      ScanQuery.fromPartial({ strategies, filters: ScanFilters.fromPartial(filters), probabilityModel: ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV }),
    );

  it("bounds the back expiry beside the front's", () => {
    expect(parts([Strategy.STRATEGY_PUT_DIAGONAL], { minDte: 20, maxDte: 40, minBackDte: 45, maxBackDte: 90 })).toEqual(
      expect.arrayContaining(["DTE 20–40", "back DTE 45–90", "put-diagonal"]),
    );
    expect(parts([Strategy.STRATEGY_CALL_CALENDAR], { maxBackDte: 75 })).toContain("back DTE ≤ 75");
  });

  it("leaves out the width bound for calendars alone, which have none, and keeps it when a diagonal is among them", () => {
    expect(parts([Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_CALENDAR], { maxWidth: 12 }).join(" · ")).not.toContain("width");
    expect(parts([Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_CALL_DIAGONAL], { maxWidth: 12 })).toContain("width ≤ $12");
    expect(parts([], { maxWidth: 12 })).toContain("width ≤ $12");
  });

  it("says 'all strategies' for the six single-expiry ones only, not when a calendar is among them", () => {
    expect(parts([...ALL_STRATEGIES])).toContain("all strategies");
    const withCalendar = parts([...ALL_STRATEGIES, Strategy.STRATEGY_CALL_CALENDAR]);
    expect(withCalendar).not.toContain("all strategies");
    expect(withCalendar.join(" · ")).toContain("iron-butterfly, call-calendar");
  });
});

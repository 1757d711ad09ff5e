// The CLI's side of earnings and ex-dividend dates: the two exclude flags (sent only when
// given), and the table's markers, legend and one "events unknown" note.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { MarketContext, ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { LegAction, Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { addQueryFlags, scanQueryFromFlags } from "../../../services/cli/query-flags.js";
import { flagForQueryField } from "../../../services/cli/query-violation-lines.js";
import { formatScanTable } from "../../../services/cli/scan-table.js";

const flagsOf = (args: readonly string[]) => {
  const command = addQueryFlags(new Command("scan")).exitOverride();
  command.parse([...args], { from: "user" });
  return scanQueryFromFlags(command.opts()).filters;
};

describe("--exclude-earnings-before-expiry and --exclude-ex-dividend-before-expiry", () => {
  it("set their filters only when given", () => {
    expect(flagsOf(["--exclude-earnings-before-expiry"])?.excludeEarningsBeforeExpiry).toBe(true);
    expect(flagsOf(["--exclude-earnings-before-expiry"])?.excludeExDividendBeforeExpiry).toBeUndefined();
    expect(flagsOf(["--exclude-ex-dividend-before-expiry"])?.excludeExDividendBeforeExpiry).toBe(true);
    expect(flagsOf([])?.excludeEarningsBeforeExpiry).toBeUndefined();
    expect(flagForQueryField("filters.exclude_earnings_before_expiry")).toBe("--exclude-earnings-before-expiry");
  });
});

const leg = (action: LegAction, right: OptionRight, strike: number) => ({ action, right, strike, expiryDate: "2026-12-18", quantity: 1 });
const bearCall = Spread.fromPartial({
  id: "c",
  strategy: Strategy.STRATEGY_BEAR_CALL,
  symbol: "SPY",
  expiryDate: "2026-12-18",
  legs: [leg(LegAction.LEG_ACTION_SELL, OptionRight.OPTION_RIGHT_CALL, 610), leg(LegAction.LEG_ACTION_BUY, OptionRight.OPTION_RIGHT_CALL, 615)],
  earningsBeforeExpiry: true,
  exDividendBeforeExpiry: true,
  earlyAssignmentRisk: true,
});
const bullPut = Spread.fromPartial({
  id: "p",
  strategy: Strategy.STRATEGY_BULL_PUT,
  symbol: "SPY",
  expiryDate: "2026-12-11",
  legs: [leg(LegAction.LEG_ACTION_SELL, OptionRight.OPTION_RIGHT_PUT, 590), leg(LegAction.LEG_ACTION_BUY, OptionRight.OPTION_RIGHT_PUT, 585)],
  earningsBeforeExpiry: false,
  exDividendBeforeExpiry: false,
  earlyAssignmentRisk: false,
});

describe("the scan table's events", () => {
  it("marks flagged spreads E, D and A in a column of their own, with a legend, and names the source and next dates once", () => {
    const text = formatScanTable(
      ScanResult.fromPartial({
        symbol: "SPY",
        spreads: [bearCall, bullPut],
        marketContext: MarketContext.fromPartial({ eventsSource: "file", nextEarningsDate: "2026-12-16", nextExDividendDate: "2026-12-14" }),
      }),
    );
    const lines = text.split("\n");
    expect(lines[0]).toContain("events (file): next earnings 2026-12-16, ex-dividend 2026-12-14");
    const header = lines.find((line) => line.includes("strategy"))!;
    expect(header).toMatch(/strikes\s+events/);
    expect(lines.find((line) => line.includes("bear-call"))).toMatch(/610\/615\s+EDA\s/);
    expect(lines.find((line) => line.includes("bull-put"))).toMatch(/590\/585\s{2,}|585\/590\s{2,}/);
    expect(text).toContain("events: E earnings before expiry · D ex-dividend before expiry · A early-assignment risk");
  });

  it("says once that events are unknown, with no column and no legend", () => {
    const unknown = (spread: Spread) =>
      Spread.fromPartial({ ...spread, earningsBeforeExpiry: undefined, exDividendBeforeExpiry: undefined, earlyAssignmentRisk: undefined });
    const text = formatScanTable(
      ScanResult.fromPartial({ symbol: "SPY", spreads: [unknown(bearCall), unknown(bullPut)], marketContext: MarketContext.fromPartial({}) }),
    );
    expect(text.match(/events unknown/g)).toHaveLength(1);
    expect(text).not.toMatch(/\bevents\b(?! unknown)/);
  });
});

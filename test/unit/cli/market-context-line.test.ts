// The context line above a scan table: the 30-day σ, IV rank and percentile with the history
// they came from, and the expected move to the top spread's expiration; unknown said so.
import { describe, expect, it } from "vitest";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { formatMarketContextLine } from "../../../services/cli/market-context-line.js";

const expiries = [
  { expiryDate: "2026-12-04", dte: 14, timeToExpiryYears: 0.04, straddleExpectedMove: 6.2, oneSigmaExpectedMove: 6.5 },
  { expiryDate: "2026-12-18", dte: 28, timeToExpiryYears: 0.08, straddleExpectedMove: 8.1, oneSigmaExpectedMove: 8.45 },
  { expiryDate: "2027-01-15", dte: 56, timeToExpiryYears: 0.15 },
];

describe("the market context line", () => {
  it("shows the 30-day σ, rank and percentile of the history, and the top spread's expected moves", () => {
    const result = ScanResult.fromPartial({
      symbol: "SPY",
      spreads: [{ expiryDate: "2026-12-04" }],
      marketContext: { atmImpliedVolatility30d: 0.1824, ivRank: 0.414, ivPercentile: 0.553, ivHistoryDays: 252, ivHistorySource: "simulated", expiries },
    });
    expect(formatMarketContextLine(result)).toBe(
      "SPY 30d IV 18.2% · IV rank 41% (252 d, simulated) · IV pct 55% · move to 2026-12-04 ±$6.20 straddle / ±$6.50 1σ",
    );
  });

  it("says unknown for what the scan could not know, and without spreads shows the expiration nearest 30 days", () => {
    const result = ScanResult.fromPartial({ symbol: "IWM", marketContext: { ivHistoryDays: 120, ivHistorySource: "ibkr", expiries } });
    expect(formatMarketContextLine(result)).toBe(
      "IWM 30d IV unknown · IV rank unknown (120 d, ibkr) · IV pct unknown · move to 2026-12-18 ±$8.10 straddle / ±$8.45 1σ",
    );
    const bare = ScanResult.fromPartial({ symbol: "QQQ", marketContext: { expiries: [expiries[2]!] } });
    expect(formatMarketContextLine(bare)).toBe(
      "QQQ 30d IV unknown · IV rank unknown (no history) · IV pct unknown · move to 2027-01-15 unknown straddle / unknown 1σ",
    );
  });
});

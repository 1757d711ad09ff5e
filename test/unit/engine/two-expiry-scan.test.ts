// A call calendar through the whole scan, from quotes to the described spread, against the
// figures worked by hand in two-expiry-math.test.ts ("match a call calendar worked out by
// hand"): the same market, here as a chain whose as-of is 16:00 New York on 2026-11-20, so
// that the front (2026-12-20) is exactly 30 days out and the back (2027-01-17) 58.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ProbabilityModel, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { scanChain } from "../../../services/engine/index.js";

const call = (
  expiryDate: string,
  bid: number,
  ask: number,
  impliedVolatility: number,
  greeks: { delta: number; gamma: number; theta: number; vega: number },
): OptionQuote =>
  OptionQuote.fromPartial({
    expiryDate,
    strike: 100,
    right: OptionRight.OPTION_RIGHT_CALL,
    bid,
    ask,
    impliedVolatility,
    greeks,
    openInterest: 500n,
    volume: 50n,
  });

const chain = OptionChain.fromPartial({
  symbol: "HAND",
  underlyingPrice: 100,
  // 21:00 UTC is 16:00 in New York in November (EST).
  asOf: new Date("2026-11-20T21:00:00Z"),
  rate: 0.05,
  dividendYield: 0.01,
  multiplier: 100,
  quotes: [
    // Sold at the mid 2.05, bought at the mid 3.55: a $1.50 debit.
    call("2026-12-20", 2.0, 2.1, 0.2, { delta: 0.52, gamma: 0.07, theta: -0.05, vega: 0.11 }),
    call("2027-01-17", 3.5, 3.6, 0.22, { delta: 0.54, gamma: 0.05, theta: -0.035, vega: 0.16 }),
  ],
});

describe("a call calendar scanned from its quotes", () => {
  it("is described with both expirations, its legs and the hand-worked figures", () => {
    const result = scanChain(
      chain,
      ScanQuery.fromPartial({
        strategies: [Strategy.STRATEGY_CALL_CALENDAR],
        // The strike is at the money: allowed as a short. The front leg's own σ is 20%.
        filters: { shortStrikesOutOfTheMoney: false },
        probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
      }),
    );
    expect(result.spreads).toHaveLength(1);
    const spread = result.spreads[0]!;
    expect(spread.id).toBe("HAND:2026-12-20/2027-01-17:CALL_CALENDAR:100");
    expect([spread.expiryDate, spread.dte, spread.backExpiryDate, spread.backDte]).toEqual(["2026-12-20", 30, "2027-01-17", 58]);
    expect(spread.legs.map((leg) => [leg.action, leg.expiryDate, leg.strike])).toEqual([
      [LegAction.LEG_ACTION_SELL, "2026-12-20", 100],
      [LegAction.LEG_ACTION_BUY, "2027-01-17", 100],
    ]);
    expect(spread.netCredit).toBeCloseTo(-1.5, 12);
    expect(spread.width).toBe(0);
    // Hand-worked (python3, math module only), per share × 100.
    expect(spread.maxProfit).toBeCloseTo(108.10750654, 6);
    expect(spread.maxLoss).toBeCloseTo(149.99999869, 6);
    expect(spread.breakevens[0]).toBeCloseTo(97.617014168, 8);
    expect(spread.breakevens[1]).toBeCloseTo(102.854584491, 8);
    expect(spread.pop).toBeCloseTo(0.3514271789, 9);
    expect(spread.expectedValue).toBeCloseTo(-29.73509499, 6);
    expect(spread.returnOnRisk).toBeCloseTo(108.10750654 / 149.99999869, 8);
    // The short strike is at the spot: touched already.
    expect(spread.probabilityOfTouch).toBe(1);
    expect(spread.volatility).toBe(0.2);
    // Bought minus sold.
    expect(spread.netGreeks?.delta).toBeCloseTo(0.02, 12);
    expect(spread.netGreeks?.gamma).toBeCloseTo(-0.02, 12);
    expect(spread.netGreeks?.theta).toBeCloseTo(0.015, 12);
    expect(spread.netGreeks?.vega).toBeCloseTo(0.05, 12);
    expect(result.candidatesConsidered).toBe(1n);
    expect(result.candidatesFullyEvaluated).toBe(1n);
  });

  it("is not scanned when no strategy is named, nor past the default back range", () => {
    expect(scanChain(chain, ScanQuery.fromPartial({ filters: { shortStrikesOutOfTheMoney: false } })).spreads).toEqual([]);
    // A back expiry 58 days out is more than 60 days after no front here, but max_back_dte can exclude it.
    const capped = scanChain(
      chain,
      ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_CALENDAR], filters: { shortStrikesOutOfTheMoney: false, maxBackDte: 57 } }),
    );
    expect(capped.spreads).toEqual([]);
    expect(capped.candidatesConsidered).toBe(0n);
  });
});

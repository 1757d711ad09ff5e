// The queries the CLI tests send through the coordinator, as flags and as the ScanQuery they
// stand for, what the engine must keep within them, and what a bare query applies.
import { expect } from "vitest";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";

/** SPY's price in the fixed market: each short strike of QUERY must be out of the money against it. */
const SPOT = 600;

// One query, as flags and as the ScanQuery they stand for; bounded so a scan takes a moment.
export const QUERY_FLAGS = [
  ["--strategy", "bull-put", "--strategy", "BEAR_CALL,iron-condor"],
  ["--min-dte", "20", "--max-dte", "50"],
  ["--min-width", "2", "--max-width", "10"],
  ["--min-pop", "0.6", "--max-short-delta", "0.3"],
  ["--max-loss", "900", "--min-open-interest", "10", "--max-per-expiry", "3"],
  ["--pricing", "natural", "--sort", "pop", "--limit", "12"],
].flat();
export const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_IRON_CONDOR],
  filters: { minDte: 20, maxDte: 50, minWidth: 2, maxWidth: 10, minPop: 0.6, maxShortDelta: 0.3, maxMaxLoss: 900, minOpenInterest: 10n, maxPerExpiry: 3 },
  pricing: PricingMode.PRICING_MODE_NATURAL,
  sort: SortKey.SORT_KEY_POP,
  limit: 12,
});
/** A small, quick query for the commands whose output is not about the spreads. */
export const QUICK_FLAGS = ["--strategy", "bull-put", "--max-dte", "30", "--max-width", "5", "--limit", "4"];
export const QUICK_QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 30, maxWidth: 5 }, limit: 4 });

export function expectFiltersHold(spreads: readonly Spread[]): void {
  const perExpiry = new Map<string, number>();
  for (const spread of spreads) {
    expect([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_IRON_CONDOR]).toContain(spread.strategy);
    expect(spread.dte).toBeGreaterThanOrEqual(20);
    expect(spread.dte).toBeLessThanOrEqual(50);
    const strikes = spread.legs.map((leg) => leg.strike);
    const wings = strikes.length === 4 ? [strikes[1]! - strikes[0]!, strikes[3]! - strikes[2]!] : [strikes[1]! - strikes[0]!];
    for (const wing of wings) {
      expect(wing).toBeGreaterThanOrEqual(2);
      expect(wing).toBeLessThanOrEqual(10);
    }
    expect(spread.pop).toBeGreaterThanOrEqual(0.6);
    expect(spread.maxLoss).toBeLessThanOrEqual(900);
    for (const leg of spread.legs) {
      expect(leg.openInterest).toBeGreaterThanOrEqual(10n);
      if (leg.action !== LegAction.LEG_ACTION_SELL) continue;
      expect(Math.abs(leg.greeks?.delta ?? 0)).toBeLessThanOrEqual(0.3);
      if (leg.right === OptionRight.OPTION_RIGHT_PUT) expect(leg.strike).toBeLessThan(SPOT);
      else expect(leg.strike).toBeGreaterThan(SPOT);
    }
    perExpiry.set(spread.expiryDate, (perExpiry.get(spread.expiryDate) ?? 0) + 1);
  }
  expect(Math.max(...perExpiry.values())).toBeLessThanOrEqual(3);
  const pops = spreads.map((spread) => spread.pop);
  expect(pops).toEqual([...pops].sort((a, b) => b - a));
}

/**
 * What a bare query applies, worked out from the documented rules rather than asked of the
 * engine: DTE 7–60, short |Δ| ≥ 0.10, wings up to 2% of the price in whole strike increments
 * (the fixed SPY, QQQ and IWM list $1 strikes: $12 at $600, $10 at $520, $5 at $230), all six
 * strategies, by score at mid, the best 20, weights 0.5/0.3/0.2, shorts out of the money,
 * each expiration's at-the-money σ.
 */
export function defaultsJson(maxWidth: number): Record<string, unknown> {
  return {
    strategies: ["STRATEGY_BULL_PUT", "STRATEGY_BEAR_CALL", "STRATEGY_BULL_CALL", "STRATEGY_BEAR_PUT", "STRATEGY_IRON_CONDOR", "STRATEGY_IRON_BUTTERFLY"],
    filters: { minDte: 7, maxDte: 60, minShortDelta: 0.1, maxWidth, shortStrikesOutOfTheMoney: true },
    sort: "SORT_KEY_SCORE",
    pricing: "PRICING_MODE_MID",
    limit: 20,
    scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
    probabilityModel: "PROBABILITY_MODEL_EXPIRY_ATM_IV",
  };
}
export const defaultsText = (maxWidth: number): string => `DTE 7–60 · short |Δ| ≥ 0.10 · width ≤ $${maxWidth} · all strategies · by score · σ ATM per expiry`;

/**
 * Iron condors with wings up to $1,000 on a full chain: once refused as broader than the engine
 * could bound, now answered, whole groups of candidates bounded out.
 */
export const BROAD_FLAGS = ["--strategy", "iron-condor", "--max-width", "1000"];
/** A query the engine refuses on its own, whatever its breadth: a DTE range that is empty. */
export const REFUSED_FLAGS = ["--min-dte", "40", "--max-dte", "30"];
export const REFUSED_QUERY = ScanQuery.fromPartial({ filters: { minDte: 40, maxDte: 30 } });
/** The one violation of REFUSED_FLAGS, as the CLI prints it, naming its flags. */
export const REFUSAL = "--min-dte: must not be above --max-dte (40 > 30)";

// The reference's own reading of scan_result.proto's MarketContext, as the definitions word
// it, sharing nothing with services/engine/market-context: each expiration's at-the-money σ by
// sorting its strikes by distance from the forward, the 30-day σ in total variance, and IV
// rank and percentile over the last 252 days before the chain's date. The property tests use
// it to apply the IV rank and percentile filters independently.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanFilters } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { newYorkDate } from "../../services/engine/new-york-time.js";
import { forward } from "../../services/engine/terminal-distribution.js";
import type { Expiry } from "./reference-legs.js";

export interface ReferenceStanding {
  atm30d: number | undefined;
  ivRank: number | undefined;
  ivPercentile: number | undefined;
}

/** The at-the-money σ of an expiration: at the strike nearest the forward with a quote (the lower on a tie), the mean of its call's and put's. */
export function referenceAtmVolatility(chain: OptionChain, expiry: Expiry): { strike: number; volatility: number } | undefined {
  const forwardPrice = forward(chain.underlyingPrice, chain.rate, chain.dividendYield, expiry.years);
  const legs = [...expiry.calls, ...expiry.puts];
  const strikes = [...new Set(legs.map((leg) => leg.strike))].sort((a, b) => Math.abs(a - forwardPrice) - Math.abs(b - forwardPrice) || a - b);
  if (strikes.length === 0) return undefined;
  const at = legs.filter((leg) => leg.strike === strikes[0]).map((leg) => leg.iv);
  return { strike: strikes[0]!, volatility: at.reduce((sum, iv) => sum + iv, 0) / at.length };
}

export function referenceStanding(chain: OptionChain, expiries: readonly Expiry[]): ReferenceStanding {
  const target = 30 / 365;
  const points = expiries
    .map((expiry) => ({ years: expiry.years, atm: referenceAtmVolatility(chain, expiry) }))
    .filter((point) => point.atm !== undefined && point.years > 0)
    .map((point) => ({ years: point.years, variance: point.atm!.volatility ** 2 * point.years, volatility: point.atm!.volatility }));
  const before = points.filter((point) => point.years < target).at(-1);
  const after = points.find((point) => point.years >= target);
  let atm30d: number | undefined;
  if (before && after) {
    const variance = before.variance + ((after.variance - before.variance) * (target - before.years)) / (after.years - before.years);
    atm30d = Math.sqrt(variance / target);
  } else atm30d = (before ?? after)?.volatility;
  const chainDate = newYorkDate(chain.asOf as Date);
  const days = (chain.impliedVolatilityHistory?.days ?? []).filter((day) => day.date < chainDate).map((day) => day.impliedVolatility);
  const window = days.slice(-252);
  if (atm30d === undefined || window.length < 200) return { atm30d, ivRank: undefined, ivPercentile: undefined };
  const low = Math.min(...window, atm30d);
  const high = Math.max(...window, atm30d);
  return {
    atm30d,
    ivRank: high === low ? 0.5 : (atm30d - low) / (high - low),
    ivPercentile: window.filter((value) => value < atm30d).length / window.length,
  };
}

/** Whether the symbol passes the IV rank and percentile filters: an unknown value fails any bound on it. */
/** The first symbol filter failed, by its ScanFilters name: rank bounds before percentile bounds, floors before ceilings. */
export function referenceSymbolFailure(standing: ReferenceStanding, f: Partial<ScanFilters>): string | undefined {
  const { ivRank, ivPercentile } = standing;
  if (f.minIvRank !== undefined && !(ivRank !== undefined && ivRank >= f.minIvRank)) return "min_iv_rank";
  if (f.maxIvRank !== undefined && !(ivRank !== undefined && ivRank <= f.maxIvRank)) return "max_iv_rank";
  if (f.minIvPercentile !== undefined && !(ivPercentile !== undefined && ivPercentile >= f.minIvPercentile)) return "min_iv_percentile";
  if (f.maxIvPercentile !== undefined && !(ivPercentile !== undefined && ivPercentile <= f.maxIvPercentile)) return "max_iv_percentile";
  return undefined;
}

export function referenceSymbolPasses(standing: ReferenceStanding, f: Partial<ScanFilters>): boolean {
  const within = (value: number | undefined, min: number | undefined, max: number | undefined): boolean =>
    (min === undefined && max === undefined) || (value !== undefined && (min === undefined || value >= min) && (max === undefined || value <= max));
  return within(standing.ivRank, f.minIvRank, f.maxIvRank) && within(standing.ivPercentile, f.minIvPercentile, f.maxIvPercentile);
}

// The σ of each expiration's distribution, as the query's probability model chooses it
// (docs/architecture.md, "Spread math"): one σ shared by every spread of the expiration, so that
// a search compares their prices, not their models. By default it is the expiration's
// at-the-money implied volatility; a caller may give their own; or, for comparison with
// brokers' "probability OTM", each spread's short legs give theirs (no σ is shared).
import { ProbabilityModel } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { VolatilitySource, type ExpiryDistribution } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { ExpirySlice, LegTable } from "./prepared-chain.js";
import type { ResolvedQuery } from "./resolved-query.js";
import { lowerBound } from "./strike-search.js";

export interface ExpiryVolatility {
  /** Annualised σ shared by the expiration's spreads; NaN when there is none. */
  readonly volatility: number;
  readonly source: VolatilitySource;
  /** The strike whose implied volatility gave σ; NaN unless the source is at the money. */
  readonly strike: number;
}

const NO_STRIKE = -1;

/**
 * The σ a query judges an expiration's spreads under. `forwardPrice` is the expiration's
 * forward; quotes older than `freshFromMs` (epoch milliseconds) are not usable.
 */
export function expiryVolatility(query: ResolvedQuery, expiry: ExpirySlice, forwardPrice: number, freshFromMs: number): ExpiryVolatility {
  switch (query.probabilityModel) {
    case ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY:
      return { volatility: query.callerVolatility, source: VolatilitySource.VOLATILITY_SOURCE_CALLER, strike: Number.NaN };
    case ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV:
      return { volatility: Number.NaN, source: VolatilitySource.VOLATILITY_SOURCE_SHORT_LEG, strike: Number.NaN };
    default:
      return atTheMoneyVolatility(expiry, forwardPrice, freshFromMs);
  }
}

/**
 * The expiration's at-the-money implied volatility: at the strike nearest the forward (the
 * lower one on a tie) among those with a usable quote, the mean of the call's and the put's
 * where both are usable, else the one that is. A prepared side holds exactly the quotes that
 * were not skipped, with the chain's implied volatility or one computed from the mid, so
 * usable here means not older than `freshFromMs`. (The nearest listed strike, when neither
 * of its quotes is usable, gives way to the nearest strike with a usable quote: the same
 * strike this finds.) No σ when no quote is usable; the expiration then has no spreads.
 */
export function atTheMoneyVolatility(expiry: ExpirySlice, forwardPrice: number, freshFromMs: number): ExpiryVolatility {
  const call = nearestUsable(expiry.calls, forwardPrice, freshFromMs);
  const put = nearestUsable(expiry.puts, forwardPrice, freshFromMs);
  if (call === NO_STRIKE && put === NO_STRIKE) {
    return { volatility: Number.NaN, source: VolatilitySource.VOLATILITY_SOURCE_UNSPECIFIED, strike: Number.NaN };
  }
  const callStrike = call === NO_STRIKE ? Number.NaN : (expiry.calls.strike[call] as number);
  const putStrike = put === NO_STRIKE ? Number.NaN : (expiry.puts.strike[put] as number);
  // The nearest usable strike of either side; a usable quote of the other side at that strike
  // would be that side's nearest too, so comparing the two nearest strikes is enough.
  let strike: number;
  if (call === NO_STRIKE) strike = putStrike;
  else if (put === NO_STRIKE) strike = callStrike;
  else strike = nearer(callStrike, putStrike, forwardPrice);
  const callVolatility = callStrike === strike ? (expiry.calls.impliedVolatility[call] as number) : Number.NaN;
  const putVolatility = putStrike === strike ? (expiry.puts.impliedVolatility[put] as number) : Number.NaN;
  if (Number.isNaN(putVolatility)) return { volatility: callVolatility, source: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_CALL, strike };
  if (Number.isNaN(callVolatility)) return { volatility: putVolatility, source: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_PUT, strike };
  return { volatility: 0.5 * (callVolatility + putVolatility), source: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_MEAN, strike };
}

/** The one of two strikes nearer `target`, the lower one when they are equally near. */
export function nearer(a: number, b: number, target: number): number {
  const distanceA = Math.abs(a - target);
  const distanceB = Math.abs(b - target);
  if (distanceA !== distanceB) return distanceA < distanceB ? a : b;
  return Math.min(a, b);
}

/** The index of the usable quote whose strike is nearest `target` (the lower on a tie), or NO_STRIKE. */
function nearestUsable(table: LegTable, target: number, freshFromMs: number): number {
  const count = table.count;
  const usable = (leg: number): boolean => !((table.quoteTimeMs[leg] as number) < freshFromMs);
  const first = lowerBound(table.strike, count, target, 0);
  let below = first - 1;
  while (below >= 0 && !usable(below)) below--;
  let above = first;
  while (above < count && !usable(above)) above++;
  if (below < 0) return above < count ? above : NO_STRIKE;
  if (above >= count) return below;
  return nearer(table.strike[below] as number, table.strike[above] as number, target) === table.strike[below] ? below : above;
}

/** What a result says of an expiration's distribution. */
export function describeDistribution(expiry: ExpirySlice, forwardPrice: number, chosen: ExpiryVolatility): ExpiryDistribution {
  return {
    expiryDate: expiry.expiryDate,
    dte: expiry.dte,
    timeToExpiryYears: expiry.years,
    forward: forwardPrice,
    volatility: Number.isNaN(chosen.volatility) ? undefined : chosen.volatility,
    volatilitySource: chosen.source,
    strike: Number.isNaN(chosen.strike) ? undefined : chosen.strike,
  };
}

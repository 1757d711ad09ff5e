// The synthetic market's past: a daily close of each underlying's 30-day at-the-money implied
// volatility, consistent with the chains the model prices today. The chains are priced off
// the profile's smile, whose one-month at-the-money level is `profile.atmVolatility`; the
// history wanders around that level as a mean-reverting log-volatility (a discrete
// Ornstein–Uhlenbeck process):
//
//   σ_d = σ̄ · exp(s·x_d − s²/2),   x_d = √(1 − φ²) · Σ_{k=0}^{M−1} φ^k · ε_{d−k}
//
// with σ̄ the profile's level, s the spread of log-volatility, φ its day-to-day persistence
// (e^(−1/τ) for a mean-reversion time of τ trading days), ε_d a standard normal drawn from the
// seed, the symbol and the date d alone, and k counting trading days back. x_d is stationary
// with mean 0 and variance 1 − φ^(2M) ≈ 1, so E[σ_d] = σ̄: the history's mean is the
// market's own level. Because each day's value depends only on (seed, symbol, date), the
// history asked for on any day agrees with the one asked for on any other where they overlap,
// and a restart or a second coordinator computes the same numbers.
import { ContractRandom } from "./contract-random.js";
import { atmVolatility } from "./volatility-smile.js";
import type { SymbolProfile } from "./symbol-profiles.js";
import { tradingDaysBefore } from "./trading-days.js";

/** Trading days in a year: the history window of IV rank and percentile. */
export const IV_HISTORY_TRADING_DAYS = 252;
/** Spread of log-volatility (s): a one-σ year takes a 16% index IV to about 12.5% or 20.5%. */
export const LOG_VOLATILITY_SPREAD = 0.25;
/** Mean-reversion time of log-volatility, trading days (τ). */
export const MEAN_REVERSION_DAYS = 30;
const PERSISTENCE = Math.exp(-1 / MEAN_REVERSION_DAYS);
/** Shocks older than this weigh φ^M = e^(−10) ≈ 4.5e−5 of today's: left out (M). */
const MEMORY_DAYS = 10 * MEAN_REVERSION_DAYS;
const ONE_MONTH_YEARS = 30 / 365;

export interface DailyVolatility {
  /** YYYY-MM-DD, a trading day. */
  readonly date: string;
  /** Annualised fraction. */
  readonly impliedVolatility: number;
}

export interface SimulatedHistoryInput {
  readonly symbol: string;
  readonly profile: SymbolProfile;
  readonly seed: number;
  /** The history ends the trading day before this New York date (the chain's as-of date). */
  readonly before: string;
  /** Trading days to return; default IV_HISTORY_TRADING_DAYS. */
  readonly days?: number;
}

/** The level the history reverts to: the model's 30-day at-the-money implied volatility. */
export function historyLevel(profile: SymbolProfile): number {
  return atmVolatility(profile, ONE_MONTH_YEARS);
}

/** The `days` trading days before `before`, ascending, each with its simulated 30-day ATM IV. */
export function simulatedVolatilityHistory({ symbol, profile, seed, before, days = IV_HISTORY_TRADING_DAYS }: SimulatedHistoryInput): DailyVolatility[] {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a non-negative integer, got ${days}`);
  // The shocks of the wanted days and of the MEMORY_DAYS − 1 trading days before the first.
  const dates = tradingDaysBefore(before, days + MEMORY_DAYS - 1);
  const upper = symbol.toUpperCase();
  const shocks = dates.map((date) => new ContractRandom(seed, `${upper}|iv-history|${date}`).normal());
  const scale = Math.sqrt(1 - PERSISTENCE * PERSISTENCE);
  const level = historyLevel(profile);
  const history: DailyVolatility[] = [];
  for (let index = MEMORY_DAYS - 1; index < dates.length; index++) {
    let x = 0;
    let weight = 1;
    for (let lag = 0; lag < MEMORY_DAYS; lag++) {
      x += weight * (shocks[index - lag] ?? 0);
      weight *= PERSISTENCE;
    }
    x *= scale;
    const impliedVolatility = level * Math.exp(LOG_VOLATILITY_SPREAD * x - (LOG_VOLATILITY_SPREAD * LOG_VOLATILITY_SPREAD) / 2);
    history.push({ date: dates[index] ?? "", impliedVolatility });
  }
  return history;
}

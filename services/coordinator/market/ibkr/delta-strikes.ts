// Strikes from deltas, for the windows of the IBKR chain selection: the strike at which a
// Black–Scholes |Δ| is reached, at a volatility below and above the at-the-money estimate,
// since the smile makes the estimate wrong in the wings.
import type { ContractRight } from "./chain-selection.js";
import { normalQuantile } from "./normal-quantile.js";

/** The smile moves a wing's volatility by tens of percent from ATM: bounds are taken at both factors. */
const LOW_VOLATILITY_FACTOR = 0.7;
const HIGH_VOLATILITY_FACTOR = 1.4;

export interface DeltaTerms {
  readonly spot: number;
  readonly years: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly volatility: number;
}

/**
 * The strike whose Black–Scholes |Δ| is `delta`, at the low and the high volatility, combined
 * by `pick` (Math.min for a lower bound, Math.max for an upper one). e^(−qT) is left out of
 * delta: it moves the strike by far less than the volatility margins do.
 */
export function strikeAtDelta(right: ContractRight, delta: number, terms: DeltaTerms, pick: (a: number, b: number) => number): number {
  const at = (volatility: number): number => {
    if (!(volatility > 0)) return terms.spot;
    const root = volatility * Math.sqrt(terms.years);
    const drift = (terms.rate - terms.dividendYield + (volatility * volatility) / 2) * terms.years;
    // Call: Δ = Φ(d1). Put: |Δ| = Φ(−d1). d1 = (ln(S/K) + drift) / (σ√T).
    const d1 = right === "C" ? normalQuantile(delta) : -normalQuantile(delta);
    return terms.spot * Math.exp(drift - d1 * root);
  };
  return pick(at(terms.volatility * LOW_VOLATILITY_FACTOR), at(terms.volatility * HIGH_VOLATILITY_FACTOR));
}

export function clampDelta(delta: number): number {
  return Number.isFinite(delta) ? Math.min(1, Math.max(0, delta)) : 1;
}

// The terminal-distribution formulas of terminal-distribution.ts, rearranged for the hot
// loop: each takes logarithms the caller already holds (ln K per strike is computed once
// per chain, ln F once per expiration), so that a candidate costs at most one logarithm.
// Same definitions; they agree with terminal-distribution.ts to rounding (tested).
import { normalCdf } from "./normal-distribution.js";

/** P(S_T < level), from ln(level / F) and the deviation σ√T (> 0). */
export function probabilityBelowFromLog(logLevelOverForward: number, deviation: number): number {
  return normalCdf(logLevelOverForward / deviation + 0.5 * deviation);
}

/** E[max(K − S_T, 0)], from K, F, ln(F / K) and the deviation σ√T (> 0). */
export function expectedPutFromLog(strike: number, forwardPrice: number, logForwardOverStrike: number, deviation: number): number {
  const d1 = logForwardOverStrike / deviation + 0.5 * deviation;
  return strike * normalCdf(deviation - d1) - forwardPrice * normalCdf(-d1);
}

/** E[max(S_T − K, 0)], from K, F, ln(F / K) and the deviation σ√T (> 0). */
export function expectedCallFromLog(strike: number, forwardPrice: number, logForwardOverStrike: number, deviation: number): number {
  const d1 = logForwardOverStrike / deviation + 0.5 * deviation;
  return forwardPrice * normalCdf(d1) - strike * normalCdf(d1 - deviation);
}

/**
 * E[max(K − S_T, 0)] from P(S_T < K) = `below` (probabilityBelowFromLog of ln(K / F)), which
 * is its first term's factor: with a σ shared by the whole expiration a strike's probability
 * and payoff are both needed, and this saves one normal CDF per strike.
 */
export function expectedPutGivenBelow(strike: number, forwardPrice: number, logStrikeOverForward: number, deviation: number, below: number): number {
  return strike * below - forwardPrice * normalCdf(logStrikeOverForward / deviation - 0.5 * deviation);
}

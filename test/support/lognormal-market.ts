// A market for the closed forms of the engine's terminal distribution, and the independent
// method the tests check them against: quadrature of the lognormal density, which shares
// none of their algebra.
import {
  expectedCallPayoff,
  expectedPutPayoff,
  forward,
  probabilityBelow,
  touchProbabilityAbove,
  touchProbabilityBelow,
  touchProbabilityEither,
} from "../../services/engine/terminal-distribution.js";

export interface Market {
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly volatility: number;
  readonly years: number;
}

export const below = (m: Market, level: number): number => probabilityBelow(m.spot, m.rate, m.dividendYield, m.volatility, m.years, level);
export const putPayoff = (m: Market, strike: number): number => expectedPutPayoff(m.spot, m.rate, m.dividendYield, m.volatility, m.years, strike);
export const callPayoff = (m: Market, strike: number): number => expectedCallPayoff(m.spot, m.rate, m.dividendYield, m.volatility, m.years, strike);
export const forwardOf = (m: Market): number => forward(m.spot, m.rate, m.dividendYield, m.years);
export const touchAbove = (m: Market, barrier: number): number => touchProbabilityAbove(m.spot, m.rate, m.dividendYield, m.volatility, m.years, barrier);
export const touchBelow = (m: Market, barrier: number): number => touchProbabilityBelow(m.spot, m.rate, m.dividendYield, m.volatility, m.years, barrier);
export const touchEither = (m: Market, lowerBarrier: number, upperBarrier: number): number =>
  touchProbabilityEither(m.spot, m.rate, m.dividendYield, m.volatility, m.years, lowerBarrier, upperBarrier);

export const describeMarket = (m: Market): string => `S=${m.spot} r=${m.rate} q=${m.dividendYield} σ=${m.volatility} T=${m.years}`;

/** Mean and deviation of ln S_T, straight from the model in docs/architecture.md ("Which σ: the probability model"). */
function logMoments(m: Market): { mean: number; deviation: number } {
  return {
    mean: Math.log(m.spot) + (m.rate - m.dividendYield - 0.5 * m.volatility * m.volatility) * m.years,
    deviation: m.volatility * Math.sqrt(m.years),
  };
}

// ---------------------------------------------------------------------------------------
// Quadrature of the lognormal density
// ---------------------------------------------------------------------------------------

/** Simpson intervals across the whole integration range (panels get their share). */
const SIMPSON_INTERVALS = 24_000;

/**
 * E[f(S_T)] by composite Simpson's rule over x = ln S_T, from 12 deviations below the mean
 * to 12 above plus s² (where S_T times the density peaks, for payoffs growing like S_T). The
 * range is cut at `kinks`, the prices where f has a kink or a jump, so that every panel is
 * smooth and keeps Simpson's h⁴ error: with h = s/1000 that is about 1e-13 of the integrand's
 * scale, and the two 12-deviation tails hold 2e-33 of the mass.
 */
export function lognormalExpectation(m: Market, integrand: (price: number) => number, kinks: readonly number[]): number {
  const { mean, deviation } = logMoments(m);
  const lowest = mean - 12 * deviation;
  const highest = mean + 12 * deviation + deviation * deviation;
  const interior = kinks
    .filter((price) => price > 0)
    .map((price) => Math.log(price))
    .filter((x) => x > lowest && x < highest)
    .sort((a, b) => a - b);
  const step = (highest - lowest) / SIMPSON_INTERVALS;
  const normalisation = 1 / (deviation * Math.sqrt(2 * Math.PI));
  const weighted = (x: number): number => {
    const z = (x - mean) / deviation;
    return integrand(Math.exp(x)) * normalisation * Math.exp(-0.5 * z * z);
  };
  let total = 0;
  let from = lowest;
  for (const to of [...interior, highest]) {
    const intervals = Math.max(2, 2 * Math.ceil((to - from) / (2 * step)));
    const h = (to - from) / intervals;
    // A jump sits exactly on a cut, so the panel's end values are its one-sided limits,
    // taken a billionth of a step inside (a change far below the tolerances).
    let sum = weighted(from + 1e-9 * h) + weighted(to - 1e-9 * h);
    for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * weighted(from + i * h);
    total += (sum * h) / 3;
    from = to;
  }
  return total;
}

/**
 * P(payoff(S_T) > 0) by quadrature of the indicator, with no knowledge of the breakevens:
 * the payoff is linear between strikes, so each piece has at most one sign change, located
 * by bisection on the payoff itself and used as a panel cut, so the indicator is constant on
 * every panel and only the smooth density is integrated.
 */
export function probabilityPositive(m: Market, payoff: (price: number) => number, strikes: readonly number[]): number {
  const { mean, deviation } = logMoments(m);
  const edges = [Math.exp(mean - 12 * deviation), ...strikes, Math.exp(mean + 12 * deviation)].sort((a, b) => a - b);
  const signChanges: number[] = [];
  let left = edges[0] ?? 0;
  for (const right of edges.slice(1)) {
    if (payoff(left) > 0 !== payoff(right) > 0) {
      let low = left;
      let high = right;
      for (let iteration = 0; iteration < 200 && high - low > 1e-15 * high; iteration++) {
        const middle = 0.5 * (low + high);
        if (payoff(middle) > 0 === payoff(low) > 0) low = middle;
        else high = middle;
      }
      signChanges.push(0.5 * (low + high));
    }
    left = right;
  }
  return lognormalExpectation(m, (price) => (payoff(price) > 0 ? 1 : 0), [...strikes, ...signChanges]);
}

export const putIntrinsic = (strike: number, price: number): number => Math.max(strike - price, 0);
export const callIntrinsic = (price: number, strike: number): number => Math.max(price - strike, 0);

/** Markets for the terminal tests: short and long T, low to high σ, r and q nonzero. */
export const TERMINAL_MARKETS: readonly Market[] = [2 / 365, 30 / 365, 1, 5].flatMap((years) =>
  [0.08, 0.3, 1.2].flatMap((volatility) =>
    [
      { rate: 0.05, dividendYield: 0.02 },
      { rate: 0.01, dividendYield: 0.06 },
    ].map(({ rate, dividendYield }) => ({ spot: 100, rate, dividendYield, volatility, years })),
  ),
);

/**
 * Tolerances against quadrature. Simpson's error at h ≈ s/1000 is near 1e-13 of scale and
 * normalCdf's absolute error is below 1e-14 (the worst differences observed are 5e-14 for
 * probabilities and 1.1e-14 of scale for payoffs), so 1e-12 leaves a margin of 20. Dollar
 * amounts are compared relative to max(S, F, K), since deep in-the-money payoffs are that large.
 */
export const PROBABILITY_TOLERANCE = 1e-12;
export const RELATIVE_PAYOFF_TOLERANCE = 1e-12;

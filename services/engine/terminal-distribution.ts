// The probability math of one spread at expiry, in closed form (docs/architecture.md,
// "Spread math"): ln S_T ~ N(ln S + (r − q − σ²/2)·T, σ²·T), geometric Brownian motion whose forward
// is F = S·e^{(r−q)T}. Everything is undiscounted.
//
// These functions run in the engine's hot loop, several times per candidate spread, so they
// take and return plain numbers and allocate nothing: no objects, arrays, closures or
// destructuring below this line.
//
// Notation shared by the comments: s = σ√T is the deviation of ln S_T, ν = r − q − σ²/2 the
// drift of X_t = ln(S_t/S). The touch formulas work in units of s: a log-distance b becomes
// b/s and the drift over the whole horizon becomes μ = νT/s, which keeps every exponent a
// product of two finite numbers even when σ is tiny or huge.
import { normalCdf, normalPdf } from "./normal-distribution.js";

/**
 * Below this σ√T the outcome is treated as deterministic (S_T = F, the path monotone from S
 * to F), as it is at σ√T = 0. In doubles that changes no answer: two distinct prices differ
 * in log by at least 1.1e-16, so a density 1e-150 wide can only straddle a level that equals
 * the forward to double precision, where the deterministic tie rule applies. The threshold
 * exists because near the bottom of the double range ln(barrier/S)/(σ√T) overflows to ±∞,
 * and ∞ − ∞ would be NaN.
 */
const MIN_DEVIATION = 1e-150;

/** Corridor width, in units of σ√T, at or below which nothing survives to T (see touchProbabilityEither). */
const NEGLIGIBLE_SURVIVAL_WIDTH = 0.351;
/** Cap on |k| in the image series; the adaptive rule never asks for more than 13. */
const MAX_IMAGE_INDEX = 16;
/**
 * An image whose larger edge envelope is below φ(0)·e^{-42} has mass below 1.3·φ(0)·e^{-42}
 * (the Mills ratio is at most √(π/2)) = 3e-19, so even all 66 images of the capped series
 * together stay under 2e-17 when skipped.
 */
const NEGLIGIBLE_DECAY = 42;

const INV_SQRT_TWO_PI = 0.3989422804014327;
const INV_SQRT_PI = 0.5641895835477563;
const SQRT_HALF = 0.7071067811865476;
const SQRT_HALF_PI = 1.2533141373155003;

/** Forward price of the underlying at `years`: the mean of S_T, E[S_T] = S·e^{(r−q)T}. */
export function forward(spot: number, rate: number, dividendYield: number, years: number): number {
  return spot * Math.exp((rate - dividendYield) * years);
}

/** P(S_T < level). 0 for level ≤ 0; when σ√T = 0, S_T = F with certainty. */
export function probabilityBelow(spot: number, rate: number, dividendYield: number, volatility: number, years: number, level: number): number {
  if (!(level > 0)) return 0;
  const deviation = volatility * Math.sqrt(years);
  if (!(deviation >= MIN_DEVIATION)) return forward(spot, rate, dividendYield, years) < level ? 1 : 0;
  // ln(level/F) from logs, never from F itself, so a huge (r − q)·T cannot overflow it.
  const logLevelOverForward = logRatio(level, spot) - (rate - dividendYield) * years;
  return normalCdf(logLevelOverForward / deviation + 0.5 * deviation);
}

/** E[max(strike − S_T, 0)], undiscounted (Black's put formula without the discount factor). */
export function expectedPutPayoff(spot: number, rate: number, dividendYield: number, volatility: number, years: number, strike: number): number {
  if (!(strike > 0)) return 0;
  const forwardPrice = forward(spot, rate, dividendYield, years);
  const deviation = volatility * Math.sqrt(years);
  if (!(deviation >= MIN_DEVIATION)) return Math.max(strike - forwardPrice, 0);
  const scaledLogMoneyness = (logRatio(spot, strike) + (rate - dividendYield) * years) / deviation;
  const d1 = scaledLogMoneyness + 0.5 * deviation;
  const d2 = scaledLogMoneyness - 0.5 * deviation;
  // A difference of two non-negative terms can round a hair below zero deep out of the money.
  return Math.max(strike * normalCdf(-d2) - forwardPrice * normalCdf(-d1), 0);
}

/** E[max(S_T − strike, 0)], undiscounted. F − strike for strike ≤ 0 (always exercised). */
export function expectedCallPayoff(spot: number, rate: number, dividendYield: number, volatility: number, years: number, strike: number): number {
  const forwardPrice = forward(spot, rate, dividendYield, years);
  if (!(strike > 0)) return forwardPrice - strike;
  const deviation = volatility * Math.sqrt(years);
  if (!(deviation >= MIN_DEVIATION)) return Math.max(forwardPrice - strike, 0);
  const scaledLogMoneyness = (logRatio(spot, strike) + (rate - dividendYield) * years) / deviation;
  const d1 = scaledLogMoneyness + 0.5 * deviation;
  const d2 = scaledLogMoneyness - 0.5 * deviation;
  return Math.max(forwardPrice * normalCdf(d1) - strike * normalCdf(d2), 0);
}

/**
 * Probability that S_t reaches `barrier` at some t in [0, T], for a barrier above spot
 * (1 when barrier ≤ spot). Exact first passage of Brownian motion with drift, not the
 * "twice the terminal probability" rule of thumb, which ignores the drift.
 */
export function touchProbabilityAbove(spot: number, rate: number, dividendYield: number, volatility: number, years: number, barrier: number): number {
  if (!(barrier > spot)) return 1;
  if (barrier === Number.POSITIVE_INFINITY) return 0;
  const deviation = volatility * Math.sqrt(years);
  // With no noise the path runs monotonically from S to F, so only F can reach the barrier.
  if (!(deviation >= MIN_DEVIATION)) return forward(spot, rate, dividendYield, years) >= barrier ? 1 : 0;
  const scaledDrift = ((rate - dividendYield) * years) / deviation - 0.5 * deviation;
  return firstPassageProbability(logRatio(barrier, spot) / deviation, scaledDrift);
}

/** The mirror of touchProbabilityAbove for a barrier below spot (1 when barrier ≥ spot). */
export function touchProbabilityBelow(spot: number, rate: number, dividendYield: number, volatility: number, years: number, barrier: number): number {
  if (!(barrier < spot)) return 1;
  if (!(barrier > 0)) return 0;
  const deviation = volatility * Math.sqrt(years);
  if (!(deviation >= MIN_DEVIATION)) return forward(spot, rate, dividendYield, years) <= barrier ? 1 : 0;
  // Reflecting X_t to −X_t turns a barrier below into one above, with the drift negated.
  const scaledDriftTowardBarrier = 0.5 * deviation - ((rate - dividendYield) * years) / deviation;
  return firstPassageProbability(logRatio(spot, barrier) / deviation, scaledDriftTowardBarrier);
}

/**
 * Probability that S_t touches either barrier at some t in [0, T], for lower < spot < upper
 * (1 when spot is on or outside the corridor). A lower barrier ≤ 0 or an infinite upper one
 * can never be touched, which leaves the single-barrier probability of the other.
 *
 * 1 − P(X stays strictly inside (l, u) until T), with l = ln(lower/S), u = ln(upper/S):
 * Kunitomo & Ikeda (1992). The driftless density of X_T killed at either barrier is, by the
 * method of images with w = u − l,
 *   p0(x) = Σ_{k∈Z} [φ_s(x − 2kw) − φ_s(x − (2u − 2kw))],
 * and the drift multiplies it by exp(νx/σ² − ν²T/(2σ²)) (Girsanov). Completing the square,
 * each image centred at c integrates over (l, u) to exp(νc/σ²)·[N((u−c−νT)/s) − N((l−c−νT)/s)].
 *
 * Truncation: in units of s an image centred at c with |k| = j ≥ 2 is bounded by
 * (w/s)·φ(0)·exp(−2(j−1)²(w/s)²), so keeping |k| ≤ K leaves a tail below
 * 3.2·(w/s)·exp(−2K²(w/s)²) whenever w/s > 0.351, and K is the least integer that puts it
 * under 1e-16: K = ⌈√((37 + ln(1 + 3.2·w/s))/2) / (w/s)⌉, at least 1 (the two nearest
 * reflections are k = 0 and k = 1). A corridor of w/s ≤ 0.351 is left after T with
 * probability below exp((w/s)²/2)·(4/π)·exp(−π²s²/(2w²)) < 6e-18 (first eigenmode of the
 * strip, times the largest Girsanov weight inside it), so its touch probability is 1 and no
 * series is summed; hence K never exceeds 13 (hard cap 16 for safety).
 */
export function touchProbabilityEither(
  spot: number,
  rate: number,
  dividendYield: number,
  volatility: number,
  years: number,
  lowerBarrier: number,
  upperBarrier: number,
): number {
  if (!(lowerBarrier < spot) || !(upperBarrier > spot)) return 1;
  if (!(lowerBarrier > 0)) return touchProbabilityAbove(spot, rate, dividendYield, volatility, years, upperBarrier);
  if (upperBarrier === Number.POSITIVE_INFINITY) {
    return touchProbabilityBelow(spot, rate, dividendYield, volatility, years, lowerBarrier);
  }
  const deviation = volatility * Math.sqrt(years);
  if (!(deviation >= MIN_DEVIATION)) {
    const forwardPrice = forward(spot, rate, dividendYield, years);
    return forwardPrice <= lowerBarrier || forwardPrice >= upperBarrier ? 1 : 0;
  }
  const lower = logRatio(lowerBarrier, spot) / deviation;
  const upper = logRatio(upperBarrier, spot) / deviation;
  const width = upper - lower;
  if (width <= NEGLIGIBLE_SURVIVAL_WIDTH) return 1;
  const drift = ((rate - dividendYield) * years) / deviation - 0.5 * deviation;
  const terms = Math.min(MAX_IMAGE_INDEX, Math.max(1, Math.ceil(Math.sqrt(0.5 * (37 + Math.log(1 + 3.2 * width))) / width)));
  let survival = 0;
  for (let index = -terms; index <= terms; index++) {
    const direct = 2 * index * width;
    // 2u − 2kw, written so that no two large numbers of opposite sign are added: for k = 1
    // it is exactly 2l, the reflection in the lower barrier.
    const reflected = index <= 0 ? 2 * upper - 2 * index * width : 2 * lower - 2 * (index - 1) * width;
    survival += weightedImageMass(direct, lower, upper, drift) - weightedImageMass(reflected, lower, upper, drift);
  }
  return clampProbability(1 - survival);
}

/**
 * P(max_{t≤T} X_t ≥ b) for X with drift ν and volatility σ, given distance = b/s > 0 and
 * drift = νT/s (toward the barrier when positive):
 *   N(−distance + drift) + exp(2νb/σ²)·N(−distance − drift),  with 2νb/σ² = 2·distance·drift.
 * exp(2νb/σ²) overflows as σ → 0 while its factor underflows, so when that factor is a left
 * tail (z = −distance − drift ≤ 0) the product is taken as φ(−distance + drift)·N(z)/φ(z), an
 * identity of the Gaussian exponents; otherwise the drift points away from the barrier and
 * the exponent is negative.
 */
function firstPassageProbability(distance: number, drift: number): number {
  const crossedByTime = -distance + drift;
  const reflected = -distance - drift;
  const reflectedMass = reflected <= 0 ? normalPdf(crossedByTime) * millsRatio(-reflected) : Math.exp(2 * distance * drift) * normalCdf(reflected);
  return clampProbability(normalCdf(crossedByTime) + reflectedMass);
}

/**
 * exp(μc)·[N(u − c − μ) − N(l − c − μ)], everything in units of s: the mass over (l, u) of an
 * image centred at c, with the Girsanov drift weight. exp(μc) can overflow while the normal
 * tails underflow, so each tail at an edge e is computed as envelope(e)·millsRatio, where
 *   envelope(e) = exp(μc)·φ(e − c − μ) = φ(0)·exp(−((μ − e)² + c·(c − 2e))/2),
 * an exponent that is never positive for the images of the series, so nothing overflows.
 * Which tails appear depends on where the shifted centre c + μ lies relative to (l, u); when
 * it lies inside, exp(μc) ≤ 1 for every image of the series and is used directly.
 */
function weightedImageMass(center: number, lower: number, upper: number, drift: number): number {
  const upperArgument = upper - center - drift;
  const lowerArgument = lower - center - drift;
  const upperDecay = 0.5 * ((drift - upper) * (drift - upper) + center * (center - 2 * upper));
  const lowerDecay = 0.5 * ((drift - lower) * (drift - lower) + center * (center - 2 * lower));
  if (upperArgument <= 0) {
    // Both tails are left tails and the one at u is the larger: skipping the exponentials of
    // a far image is most of the speed of the series.
    if (upperDecay > NEGLIGIBLE_DECAY) return 0;
    return INV_SQRT_TWO_PI * (Math.exp(-upperDecay) * millsRatio(-upperArgument) - Math.exp(-lowerDecay) * millsRatio(-lowerArgument));
  }
  if (lowerArgument >= 0) {
    if (lowerDecay > NEGLIGIBLE_DECAY) return 0;
    return INV_SQRT_TWO_PI * (Math.exp(-lowerDecay) * millsRatio(lowerArgument) - Math.exp(-upperDecay) * millsRatio(upperArgument));
  }
  // The direct image (c = 0) weighs 1 even if an absurd (r − q)·T made μ infinite.
  const weight = center === 0 ? 1 : Math.exp(drift * center);
  return weight - INV_SQRT_TWO_PI * (Math.exp(-upperDecay) * millsRatio(upperArgument) + Math.exp(-lowerDecay) * millsRatio(-lowerArgument));
}

/**
 * Mills ratio N(−x)/φ(x) for x ≥ 0 (0 at +∞), to about 1e-15 relative. The touch formulas
 * multiply it by weights up to e^700, which turns its relative error into absolute error of a
 * probability; normalCdf is accurate in absolute terms only (about 1e-8 relative near x = 8),
 * so the ratio comes from W. J. Cody's scaled complementary error function
 * erfcx(y) = e^{y²}·erfc(y) (Math. Comp. 23, 1969; the coefficients of SPECFUN's CALERF,
 * written as the shortest decimals of the same doubles): N(−x)/φ(x) = √(π/2)·erfcx(x/√2).
 */
function millsRatio(x: number): number {
  const y = x * SQRT_HALF;
  if (y <= 0.46875) {
    // erfcx(y) = e^{y²}·(1 − erf(y)), erf from Cody's first rational function.
    const t = y * y;
    let numerator = 0.18577770618460315 * t + 3.1611237438705655;
    numerator = numerator * t + 113.86415415105016;
    numerator = numerator * t + 377.485237685302;
    numerator = numerator * t + 3209.3775891384694;
    let denominator = t + 23.601290952344122;
    denominator = denominator * t + 244.02463793444417;
    denominator = denominator * t + 1282.6165260773723;
    denominator = denominator * t + 2844.236833439171;
    return SQRT_HALF_PI * Math.exp(t) * (1 - (y * numerator) / denominator);
  }
  if (y <= 4) {
    let numerator = 2.1531153547440383e-8 * y + 0.5641884969886701;
    numerator = numerator * y + 8.883149794388377;
    numerator = numerator * y + 66.11919063714163;
    numerator = numerator * y + 298.6351381974001;
    numerator = numerator * y + 881.952221241769;
    numerator = numerator * y + 1712.0476126340707;
    numerator = numerator * y + 2051.0783778260716;
    numerator = numerator * y + 1230.3393547979972;
    let denominator = y + 15.744926110709835;
    denominator = denominator * y + 117.6939508913125;
    denominator = denominator * y + 537.1811018620099;
    denominator = denominator * y + 1621.3895745666903;
    denominator = denominator * y + 3290.7992357334597;
    denominator = denominator * y + 4362.619090143247;
    denominator = denominator * y + 3439.3676741437216;
    denominator = denominator * y + 1230.3393548037495;
    return (SQRT_HALF_PI * numerator) / denominator;
  }
  // Asymptotic form in 1/y²; at y = +∞ it gives 0.
  const t = 1 / (y * y);
  let numerator = 0.016315387137302097 * t + 0.30532663496123236;
  numerator = numerator * t + 0.36034489994980445;
  numerator = numerator * t + 0.12578172611122926;
  numerator = numerator * t + 0.016083785148742275;
  numerator = numerator * t + 0.0006587491615298378;
  let denominator = t + 2.568520192289822;
  denominator = denominator * t + 1.8729528499234604;
  denominator = denominator * t + 0.5279051029514285;
  denominator = denominator * t + 0.06051834131244132;
  denominator = denominator * t + 0.0023352049762686918;
  return (SQRT_HALF_PI * (INV_SQRT_PI - (t * numerator) / denominator)) / y;
}

/**
 * ln(numerator/denominator). Near 1 the difference numerator − denominator is exact
 * (Sterbenz), so log1p keeps the full relative precision of a small log-distance, which
 * log(numerator / denominator) rounds to an absolute 1e-16: that error is divided by σ√T,
 * which can be tiny.
 */
function logRatio(numerator: number, denominator: number): number {
  const ratio = numerator / denominator;
  return ratio > 0.5 && ratio < 2 ? Math.log1p((numerator - denominator) / denominator) : Math.log(ratio);
}

/** Sums of exact probabilities can round a hair outside [0, 1]. */
function clampProbability(probability: number): number {
  return probability < 0 ? 0 : probability > 1 ? 1 : probability;
}

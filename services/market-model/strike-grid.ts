// Which strikes an expiry lists: a fine grid near the money, a coarse one in the wings, out
// to about four standard deviations. Distance is measured in standard deviations at each
// strike's own implied volatility, which is roughly how exchanges list (by delta): the rich
// put wing reaches further below the spot than the call wing above it, and the range widens
// with time to expiry. The grid is set at the listing price; a later tick reprices the same
// strikes rather than relisting.
import type { StrikeSteps } from "./symbol-profiles.js";

/** Strike spacing by underlying price, the way single-stock chains are listed; `far` is a multiple of `near`. */
const STEPS_BY_PRICE: readonly (StrikeSteps & { readonly below: number })[] = [
  { below: 25, near: 0.5, far: 1 },
  { below: 200, near: 1, far: 5 },
  { below: 500, near: 2.5, far: 5 },
  { below: 1500, near: 5, far: 10 },
  { below: Number.POSITIVE_INFINITY, near: 10, far: 50 },
];

export function strikeStepsForPrice(spot: number): StrikeSteps {
  for (const { below, near, far } of STEPS_BY_PRICE) {
    if (spot < below) return { near, far };
  }
  // Only a NaN spot gets here; any grid will do, since nothing prices off it.
  return { near: 1, far: 5 };
}

/** The fine grid covers this many standard deviations, and never less than ±10% of spot. */
const NEAR_DEVIATIONS = 3.5;
const MIN_NEAR_FRACTION = 0.1;
/** The coarse grid continues out to this many standard deviations. */
const RANGE_DEVIATIONS = 4;
/** However volatile or long-dated, no strike below a fifth or above three times the spot. */
const MIN_STRIKE_FRACTION = 0.2;
const MAX_STRIKE_FRACTION = 3;

export interface StrikeGridInput {
  readonly spot: number;
  readonly steps: StrikeSteps;
  /** How far `strike` is from the money, in standard deviations of ln(S_T) at its own volatility. */
  readonly deviationsAt: (strike: number) => number;
}

/** The strikes listed for one expiry, ascending. */
export function listStrikes({ spot, steps, deviationsAt }: StrikeGridInput): number[] {
  const strikes: number[] = [];
  // Count in whole fine steps so $2.5 strikes stay exact; every coarse strike is a fine one.
  const first = Math.max(1, Math.ceil((spot * MIN_STRIKE_FRACTION) / steps.near));
  const last = Math.floor((spot * MAX_STRIKE_FRACTION) / steps.near);
  const farEvery = Math.round(steps.far / steps.near);
  if (!(farEvery >= 1) || Math.abs(farEvery * steps.near - steps.far) > 1e-9) {
    throw new RangeError(`the far strike step (${steps.far}) must be a whole multiple of the near one (${steps.near})`);
  }
  for (let n = first; n <= last; n++) {
    const strike = n * steps.near;
    const deviations = deviationsAt(strike);
    const nearTheMoney = Math.abs(strike / spot - 1) <= MIN_NEAR_FRACTION || deviations <= NEAR_DEVIATIONS;
    if (nearTheMoney || (n % farEvery === 0 && deviations <= RANGE_DEVIATIONS)) strikes.push(strike);
  }
  return strikes;
}

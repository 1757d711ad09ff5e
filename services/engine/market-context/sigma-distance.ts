// How far a short strike lies from the underlying price, in standard deviations of ln S_T:
// Spread.short_sigma_distance and the min_short_sigma_distance filter.

/**
 * A short strike's distance from the underlying price in standard deviations to expiry:
 * ln(K / S) / (σ√T) for a call, ln(S / K) / (σ√T) for a put, `deviation` being σ√T; positive
 * out of the money. The logarithm of the ratio, not a difference of logarithms: near the
 * money that keeps the sign right where ln K − ln S would round to 0.
 */
export function sigmaDistance(isCall: boolean, strike: number, spot: number, deviation: number): number {
  return Math.log(isCall ? strike / spot : spot / strike) / deviation;
}

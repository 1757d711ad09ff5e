// The default ranking: a composite score in [-1, 1] (documented in the README, "Spread
// engine"), with weights the query may set, normalised to sum to 1:
//
//   score = w_ev · clamp(EV / max loss, -1, 1) + w_pop · POP + w_liq · (1 - min(1, worst leg's bid-ask width / mid))
//
// EV per dollar at risk rewards spreads that are cheap for their risk under the model;
// POP rewards the likely winners; liquidity rewards legs that can be filled near the mid.

export function compositeScore(
  expectedValuePerRisk: number,
  pop: number,
  liquidity: number,
  weightEv: number,
  weightPop: number,
  weightLiquidity: number,
): number {
  const clamped = expectedValuePerRisk > 1 ? 1 : expectedValuePerRisk < -1 ? -1 : expectedValuePerRisk;
  return weightEv * clamped + weightPop * pop + weightLiquidity * liquidity;
}

/** Liquidity component from the worst leg's bid-ask width as a fraction of its mid. */
export function liquidityComponent(worstBidAskFraction: number): number {
  return 1 - (worstBidAskFraction < 1 ? worstBidAskFraction : 1);
}

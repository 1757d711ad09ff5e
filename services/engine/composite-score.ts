// The default ranking: a composite score in [-1, 1] (documented in docs/architecture.md,
// "The spread engine"), with weights the query may set, normalised to sum to 1:
//
//   score = w_ev · clamp(EV / max loss, -1, 1) + w_pop · POP + w_liq · (1 - min(1, slippage / |net credit|))
//
// where slippage is half the legs' summed bid-ask widths: what filling every leg at the
// natural price instead of the mid costs, per share. EV per dollar at risk rewards spreads
// that are cheap for their risk under the model; POP rewards the likely winners; liquidity
// rewards spreads whose price survives the trip from mid to natural (a $0.01 debit on legs
// a cent wide scores 0 there, however good its model EV).

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

/** Liquidity component: the share of the net credit (or debit) left after slippage from mid to natural. */
export function liquidityComponent(summedBidAskWidth: number, netCredit: number): number {
  const lost = (0.5 * summedBidAskWidth) / (netCredit < 0 ? -netCredit : netCredit);
  return lost < 1 ? 1 - lost : 0;
}

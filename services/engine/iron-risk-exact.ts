// A test of the EV per dollar at risk of one put wing against a block of call wings that is
// exact spread by spread: under a σ shared by the expiration an iron spread's EV is the sum
// of its sides' (each a vertical: fill less expected payoff) and its max loss is
// max(w_put, w_call) − c_put − c_call, so EV − r · max loss is the smaller of
//   (EV_put − r(w_put − c_put)) + (EV_call + r c_call)     and
//   (EV_put + r c_put) + (EV_call − r(w_call − c_call)),
// and a spread's EV per risk reaches r exactly when that is at least 0. The put wing's two
// terms are computed once; each call wing adds its own (a few loads and multiplications, far
// less than evaluating the spread). The group bounds by largest EV over smallest max loss do
// not tie a wing's EV to its own risk: in the money, one side's tiny risk would pair with the
// other side's best EV.
import type { CreditWings } from "./iron-candidates.js";
import type { PricedSide } from "./priced-side.js";

/**
 * True when no spread of the put wing (given by its terms at `rate`: EV − rate × (width −
 * credit) and EV + rate × credit) and the call wings of block `block` of short `callShort`
 * reaches an EV per risk of `rate` (> 0), by more than rounding.
 */
export function callBlockFallsShort(
  calls: PricedSide,
  callWings: CreditWings,
  callShort: number,
  block: number,
  putLossTerm: number,
  putCreditTerm: number,
  rate: number,
): boolean {
  const strikes = calls.table.strike;
  const shortStrike = strikes[callShort] as number;
  const shortSell = calls.sell[callShort] as number;
  // The call wing's EV as a vertical, as creditWings computes it.
  const shortValue = shortSell - (calls.expectedPayoff[callShort] as number);
  const end = callWings.blockFirstWing[block + 1] as number;
  for (let wing = callWings.blockFirstWing[block] as number; wing < end; wing++) {
    const long = callWings.longs[wing] as number;
    const buy = calls.buy[long] as number;
    const credit = shortSell - buy;
    const value = shortValue - buy + (calls.expectedPayoff[long] as number);
    if (valueLessRisk(putLossTerm, putCreditTerm, value, credit, (strikes[long] as number) - shortStrike, rate) >= 0) return false;
  }
  return true;
}

/**
 * EV − rate × max loss of the iron spread of a put wing (given by its two terms at `rate`)
 * and a call wing (its EV as a vertical, credit and width), raised by rounding room: below
 * 0 only when the spread's EV per risk is below `rate`.
 */
export function valueLessRisk(putLossTerm: number, putCreditTerm: number, callValue: number, callCredit: number, callWidth: number, rate: number): number {
  const putWider = putLossTerm + callValue + rate * callCredit;
  const callWider = putCreditTerm + callValue - rate * (callWidth - callCredit);
  // Room for rounding, so that a spread exactly at `rate` (a tie on the score) is never dropped.
  return (putWider < callWider ? putWider : callWider) + 1e-9 * (1 + Math.abs(putLossTerm) + Math.abs(putCreditTerm) + Math.abs(callValue));
}

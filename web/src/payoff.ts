// A single-expiry spread's profit or loss at expiry, from its legs alone: the net credit plus
// each bought leg's intrinsic value less each sold leg's, per share, times the multiplier per
// lot. It is piecewise linear with its kinks at the strikes, so its breakevens are found exactly
// between two kinks; the page draws the curve and marks them, and its test compares them with
// the spread's own breakevens, which the engine computes by its own formulas.
import type { Spread, SpreadLeg } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { LegAction } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { OptionRight } from "../../gen/es/spreadscan/market/v1/option_chain_pb.js";

function intrinsic(leg: SpreadLeg, price: number): number {
  return leg.right === OptionRight.CALL ? Math.max(0, price - leg.strike) : Math.max(0, leg.strike - price);
}

/** Profit or loss at expiry at underlying price `price`, dollars per share. */
export function payoffPerShare(spread: Spread, price: number): number {
  let value = spread.netCredit;
  for (const leg of spread.legs) {
    const sign = leg.action === LegAction.BUY ? 1 : -1;
    value += sign * leg.quantity * intrinsic(leg, price);
  }
  return value;
}

/** The prices where the payoff crosses zero, ascending: found between consecutive kinks (the strikes) and beyond the outer ones. */
export function payoffBreakevens(spread: Spread): number[] {
  const strikes = [...new Set(spread.legs.map((leg) => leg.strike))].sort((a, b) => a - b);
  const lowest = strikes[0] ?? 0;
  const highest = strikes.at(-1) ?? 0;
  const reach = Math.max(1, highest - lowest) * 10;
  const points = [Math.max(0, lowest - reach), ...strikes, highest + reach];
  const breakevens: number[] = [];
  for (let index = 1; index < points.length; index++) {
    const left = points[index - 1] ?? 0;
    const right = points[index] ?? 0;
    const atLeft = payoffPerShare(spread, left);
    const atRight = payoffPerShare(spread, right);
    // A sign change, or a zero at the right end (counted once, there).
    if (atRight === 0) breakevens.push(right);
    else if (atLeft !== 0 && Math.sign(atLeft) !== Math.sign(atRight)) breakevens.push(left + ((right - left) * atLeft) / (atLeft - atRight));
  }
  return breakevens;
}

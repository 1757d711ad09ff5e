// The iron spreads a query reaches, before any is evaluated: each side's credit verticals
// grouped by short leg, with what bounds every wing of a short at once (its largest credit,
// credit per width, credit less width and, under a shared σ, expected value).
import { LEG_BODY, LEG_LONG, type PricedSide } from "./priced-side.js";
import { lowerBound, upperBound } from "./strike-search.js";

/** True when both shorts may be an iron butterfly's body (LEG_BODY on each side). */
export function isButterflyBody(puts: PricedSide, calls: PricedSide, putShort: number, callShort: number): boolean {
  return ((puts.flags[putShort] as number) & (calls.flags[callShort] as number) & LEG_BODY) !== 0;
}

/** The credit verticals of one side, grouped by short leg: wings firstWing[i] to firstWing[i + 1] - 1 belong to shorts[i]. */
export interface CreditWings {
  shortCount: number;
  shorts: Int32Array;
  firstWing: Int32Array;
  longs: Int32Array;
  /** Per short: the most credit any of its wings collects, per share. */
  largestCredit: Float64Array;
  /** Per short: its narrowest wing, dollars per share. */
  narrowestWidth: Float64Array;
  /** Per short: the largest credit per dollar of width among its wings. */
  largestCreditToWidth: Float64Array;
  /** Per short: the largest credit less width among its wings (the least a wing can lose, negated). */
  largestCreditLessWidth: Float64Array;
  /**
   * Per short: the largest expected value per share of its wings as a vertical (fill less
   * expected payoff, signed), when the side's expected payoffs are per-strike constants (a
   * σ shared by the expiration); +Infinity otherwise.
   */
  largestValue: Float64Array;
  /**
   * The wings cut into blocks of at most WING_BLOCK neighbours (similar widths and
   * credits), each with the same figures as a short's, so that a group of call wings can be
   * bounded far more tightly than by its short's figures: blocks firstBlock[i] to
   * firstBlock[i + 1] - 1 belong to shorts[i], block b holds wings blockFirstWing[b] to
   * blockFirstWing[b + 1] - 1.
   */
  firstBlock: Int32Array;
  blockFirstWing: Int32Array;
  blockLargestCredit: Float64Array;
  blockNarrowestWidth: Float64Array;
  blockLargestCreditToWidth: Float64Array;
  blockLargestCreditLessWidth: Float64Array;
  blockLargestValue: Float64Array;
  /** Per block: the smallest bid-ask width of its long legs. */
  blockSmallestBidAsk: Float64Array;
}

/** Most wings in one block. */
export const WING_BLOCK = 8;

/** The credit verticals of one side whose legs pass their filters and whose width is allowed. */
export function creditWings(side: PricedSide, minWidth: number, maxWidth: number, shortFlag: number): CreditWings {
  const { table, flags, isCall, expectedPayoff } = side;
  const shorts: number[] = [];
  const firstWing: number[] = [];
  const longs: number[] = [];
  const largestCredit: number[] = [];
  const narrowestWidth: number[] = [];
  const largestCreditToWidth: number[] = [];
  const largestCreditLessWidth: number[] = [];
  const largestValue: number[] = [];
  const firstBlock: number[] = [];
  const block = {
    firstWing: [] as number[],
    credit: [] as number[],
    narrowest: [] as number[],
    ratio: [] as number[],
    lessWidth: [] as number[],
    value: [] as number[],
    bidAsk: [] as number[],
  };
  const strikes = table.strike;
  const count = table.count;
  for (let near = 0; near < count; near++) {
    if (((flags[near] as number) & shortFlag) === 0) continue;
    const nearStrike = strikes[near] as number;
    const wingsBefore = longs.length;
    let largest = -Infinity;
    let narrowest = Infinity;
    let ratio = -Infinity;
    let lessWidth = -Infinity;
    let value = -Infinity;
    // Longs further from the money by a width in [minWidth, maxWidth], in ascending strike order.
    const first = isCall ? lowerBound(strikes, count, nearStrike + minWidth, near + 1) : lowerBound(strikes, count, nearStrike - maxWidth, 0);
    const end = isCall ? upperBound(strikes, count, nearStrike + maxWidth, first) : Math.min(near, upperBound(strikes, count, nearStrike - minWidth, 0));
    for (let far = first; far < end; far++) {
      if (((flags[far] as number) & LEG_LONG) === 0) continue;
      const width = isCall ? (strikes[far] as number) - nearStrike : nearStrike - (strikes[far] as number);
      if (width > 0) {
        const credit = (side.sell[near] as number) - (side.buy[far] as number);
        const wingValue = credit - (expectedPayoff[near] as number) + (expectedPayoff[far] as number);
        const bidAsk = (table.ask[far] as number) - (table.bid[far] as number);
        if ((longs.length - wingsBefore) % WING_BLOCK === 0) {
          block.firstWing.push(longs.length);
          block.credit.push(credit);
          block.narrowest.push(width);
          block.ratio.push(credit / width);
          block.lessWidth.push(credit - width);
          block.value.push(Number.isNaN(wingValue) ? Infinity : wingValue);
          block.bidAsk.push(bidAsk);
        } else {
          const last = block.firstWing.length - 1;
          block.credit[last] = Math.max(block.credit[last] as number, credit);
          block.narrowest[last] = Math.min(block.narrowest[last] as number, width);
          block.ratio[last] = Math.max(block.ratio[last] as number, credit / width);
          block.lessWidth[last] = Math.max(block.lessWidth[last] as number, credit - width);
          block.value[last] = Number.isNaN(wingValue) ? Infinity : Math.max(block.value[last] as number, wingValue);
          block.bidAsk[last] = Math.min(block.bidAsk[last] as number, bidAsk);
        }
        longs.push(far);
        largest = Math.max(largest, credit);
        narrowest = Math.min(narrowest, width);
        ratio = Math.max(ratio, credit / width);
        lessWidth = Math.max(lessWidth, credit - width);
        // NaN payoffs (no shared σ) make the bound +Infinity: nothing is known.
        value = Number.isNaN(wingValue) ? Infinity : Math.max(value, wingValue);
      }
    }
    if (longs.length > wingsBefore) {
      firstBlock.push(block.firstWing.length - Math.ceil((longs.length - wingsBefore) / WING_BLOCK));
      shorts.push(near);
      firstWing.push(wingsBefore);
      largestCredit.push(largest);
      narrowestWidth.push(narrowest);
      largestCreditToWidth.push(ratio);
      largestCreditLessWidth.push(lessWidth);
      largestValue.push(value);
    }
  }
  firstWing.push(longs.length);
  firstBlock.push(block.firstWing.length);
  block.firstWing.push(longs.length);
  return {
    shortCount: shorts.length,
    shorts: Int32Array.from(shorts),
    firstWing: Int32Array.from(firstWing),
    longs: Int32Array.from(longs),
    largestCredit: Float64Array.from(largestCredit),
    narrowestWidth: Float64Array.from(narrowestWidth),
    largestCreditToWidth: Float64Array.from(largestCreditToWidth),
    largestCreditLessWidth: Float64Array.from(largestCreditLessWidth),
    largestValue: Float64Array.from(largestValue),
    firstBlock: Int32Array.from(firstBlock),
    blockFirstWing: Int32Array.from(block.firstWing),
    blockLargestCredit: Float64Array.from(block.credit),
    blockNarrowestWidth: Float64Array.from(block.narrowest),
    blockLargestCreditToWidth: Float64Array.from(block.ratio),
    blockLargestCreditLessWidth: Float64Array.from(block.lessWidth),
    blockLargestValue: Float64Array.from(block.value),
    blockSmallestBidAsk: Float64Array.from(block.bidAsk),
  };
}

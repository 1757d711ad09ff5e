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
   * Per short: the largest EV per dollar of "margin" (width less twice the credit) among its
   * wings, +Infinity when a wing has none or its EV is unknown. An iron spread's max loss is
   * at least half its two sides' margins summed (the wider wing is at least their mean), so
   * its EV per dollar at risk is at most twice the larger of its sides' ratios.
   */
  largestValuePerMargin: Float64Array;
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
  blockLargestValuePerMargin: Float64Array;
  /** Per block: the smallest bid-ask width of its long legs. */
  blockSmallestBidAsk: Float64Array;
  /**
   * The blocks cut again into super-blocks of at most SUPER_BLOCK neighbouring blocks of one
   * short, with the same figures, so that a put block can drop most of a wide call side in a
   * few bounds: super-blocks firstSuper[i] to firstSuper[i + 1] - 1 belong to shorts[i],
   * super-block s holds blocks superFirstBlock[s] to superFirstBlock[s + 1] - 1.
   */
  firstSuper: Int32Array;
  superFirstBlock: Int32Array;
  superLargestCredit: Float64Array;
  superNarrowestWidth: Float64Array;
  superLargestCreditToWidth: Float64Array;
  superLargestCreditLessWidth: Float64Array;
  superLargestValue: Float64Array;
  superLargestValuePerMargin: Float64Array;
  superSmallestBidAsk: Float64Array;
}

/** Most wings in one block. */
export const WING_BLOCK = 8;

/** Most blocks in one super-block. */
export const SUPER_BLOCK = 8;

/** The credit verticals of one side whose legs pass their filters and whose width is allowed. */
export function creditWings(side: PricedSide, minWidth: number, maxWidth: number, shortFlag: number): CreditWings {
  const { table, flags, isCall, expectedPayoff } = side;
  const strikes = table.strike;
  const count = table.count;
  // Longs further from the money by a width in [minWidth, maxWidth], in ascending strike order.
  const firstFar = (near: number): number =>
    isCall ? lowerBound(strikes, count, (strikes[near] as number) + minWidth, near + 1) : lowerBound(strikes, count, (strikes[near] as number) - maxWidth, 0);
  const endFar = (near: number, first: number): number =>
    isCall
      ? upperBound(strikes, count, (strikes[near] as number) + maxWidth, first)
      : Math.min(near, upperBound(strikes, count, (strikes[near] as number) - minWidth, 0));
  // First pass: room for every wing the width bounds allow (the long-leg flag drops some), so
  // that the columns are typed arrays filled in place, not lists grown wing by wing.
  let shortRoom = 0;
  let wingRoom = 0;
  // Each flag of shortFlag (LEG_SHORT_OTM, LEG_BODY) is set only with LEG_SHORT, so the shorts lie in the side's stretch of sellable legs.
  const { firstShort, endShort } = side;
  for (let near = firstShort; near < endShort; near++) {
    if (((flags[near] as number) & shortFlag) === 0) continue;
    const first = firstFar(near);
    shortRoom++;
    wingRoom += Math.max(0, endFar(near, first) - first);
  }
  const blockRoom = Math.ceil(wingRoom / WING_BLOCK) + shortRoom;
  const shorts = new Int32Array(shortRoom);
  const firstWing = new Int32Array(shortRoom + 1);
  const longs = new Int32Array(wingRoom);
  const largestCredit = new Float64Array(shortRoom);
  const narrowestWidth = new Float64Array(shortRoom);
  const largestCreditToWidth = new Float64Array(shortRoom);
  const largestCreditLessWidth = new Float64Array(shortRoom);
  const largestValue = new Float64Array(shortRoom);
  const largestValuePerMargin = new Float64Array(shortRoom);
  const firstBlock = new Int32Array(shortRoom + 1);
  const blockFirstWing = new Int32Array(blockRoom + 1);
  const blockCredit = new Float64Array(blockRoom);
  const blockNarrowest = new Float64Array(blockRoom);
  const blockRatio = new Float64Array(blockRoom);
  const blockLessWidth = new Float64Array(blockRoom);
  const blockValue = new Float64Array(blockRoom);
  const blockValuePerMargin = new Float64Array(blockRoom);
  const blockBidAsk = new Float64Array(blockRoom);
  let shortCount = 0;
  let wingCount = 0;
  let blockCount = 0;
  for (let near = firstShort; near < endShort; near++) {
    if (((flags[near] as number) & shortFlag) === 0) continue;
    const nearStrike = strikes[near] as number;
    const wingsBefore = wingCount;
    const blocksBefore = blockCount;
    const nearSell = side.sell[near] as number;
    const nearPayoff = expectedPayoff[near] as number;
    const first = firstFar(near);
    const end = endFar(near, first);
    for (let far = first; far < end; far++) {
      if (((flags[far] as number) & LEG_LONG) === 0) continue;
      const width = isCall ? (strikes[far] as number) - nearStrike : nearStrike - (strikes[far] as number);
      if (!(width > 0)) continue;
      const credit = nearSell - (side.buy[far] as number);
      // NaN payoffs (no shared σ) make the bound +Infinity: nothing is known.
      const payoffValue = credit - nearPayoff + (expectedPayoff[far] as number);
      const wingValue = Number.isNaN(payoffValue) ? Infinity : payoffValue;
      const bidAsk = (table.ask[far] as number) - (table.bid[far] as number);
      const wingValuePerMargin = valuePerMargin(wingValue, width, credit);
      const ratio = credit / width;
      if ((wingCount - wingsBefore) % WING_BLOCK === 0) {
        blockFirstWing[blockCount] = wingCount;
        blockCredit[blockCount] = credit;
        blockNarrowest[blockCount] = width;
        blockRatio[blockCount] = ratio;
        blockLessWidth[blockCount] = credit - width;
        blockValue[blockCount] = wingValue;
        blockValuePerMargin[blockCount] = wingValuePerMargin;
        blockBidAsk[blockCount] = bidAsk;
        blockCount++;
      } else {
        const last = blockCount - 1;
        if (credit > (blockCredit[last] as number)) blockCredit[last] = credit;
        if (width < (blockNarrowest[last] as number)) blockNarrowest[last] = width;
        if (ratio > (blockRatio[last] as number)) blockRatio[last] = ratio;
        if (credit - width > (blockLessWidth[last] as number)) blockLessWidth[last] = credit - width;
        if (wingValue > (blockValue[last] as number)) blockValue[last] = wingValue;
        if (wingValuePerMargin > (blockValuePerMargin[last] as number)) blockValuePerMargin[last] = wingValuePerMargin;
        if (bidAsk < (blockBidAsk[last] as number)) blockBidAsk[last] = bidAsk;
      }
      longs[wingCount++] = far;
    }
    if (wingCount > wingsBefore) {
      // The short's figures are its blocks' (a maximum of maxima), not gathered wing by wing.
      let largest = -Infinity;
      let narrowest = Infinity;
      let ratio = -Infinity;
      let lessWidth = -Infinity;
      let value = -Infinity;
      let perMargin = -Infinity;
      for (let block = blocksBefore; block < blockCount; block++) {
        largest = Math.max(largest, blockCredit[block] as number);
        narrowest = Math.min(narrowest, blockNarrowest[block] as number);
        ratio = Math.max(ratio, blockRatio[block] as number);
        lessWidth = Math.max(lessWidth, blockLessWidth[block] as number);
        value = Math.max(value, blockValue[block] as number);
        perMargin = Math.max(perMargin, blockValuePerMargin[block] as number);
      }
      firstBlock[shortCount] = blocksBefore;
      shorts[shortCount] = near;
      firstWing[shortCount] = wingsBefore;
      largestCredit[shortCount] = largest;
      narrowestWidth[shortCount] = narrowest;
      largestCreditToWidth[shortCount] = ratio;
      largestCreditLessWidth[shortCount] = lessWidth;
      largestValue[shortCount] = value;
      largestValuePerMargin[shortCount] = perMargin;
      shortCount++;
    }
  }
  firstWing[shortCount] = wingCount;
  firstBlock[shortCount] = blockCount;
  blockFirstWing[blockCount] = wingCount;
  const supers = superBlocks(
    shortCount,
    firstBlock,
    blockCount,
    blockCredit,
    blockNarrowest,
    blockRatio,
    blockLessWidth,
    blockValue,
    blockValuePerMargin,
    blockBidAsk,
  );
  return {
    shortCount,
    shorts,
    firstWing,
    longs,
    largestCredit,
    narrowestWidth,
    largestCreditToWidth,
    largestCreditLessWidth,
    largestValue,
    largestValuePerMargin,
    firstBlock,
    blockFirstWing,
    blockLargestCredit: blockCredit,
    blockNarrowestWidth: blockNarrowest,
    blockLargestCreditToWidth: blockRatio,
    blockLargestCreditLessWidth: blockLessWidth,
    blockLargestValue: blockValue,
    blockLargestValuePerMargin: blockValuePerMargin,
    blockSmallestBidAsk: blockBidAsk,
    ...supers,
  };
}

type SuperBlocks = Pick<
  CreditWings,
  | "firstSuper"
  | "superFirstBlock"
  | "superLargestCredit"
  | "superNarrowestWidth"
  | "superLargestCreditToWidth"
  | "superLargestCreditLessWidth"
  | "superLargestValue"
  | "superLargestValuePerMargin"
  | "superSmallestBidAsk"
>;

/** Each short's blocks grouped SUPER_BLOCK at a time, each group with its blocks' figures combined (largest, or smallest where smaller bounds higher). */
function superBlocks(
  shortCount: number,
  firstBlock: Int32Array,
  blockCount: number,
  credit: Float64Array,
  narrowest: Float64Array,
  ratio: Float64Array,
  lessWidth: Float64Array,
  value: Float64Array,
  valuePerMargin: Float64Array,
  bidAsk: Float64Array,
): SuperBlocks {
  const room = Math.ceil(blockCount / SUPER_BLOCK) + shortCount;
  const firstSuper = new Int32Array(shortCount + 1);
  const superFirstBlock = new Int32Array(room + 1);
  const superCredit = new Float64Array(room);
  const superNarrowest = new Float64Array(room);
  const superRatio = new Float64Array(room);
  const superLessWidth = new Float64Array(room);
  const superValue = new Float64Array(room);
  const superValuePerMargin = new Float64Array(room);
  const superBidAsk = new Float64Array(room);
  let superCount = 0;
  for (let i = 0; i < shortCount; i++) {
    firstSuper[i] = superCount;
    const end = firstBlock[i + 1] as number;
    for (let block = firstBlock[i] as number; block < end; block++) {
      if ((block - (firstBlock[i] as number)) % SUPER_BLOCK === 0) {
        superFirstBlock[superCount] = block;
        superCredit[superCount] = credit[block] as number;
        superNarrowest[superCount] = narrowest[block] as number;
        superRatio[superCount] = ratio[block] as number;
        superLessWidth[superCount] = lessWidth[block] as number;
        superValue[superCount] = value[block] as number;
        superValuePerMargin[superCount] = valuePerMargin[block] as number;
        superBidAsk[superCount] = bidAsk[block] as number;
        superCount++;
      } else {
        const last = superCount - 1;
        superCredit[last] = Math.max(superCredit[last] as number, credit[block] as number);
        superNarrowest[last] = Math.min(superNarrowest[last] as number, narrowest[block] as number);
        superRatio[last] = Math.max(superRatio[last] as number, ratio[block] as number);
        superLessWidth[last] = Math.max(superLessWidth[last] as number, lessWidth[block] as number);
        superValue[last] = Math.max(superValue[last] as number, value[block] as number);
        superValuePerMargin[last] = Math.max(superValuePerMargin[last] as number, valuePerMargin[block] as number);
        superBidAsk[last] = Math.min(superBidAsk[last] as number, bidAsk[block] as number);
      }
    }
  }
  firstSuper[shortCount] = superCount;
  superFirstBlock[superCount] = blockCount;
  return {
    firstSuper,
    superFirstBlock,
    superLargestCredit: superCredit,
    superNarrowestWidth: superNarrowest,
    superLargestCreditToWidth: superRatio,
    superLargestCreditLessWidth: superLessWidth,
    superLargestValue: superValue,
    superLargestValuePerMargin: superValuePerMargin,
    superSmallestBidAsk: superBidAsk,
  };
}

/** A wing's EV per dollar of margin (width less twice the credit): +Infinity without margin or without a known EV. */
export function valuePerMargin(value: number, width: number, credit: number): number {
  const margin = width - 2 * credit;
  return margin > 0 && value < Infinity ? value / margin : Infinity;
}

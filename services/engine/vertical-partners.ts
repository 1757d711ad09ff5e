// The legs of one side that can take one role in a vertical (bought: LEG_LONG; sold:
// LEG_SHORT_OTM), listed in strike order, with how many of them lie below each leg: the
// partners of a near leg in a strike range are then one run of the list, and how many pairs
// the leg flags let through is a subtraction. For the search by groups, the extremes of the
// figures a group's bound needs, over every listed leg from a position outwards (away from
// the money): a superset of any group's partners, so a valid bound, found in one read.
import type { PricedSide } from "./priced-side.js";
import { LEG_LONG } from "./priced-side.js";
import type { VerticalEvaluator } from "./vertical-evaluator.js";

/** Figures of the listed legs a group's bound needs, aggregated over runs of positions. */
export class Extremes {
  // The fill price in this role (ask or mid when bought, bid or mid when sold), the price plus
  // the strike signed outwards, the expected payoff's edge over the price (E − buy when
  // bought, sell − E when sold: NaN where E is not filled is skipped), the bid-ask width.
  minPrice = new Float64Array(0);
  maxPrice = new Float64Array(0);
  minKey = new Float64Array(0);
  maxKey = new Float64Array(0);
  maxEdge = new Float64Array(0);
  /** The smallest probability of touch of a leg sold (only when the query sorts by it; NaN is skipped). */
  minTouch = new Float64Array(0);
  /** The smallest and largest deviation σ√T of a leg's own σ (what a leg sold brings under the short legs' σ). */
  minDeviation = new Float64Array(0);
  maxDeviation = new Float64Array(0);
  minBidAsk = new Float64Array(0);

  ensure(capacity: number): void {
    if (this.minPrice.length >= capacity) return;
    this.minPrice = new Float64Array(capacity);
    this.maxPrice = new Float64Array(capacity);
    this.minKey = new Float64Array(capacity);
    this.maxKey = new Float64Array(capacity);
    this.maxEdge = new Float64Array(capacity);
    this.minTouch = new Float64Array(capacity);
    this.minDeviation = new Float64Array(capacity);
    this.maxDeviation = new Float64Array(capacity);
    this.minBidAsk = new Float64Array(capacity);
  }
}

/** Blocks of 2^BLOCK_BITS consecutive listed legs: a visited group's partners are bounded block by block. */
export const BLOCK_BITS = 4;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;

export class PartnerExtremes {
  /** The listed legs (indices into the side), in strike order. */
  readonly legs: Int32Array;
  /** before[leg]: how many listed legs have a lower index than `leg` (count + 1 entries). */
  private readonly before: Int32Array;
  private size = 0;
  /** At each position, over every listed leg from it outwards (upwards on the calls, downwards on the puts). Allocated by the first search by groups. */
  readonly outward = new Extremes();
  /** Per block of positions (position >> BLOCK_BITS), over the block. */
  readonly blocks = new Extremes();

  constructor(
    capacity: number,
    private readonly role: number,
  ) {
    this.legs = new Int32Array(capacity);
    this.before = new Int32Array(capacity + 1);
  }

  /** Lists the side's legs that carry this role's flag. */
  list(side: PricedSide): void {
    const { flags, table } = side;
    const role = this.role;
    let size = 0;
    for (let leg = 0; leg < table.count; leg++) {
      this.before[leg] = size;
      if (((flags[leg] as number) & role) !== 0) this.legs[size++] = leg;
    }
    this.before[table.count] = size;
    this.size = size;
  }

  /** How many listed legs lie from leg `first` to leg `last` (none when last < first). */
  countIn(first: number, last: number): number {
    return (this.before[last + 1] as number) - (this.before[first] as number);
  }

  /** The position in the list of the first listed leg at or after leg `leg`. */
  startOf(leg: number): number {
    return this.before[leg] as number;
  }

  strikeAt(side: PricedSide, position: number): number {
    return side.table.strike[this.legs[position] as number] as number;
  }

  /** Fills the extremes of the listed legs (the edge only under a σ shared by the expiration). */
  extremes(side: PricedSide, shared: boolean, touches: VerticalEvaluator | undefined): void {
    const bought = this.role === LEG_LONG;
    const price = bought ? side.buy : side.sell;
    const { strike, ask, bid } = side.table;
    const sign = side.isCall ? 1 : -1;
    const size = this.size;
    const outward = this.outward;
    const blocks = this.blocks;
    outward.ensure(this.legs.length);
    blocks.ensure((this.legs.length >> BLOCK_BITS) + 1);
    let minPrice = Infinity;
    let maxPrice = -Infinity;
    let minKey = Infinity;
    let maxKey = -Infinity;
    let maxEdge = -Infinity;
    let minTouch = Infinity;
    let minDeviation = Infinity;
    let maxDeviation = -Infinity;
    let minBidAsk = Infinity;
    // Outwards is upwards on the calls: accumulate from the top of the list down. Each
    // block starts afresh at its outermost position.
    for (let step = 0; step < size; step++) {
      const position = side.isCall ? size - 1 - step : step;
      const block = position >> BLOCK_BITS;
      const blockStarts = side.isCall ? position === size - 1 || ((position + 1) & BLOCK_MASK) === 0 : (position & BLOCK_MASK) === 0;
      const leg = this.legs[position] as number;
      const fill = price[leg] as number;
      const key = sign * (strike[leg] as number) + fill;
      const payoff = side.expectedPayoff[leg] as number;
      // NaN (no shared σ, or E not filled) fails every comparison below and is skipped.
      const edge = shared ? (bought ? payoff - fill : fill - payoff) : Number.NaN;
      const width = (ask[leg] as number) - (bid[leg] as number);
      if (fill < minPrice) minPrice = fill;
      if (fill > maxPrice) maxPrice = fill;
      if (key < minKey) minKey = key;
      if (key > maxKey) maxKey = key;
      if (edge > maxEdge) maxEdge = edge;
      const touch = touches ? touches.shortTouch(side, leg) : Number.NaN;
      if (touch < minTouch) minTouch = touch;
      const deviation = side.deviation[leg] as number;
      if (deviation < minDeviation) minDeviation = deviation;
      if (deviation > maxDeviation) maxDeviation = deviation;
      if (width < minBidAsk) minBidAsk = width;
      outward.minPrice[position] = minPrice;
      outward.maxPrice[position] = maxPrice;
      outward.minKey[position] = minKey;
      outward.maxKey[position] = maxKey;
      outward.maxEdge[position] = maxEdge;
      outward.minTouch[position] = minTouch;
      outward.minDeviation[position] = minDeviation;
      outward.maxDeviation[position] = maxDeviation;
      outward.minBidAsk[position] = minBidAsk;
      if (blockStarts) {
        blocks.minPrice[block] = fill;
        blocks.maxPrice[block] = fill;
        blocks.minKey[block] = key;
        blocks.maxKey[block] = key;
        blocks.maxEdge[block] = edge > -Infinity ? edge : -Infinity;
        blocks.minTouch[block] = touch < Infinity ? touch : Infinity;
        blocks.minDeviation[block] = deviation < Infinity ? deviation : Infinity;
        blocks.maxDeviation[block] = deviation > -Infinity ? deviation : -Infinity;
        blocks.minBidAsk[block] = width;
      } else {
        if (fill < (blocks.minPrice[block] as number)) blocks.minPrice[block] = fill;
        if (fill > (blocks.maxPrice[block] as number)) blocks.maxPrice[block] = fill;
        if (key < (blocks.minKey[block] as number)) blocks.minKey[block] = key;
        if (key > (blocks.maxKey[block] as number)) blocks.maxKey[block] = key;
        if (edge > (blocks.maxEdge[block] as number)) blocks.maxEdge[block] = edge;
        if (touch < (blocks.minTouch[block] as number)) blocks.minTouch[block] = touch;
        if (deviation < (blocks.minDeviation[block] as number)) blocks.minDeviation[block] = deviation;
        if (deviation > (blocks.maxDeviation[block] as number)) blocks.maxDeviation[block] = deviation;
        if (width < (blocks.minBidAsk[block] as number)) blocks.minBidAsk[block] = width;
      }
    }
  }
}

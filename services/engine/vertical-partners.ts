// The legs of one side that can take one role in a vertical (bought: LEG_LONG; sold:
// LEG_SHORT_OTM), listed in strike order, with how many of them lie below each leg: the
// partners of a near leg in a strike range are then one run of the list, and how many pairs
// the leg flags let through is a subtraction. For the search by groups, the extremes of the
// figures a group's bound needs, over every listed leg from a position outwards (away from
// the money): a superset of any group's partners, so a valid bound, found in one read.
import type { PricedSide } from "./priced-side.js";
import { LEG_LONG } from "./priced-side.js";

const EMPTY = new Float64Array(0);

export class PartnerExtremes {
  /** The listed legs (indices into the side), in strike order. */
  readonly legs: Int32Array;
  /** before[leg]: how many listed legs have a lower index than `leg` (count + 1 entries). */
  private readonly before: Int32Array;
  private size = 0;
  // Over the listed legs from a position outwards (upwards on the calls, downwards on the
  // puts): the fill price in this role (ask or mid when bought, bid or mid when sold), the
  // price plus the strike signed outwards, the expected payoff's edge over the price (E − buy
  // when bought, sell − E when sold: NaN where E is not filled is skipped), the bid-ask width.
  // Allocated by the first search by groups: most scans never need them.
  minPrice = EMPTY;
  maxPrice = EMPTY;
  minKey = EMPTY;
  maxKey = EMPTY;
  maxEdge = EMPTY;
  minBidAsk = EMPTY;

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

  /** Where the extremes of the partners at positions from..end − 1 are read: their outermost superset starts at the one nearest the money. */
  extremeAt(isCall: boolean, from: number, end: number): number {
    return isCall ? from : end - 1;
  }

  /** Fills the extremes of the listed legs (the edge only under a σ shared by the expiration). */
  extremes(side: PricedSide, shared: boolean): void {
    const bought = this.role === LEG_LONG;
    const price = bought ? side.buy : side.sell;
    const { strike, ask, bid } = side.table;
    const sign = side.isCall ? 1 : -1;
    const size = this.size;
    if (this.minPrice.length < this.legs.length) {
      const capacity = this.legs.length;
      this.minPrice = new Float64Array(capacity);
      this.maxPrice = new Float64Array(capacity);
      this.minKey = new Float64Array(capacity);
      this.maxKey = new Float64Array(capacity);
      this.maxEdge = new Float64Array(capacity);
      this.minBidAsk = new Float64Array(capacity);
    }
    let minPrice = Infinity;
    let maxPrice = -Infinity;
    let minKey = Infinity;
    let maxKey = -Infinity;
    let maxEdge = -Infinity;
    let minBidAsk = Infinity;
    // Outwards is upwards on the calls: accumulate from the top of the list down.
    for (let step = 0; step < size; step++) {
      const position = side.isCall ? size - 1 - step : step;
      const leg = this.legs[position] as number;
      const fill = price[leg] as number;
      const key = sign * (strike[leg] as number) + fill;
      if (fill < minPrice) minPrice = fill;
      if (fill > maxPrice) maxPrice = fill;
      if (key < minKey) minKey = key;
      if (key > maxKey) maxKey = key;
      if (shared) {
        const payoff = side.expectedPayoff[leg] as number;
        const edge = bought ? payoff - fill : fill - payoff;
        if (edge > maxEdge) maxEdge = edge;
      }
      const width = (ask[leg] as number) - (bid[leg] as number);
      if (width < minBidAsk) minBidAsk = width;
      this.minPrice[position] = minPrice;
      this.maxPrice[position] = maxPrice;
      this.minKey[position] = minKey;
      this.maxKey[position] = maxKey;
      this.maxEdge[position] = maxEdge;
      this.minBidAsk[position] = minBidAsk;
    }
  }
}

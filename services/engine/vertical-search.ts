// The vertical spreads of one side of an expiration: each leg `near` with each partner `far`
// further from the money by a width in the allowed range. Credit: sell near, buy far. Debit:
// buy near, sell far.
//
// Only legs whose flags allow their role are enumerated (the side's legs that can be
// bought, and those that can be sold, in strike order): the pairs the leg flags reject are
// counted by arithmetic, never visited. A side whose groups (a near leg and a role) are
// wide is searched group by group, best bound first (vertical-bounds.ts), and the groups
// left when no bound can beat the N-th kept spread are counted as bounded out.
import { SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { PricedSide } from "./priced-side.js";
import { LEG_LONG, LEG_SHORT_OTM } from "./priced-side.js";
import type { ResolvedQuery } from "./resolved-query.js";
import { NO_LEG, type TopCandidates } from "./top-candidates.js";
import { VerticalGroup } from "./vertical-bounds.js";
import { PASSES } from "./filter-rejections.js";
import { CREDIT_VERTICAL, DEBIT_VERTICAL, type VerticalEvaluator } from "./vertical-evaluator.js";
import { BLOCK_BITS, PartnerExtremes, type Extremes } from "./vertical-partners.js";

/** Where the search adds what became of the candidates it did not hand to the evaluator. */
export interface VerticalCounts {
  considered: number;
  rejectedByLegFilters: number;
  /** Those, by the first filter each failed (filter-rejections.ts numbers). */
  legRejections: Float64Array;
  verticalsBoundedOut: number;
}

/**
 * A side is searched by groups when its groups average at least this many candidates:
 * below it, bounding and ordering the groups costs more than the candidates they could skip.
 */
const GROUP_SEARCH_MIN_AVERAGE = 32;
const TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;
const BEAR_CALL = CREDIT_VERTICAL.call;
const BULL_PUT = CREDIT_VERTICAL.put;
const BULL_CALL = DEBIT_VERTICAL.call;
const BEAR_PUT = DEBIT_VERTICAL.put;
const SIGMA_DISTANCE = SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE;

export class VerticalSearch {
  /** The legs that can be bought (LEG_LONG) and sold (LEG_SHORT_OTM), in strike order. */
  private readonly longs: PartnerExtremes;
  private readonly shorts: PartnerExtremes;
  /** Per near leg: its partners' range, raw leg indices first to last (empty when last < first). */
  private readonly first: Int32Array;
  private readonly last: Int32Array;
  /** Per group (near leg × 2 + 1 for debit): its bound, and how many of its pairs pass the leg flags. */
  private readonly groupPassing: Int32Array;
  // Allocated by the first search by groups.
  private groupBound = new Float64Array(0);
  private groupOrder = new Int32Array(0);
  private readonly group = new VerticalGroup();
  /**
   * Per leg, as differences (a run of partners adds 1 at its first leg and takes 1 away after
   * its last): how many groups whose pairs the leg flags reject, judged by their partners, have
   * it as a partner; as a long leg (credit groups) and as a short leg (debit groups). Summed
   * once per side, so a near leg costs two increments, not a pass over every filter.
   */
  private readonly longPartnerRuns: Int32Array;
  private readonly shortPartnerRuns: Int32Array;
  private readonly byBoundDescending = (a: number, b: number): number => (this.groupBound[b] as number) - (this.groupBound[a] as number);

  constructor(
    private readonly query: ResolvedQuery,
    private readonly evaluator: VerticalEvaluator,
    capacity: number,
    private readonly counts: VerticalCounts,
    private readonly multiplier: number,
  ) {
    this.longs = new PartnerExtremes(capacity, LEG_LONG);
    this.shorts = new PartnerExtremes(capacity, LEG_SHORT_OTM);
    this.first = new Int32Array(capacity);
    this.last = new Int32Array(capacity);
    this.groupPassing = new Int32Array(2 * capacity);
    this.longPartnerRuns = new Int32Array(capacity + 1);
    this.shortPartnerRuns = new Int32Array(capacity + 1);
  }

  search(side: PricedSide, expiryIndex: number, heap: TopCandidates): void {
    const name = side.isCall ? "call" : "put";
    const credit = this.query.strategies.has(CREDIT_VERTICAL[name]);
    const debit = this.query.strategies.has(DEBIT_VERTICAL[name]);
    const { minWidth, maxWidth } = this.query;
    const { table, flags, isCall } = side;
    const strikes = table.strike;
    const count = table.count;
    const longs = this.longs;
    const shorts = this.shorts;
    longs.list(side);
    shorts.list(side);
    let considered = 0;
    let passing = 0;
    // Partners lie at strikes from nearStrike ± minWidth to nearStrike ± maxWidth: both ends
    // of that window only move up the strikes as the near leg does, so two cursors find them.
    let low = 0;
    let high = 0;
    this.longPartnerRuns.fill(0, 0, count + 1);
    this.shortPartnerRuns.fill(0, 0, count + 1);
    for (let near = 0; near < count; near++) {
      const nearStrike = strikes[near] as number;
      let first: number;
      let last: number;
      if (isCall) {
        if (low < near + 1) low = near + 1;
        const nearest = nearStrike + minWidth;
        while (low < count && (strikes[low] as number) < nearest) low++;
        if (high < low) high = low;
        const furthest = nearStrike + maxWidth;
        while (high < count && (strikes[high] as number) <= furthest) high++;
        first = low;
        last = high - 1;
      } else {
        const nearest = nearStrike - minWidth;
        while (high < count && (strikes[high] as number) <= nearest) high++;
        const furthest = nearStrike - maxWidth;
        while (low < count && (strikes[low] as number) < furthest) low++;
        first = low;
        last = high - 1 < near - 1 ? high - 1 : near - 1;
      }
      if (last < first) last = first - 1;
      this.first[near] = first;
      this.last[near] = last;
      const size = last - first + 1;
      const nearFlags = flags[near] as number;
      const creditPairs = credit && (nearFlags & LEG_SHORT_OTM) !== 0 ? longs.countIn(first, last) : 0;
      const debitPairs = debit && (nearFlags & LEG_LONG) !== 0 ? shorts.countIn(first, last) : 0;
      this.groupPassing[2 * near] = creditPairs;
      this.groupPassing[2 * near + 1] = debitPairs;
      considered += (credit ? size : 0) + (debit ? size : 0);
      passing += creditPairs + debitPairs;
      if ((credit && creditPairs < size) || (debit && debitPairs < size)) {
        this.countRejections(side, near, credit && creditPairs < size, debit && debitPairs < size, first, last);
      }
    }
    this.countPartnerRejections(side);
    this.counts.considered += considered;
    this.counts.rejectedByLegFilters += considered - passing;
    if (passing >= GROUP_SEARCH_MIN_AVERAGE * count) this.searchByGroups(side, expiryIndex, heap);
    else {
      for (let near = 0; near < count; near++) {
        if (this.groupPassing[2 * near] !== 0) this.visitGroup(side, near, true, false, expiryIndex, heap);
        if (this.groupPassing[2 * near + 1] !== 0) this.visitGroup(side, near, false, false, expiryIndex, heap);
      }
    }
  }

  /**
   * Counts the rejected pairs of a near leg's groups, whose partners are legs first..last,
   * under the first filter each failed: the short leg's, then the long leg's
   * (docs/architecture.md). The partners' own failures are counted by countPartnerRejections.
   */
  private countRejections(side: PricedSide, near: number, creditRejects: boolean, debitRejects: boolean, first: number, last: number): void {
    const rejections = this.counts.legRejections;
    if (creditRejects) {
      // Sold at `near`: its own failure first, else each partner's as a long leg.
      const nearFailure = side.shortFailure[near] as number;
      if (nearFailure !== PASSES) rejections[nearFailure] = (rejections[nearFailure] as number) + last - first + 1;
      else this.addRun(this.longPartnerRuns, first, last);
    }
    if (debitRejects) {
      // Bought at `near`: each partner's failure as a short leg first, else (for the partners
      // that can be sold) the near leg's as a long one.
      this.addRun(this.shortPartnerRuns, first, last);
      const nearFailure = side.longFailure[near] as number;
      if (nearFailure !== PASSES) rejections[nearFailure] = (rejections[nearFailure] as number) + this.shorts.countIn(first, last);
    }
  }

  private addRun(runs: Int32Array, first: number, last: number): void {
    runs[first] = (runs[first] as number) + 1;
    runs[last + 1] = (runs[last + 1] as number) - 1;
  }

  /** Each partner's first failure, once for every rejecting group it is a partner of. */
  private countPartnerRejections(side: PricedSide): void {
    const rejections = this.counts.legRejections;
    const { longFailure, shortFailure } = side;
    const longRuns = this.longPartnerRuns;
    const shortRuns = this.shortPartnerRuns;
    let asLong = 0;
    let asShort = 0;
    for (let leg = 0; leg < side.table.count; leg++) {
      asLong += longRuns[leg] as number;
      asShort += shortRuns[leg] as number;
      const longFailed = longFailure[leg] as number;
      const shortFailed = shortFailure[leg] as number;
      if (asLong !== 0 && longFailed !== PASSES) rejections[longFailed] = (rejections[longFailed] as number) + asLong;
      if (asShort !== 0 && shortFailed !== PASSES) rejections[shortFailed] = (rejections[shortFailed] as number) + asShort;
    }
  }

  /** Every group bounded, then visited best bound first until no bound can beat the N-th kept spread. */
  private searchByGroups(side: PricedSide, expiryIndex: number, heap: TopCandidates): void {
    const count = side.table.count;
    const shared = this.evaluator.sharesVolatility;
    if (this.groupBound.length < this.groupPassing.length) {
      this.groupBound = new Float64Array(this.groupPassing.length);
      this.groupOrder = new Int32Array(this.groupPassing.length);
    }
    this.longs.extremes(side, shared, undefined);
    // A debit group's short legs vary: under the touch sort, its bound needs their smallest touch.
    this.shorts.extremes(side, shared, this.query.sort === TOUCH ? this.evaluator : undefined);
    let groups = 0;
    for (let near = 0; near < count; near++) {
      for (let role = 0; role < 2; role++) {
        const group = 2 * near + role;
        if (this.groupPassing[group] === 0) continue;
        const partners = role === 0 ? this.longs : this.shorts;
        const from = partners.startOf(this.first[near] as number);
        const end = partners.startOf((this.last[near] as number) + 1);
        // The group's partners' figures, read over every partner from its nearest outwards.
        const at = side.isCall ? from : end - 1;
        this.groupBound[group] =
          role === 0 ? this.creditBound(side, near, partners.outward, at, from, end) : this.debitBound(side, near, partners.outward, at, from, end);
        this.groupOrder[groups++] = group;
      }
    }
    const order = this.groupOrder.subarray(0, groups);
    order.sort(this.byBoundDescending);
    for (let index = 0; index < groups; index++) {
      const group = order[index] as number;
      if ((this.groupBound[group] as number) < heap.threshold) {
        let left = 0;
        for (let rest = index; rest < groups; rest++) left += this.groupPassing[order[rest] as number] as number;
        this.counts.verticalsBoundedOut += left;
        return;
      }
      this.visitGroup(side, group >> 1, (group & 1) === 0, true, expiryIndex, heap);
    }
  }

  /**
   * Bound on the sort value of the credit verticals sold at `near` with the partners at
   * positions from..end − 1 of the buyable legs, whose figures `extremes` aggregates at `at`
   * (over those partners or a superset of them).
   */
  private creditBound(side: PricedSide, near: number, extremes: Extremes, at: number, from: number, end: number): number {
    const longs = this.longs;
    const sign = side.isCall ? 1 : -1;
    const strike = side.table.strike[near] as number;
    const sell = side.sell[near] as number;
    const group = this.group;
    group.maxNet = sell - (extremes.minPrice[at] as number);
    group.narrowest = sign * (longs.strikeAt(side, side.isCall ? from : end - 1) - strike);
    group.widest = sign * (longs.strikeAt(side, side.isCall ? end - 1 : from) - strike);
    group.minMaxLoss = (extremes.minKey[at] as number) - sign * strike - sell;
    group.maxMaxLoss = (extremes.maxKey[at] as number) - sign * strike - sell;
    group.maxMaxProfit = group.maxNet;
    group.maxExpectedValue = this.evaluator.sharesVolatility ? sell - (side.expectedPayoff[near] as number) + (extremes.maxEdge[at] as number) : Number.NaN;
    group.popCeiling = this.evaluator.creditPopCeiling(side, near, group.maxNet);
    group.touchFloor = this.query.sort === TOUCH ? this.evaluator.shortTouch(side, near) : 0;
    group.sigmaDistanceCeiling = this.query.sort === SIGMA_DISTANCE ? this.evaluator.sigmaDistanceAt(side, near) : Infinity;
    group.maxAbsoluteNet = group.maxNet;
    group.smallestSummedBidAsk = (side.table.ask[near] as number) - (side.table.bid[near] as number) + (extremes.minBidAsk[at] as number);
    return group.sortValueBound(this.query, this.multiplier);
  }

  /** Bound on the sort value of the debit verticals bought at `near` with the partners at positions from..end − 1 of the sellable legs (as creditBound). */
  private debitBound(side: PricedSide, near: number, extremes: Extremes, at: number, from: number, end: number): number {
    const shorts = this.shorts;
    const sign = side.isCall ? 1 : -1;
    const strike = side.table.strike[near] as number;
    const buy = side.buy[near] as number;
    const group = this.group;
    group.maxNet = (extremes.maxPrice[at] as number) - buy;
    group.narrowest = sign * (shorts.strikeAt(side, side.isCall ? from : end - 1) - strike);
    group.widest = sign * (shorts.strikeAt(side, side.isCall ? end - 1 : from) - strike);
    group.minMaxLoss = -group.maxNet;
    group.maxMaxLoss = buy - (extremes.minPrice[at] as number);
    group.maxMaxProfit = (extremes.maxKey[at] as number) - sign * strike - buy;
    group.maxExpectedValue = this.evaluator.sharesVolatility ? (extremes.maxEdge[at] as number) + (side.expectedPayoff[near] as number) - buy : Number.NaN;
    group.popCeiling = this.evaluator.debitPopCeiling(side, near, -group.maxNet, extremes.minDeviation[at] as number, extremes.maxDeviation[at] as number);
    // Probabilities lie in [0, 1]; a floor that is not one (no touch read) bounds nothing.
    const touchFloor = extremes.minTouch[at] as number;
    group.touchFloor = touchFloor >= 0 && touchFloor <= 1 ? touchFloor : 0;
    // The shorts vary; under a shared σ the distance is monotone in the strike, so the
    // farther end of the partners bounds it (under each short's own σ nothing is bounded).
    group.sigmaDistanceCeiling =
      this.query.sort === SIGMA_DISTANCE && this.evaluator.sharesVolatility
        ? Math.max(this.evaluator.sigmaDistanceAt(side, shorts.legs[from] as number), this.evaluator.sigmaDistanceAt(side, shorts.legs[end - 1] as number))
        : Infinity;
    group.maxAbsoluteNet = group.maxMaxLoss;
    group.smallestSummedBidAsk = (side.table.ask[near] as number) - (side.table.bid[near] as number) + (extremes.minBidAsk[at] as number);
    return group.sortValueBound(this.query, this.multiplier);
  }

  /**
   * The verticals of one group (credit: sold at `near`; debit: bought there), one by one;
   * `byBlocks` (in a search by groups), block of partners by block, each bounded first and
   * counted as bounded out when its bound cannot beat the N-th kept spread.
   */
  private visitGroup(side: PricedSide, near: number, isCredit: boolean, byBlocks: boolean, expiryIndex: number, heap: TopCandidates): void {
    const partners = isCredit ? this.longs : this.shorts;
    const from = partners.startOf(this.first[near] as number);
    const end = partners.startOf((this.last[near] as number) + 1);
    let ceiling = 1;
    // Under a σ shared by the expiration the evaluator bounds a credit's POP by its long
    // strike's probability, already at hand: on narrow groups that is nearly as tight, and the
    // ceiling's logarithm and normal CDF per group cost more than they save.
    if (isCredit && (byBlocks || !this.evaluator.sharesVolatility)) {
      const buy = side.buy;
      const legs = partners.legs;
      let cheapestLong = Infinity;
      for (let position = from; position < end; position++) {
        const price = buy[legs[position] as number] as number;
        if (price < cheapestLong) cheapestLong = price;
      }
      ceiling = this.evaluator.creditPopCeiling(side, near, (side.sell[near] as number) - cheapestLong);
    }
    if (!byBlocks) {
      this.visitRun(side, near, isCredit, from, end, ceiling, expiryIndex, heap);
      return;
    }
    for (let start = from; start < end;) {
      const block = start >> BLOCK_BITS;
      const stop = Math.min(end, (block + 1) << BLOCK_BITS);
      const bound = isCredit
        ? this.creditBound(side, near, partners.blocks, block, start, stop)
        : this.debitBound(side, near, partners.blocks, block, start, stop);
      if (bound < heap.threshold) this.counts.verticalsBoundedOut += stop - start;
      else this.visitRun(side, near, isCredit, start, stop, ceiling, expiryIndex, heap);
      start = stop;
    }
  }

  /** The verticals of one group with the partners at positions from..end − 1, one by one. */
  private visitRun(
    side: PricedSide,
    near: number,
    isCredit: boolean,
    from: number,
    end: number,
    ceiling: number,
    expiryIndex: number,
    heap: TopCandidates,
  ): void {
    const evaluator = this.evaluator;
    const legs = (isCredit ? this.longs : this.shorts).legs;
    const strategy = isCredit ? (side.isCall ? BEAR_CALL : BULL_PUT) : side.isCall ? BULL_CALL : BEAR_PUT;
    // The N-th kept spread's sort value moves only when a spread is kept.
    let threshold = heap.threshold;
    const quick = evaluator.ranksFromLegFigures;
    for (let position = from; position < end; position++) {
      if (quick && threshold !== -Infinity) {
        // Most candidates are ranked out: those go by in a tight loop, and the first that
        // is not goes through the evaluator below.
        position = evaluator.skipRankedOut(side, near, isCredit, legs, position, end, ceiling, threshold);
        if (position === end) break;
      }
      const far = legs[position] as number;
      const short = isCredit ? near : far;
      const long = isCredit ? far : near;
      if (evaluator.vertical(side, short, long, isCredit, threshold, false, ceiling)) {
        if (side.isCall) heap.offer(evaluator.sortValue, evaluator.score, expiryIndex, strategy, NO_LEG, NO_LEG, short, long);
        else heap.offer(evaluator.sortValue, evaluator.score, expiryIndex, strategy, long, short, NO_LEG, NO_LEG);
        threshold = heap.threshold;
      }
    }
  }
}

// The calendars and diagonals of a scan: for each front expiration in the DTE range, every
// later (back) expiration in the back range, every short leg of the front, and every long
// leg of the back it can pair with (a calendar: the same strike; a call diagonal: a lower
// strike, a put diagonal a higher one, within the width bounds). Each pair is a candidate,
// counted like any other: rejected by its legs' flags (the short-leg filters and the
// out-of-the-money rule on the front leg, max_long_delta on the back), or handed to the
// evaluator, which counts the rest.
import { Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import type { ExpiryEvaluator } from "../expiry-evaluator.js";
import { addRejections, isEventFilter, newRejectionCounts, PASSES } from "../filter-rejections.js";
import { failEveryLeg } from "../market-context/event-exclusion.js";
import type { ExpirySlice, LegTable, PreparedChain } from "../prepared-chain.js";
import { LEG_LONG, LEG_SHORT_OTM, priceSide, scratchSide, type PricedSide } from "../priced-side.js";
import type { ResolvedQuery } from "../resolved-query.js";
import { lowerBound, upperBound } from "../strike-search.js";
import { NO_LEG, type TopCandidates } from "../top-candidates.js";
import { describeTwoExpirySpread } from "./two-expiry-description.js";
import { TwoExpiryEvaluator } from "./two-expiry-evaluator.js";

const CALL_CALENDAR = Strategy.STRATEGY_CALL_CALENDAR;
const PUT_CALENDAR = Strategy.STRATEGY_PUT_CALENDAR;
const CALL_DIAGONAL = Strategy.STRATEGY_CALL_DIAGONAL;
const PUT_DIAGONAL = Strategy.STRATEGY_PUT_DIAGONAL;

export class TwoExpirySearch {
  readonly evaluator: TwoExpiryEvaluator;
  considered = 0;
  rejectedByLegFilters = 0;
  /** The candidates rejected by leg filters, by the first filter each failed (filter-rejections.ts numbers). */
  readonly legRejections = newRejectionCounts();
  private readonly frontCalls: PricedSide;
  private readonly frontPuts: PricedSide;
  private readonly backCalls: PricedSide;
  private readonly backPuts: PricedSide;

  /** `expiryVolatility`: per expiration, the σ its spreads share, NaN when each spread's short leg gives its own. */
  constructor(
    private readonly prepared: PreparedChain,
    private readonly query: ResolvedQuery,
    private readonly expiryVolatility: Float64Array,
    /** Per expiration: 1 when the query's event filters leave it out (ScanRun); undefined without them. */
    private readonly leftOutByEvents?: Uint8Array,
  ) {
    this.evaluator = new TwoExpiryEvaluator(query, {
      spot: prepared.spot,
      rate: prepared.rate,
      dividendYield: prepared.dividendYield,
      multiplier: prepared.multiplier,
      expiry: prepared.expiries[0] as ExpirySlice,
    });
    let widest = 0;
    for (const expiry of prepared.expiries) widest = Math.max(widest, expiry.calls.count, expiry.puts.count);
    this.frontCalls = scratchSide(widest, true);
    this.frontPuts = scratchSide(widest, false);
    this.backCalls = scratchSide(widest, true);
    this.backPuts = scratchSide(widest, false);
    this.evaluator.reserve(widest);
  }

  /** Every calendar and diagonal the query asks for whose front expiration is `frontIndex` (in the DTE range), offered to `heap`. */
  scanFront(frontIndex: number, heap: TopCandidates): void {
    const strategies = this.query.strategies;
    const callCalendar = strategies.has(CALL_CALENDAR);
    const callDiagonal = strategies.has(CALL_DIAGONAL);
    const putCalendar = strategies.has(PUT_CALENDAR);
    const putDiagonal = strategies.has(PUT_DIAGONAL);
    const wantCalls = callCalendar || callDiagonal;
    const wantPuts = putCalendar || putDiagonal;
    if (!wantCalls && !wantPuts) return;
    const expiries = this.prepared.expiries;
    const front = expiries[frontIndex] as ExpirySlice;
    this.evaluator.setExpiry(front, this.expiryVolatility[frontIndex] as number);
    const frontCalls = wantCalls ? this.price(this.frontCalls, front.calls, front, frontIndex) : undefined;
    const frontPuts = wantPuts ? this.price(this.frontPuts, front.puts, front, frontIndex) : undefined;
    const lastBackDte = Math.min(this.query.maxBackDte, front.dte + this.query.maxBackDaysAfterFront);
    for (let backIndex = frontIndex + 1; backIndex < expiries.length; backIndex++) {
      const back = expiries[backIndex] as ExpirySlice;
      if (back.dte > lastBackDte) break;
      if (back.dte < this.query.minBackDte) continue;
      this.evaluator.setBackExpiry(back);
      if (frontCalls) {
        const backCalls = this.price(this.backCalls, back.calls, back, backIndex);
        this.pairs(frontCalls, backCalls, callCalendar, callDiagonal, frontIndex, backIndex, heap);
      }
      if (frontPuts) {
        const backPuts = this.price(this.backPuts, back.puts, back, backIndex);
        this.pairs(frontPuts, backPuts, putCalendar, putDiagonal, frontIndex, backIndex, heap);
      }
    }
  }

  /** Adds what became of this search's candidates to the scan's counts. */
  foldCountsInto(counts: { considered: number; rejectedByLegFilters: number; legRejections: Float64Array }, evaluator: ExpiryEvaluator): void {
    counts.considered += this.considered;
    counts.rejectedByLegFilters += this.rejectedByLegFilters;
    addRejections(counts.legRejections, this.legRejections);
    evaluator.rejectedBySpreadFilters += this.evaluator.rejectedBySpreadFilters;
    addRejections(evaluator.spreadRejections, this.evaluator.spreadRejections);
    evaluator.rankedOut += this.evaluator.rankedOut;
    evaluator.fullyEvaluated += this.evaluator.fullyEvaluated;
  }

  /**
   * Counts a pair one of whose legs fails its leg filters, under the first filter failed: the
   * event filters first (the front's, then the back's: a later expiration can be left out
   * alone), then the short leg's, then the long leg's.
   */
  private rejectLegs(front: PricedSide, short: number, back: PricedSide, long: number): void {
    this.rejectedByLegFilters++;
    const shortFailure = front.shortFailure[short] as number;
    const longFailure = back.longFailure[long] as number;
    const filter = isEventFilter(shortFailure) || !isEventFilter(longFailure) ? (shortFailure !== PASSES ? shortFailure : longFailure) : longFailure;
    this.legRejections[filter] = (this.legRejections[filter] as number) + 1;
  }

  /** Describes a kept calendar or diagonal from its heap slot's expirations, strategy and legs (put long, put short, call short, call long). */
  describe(frontIndex: number, backIndex: number, strategy: Strategy, putLong: number, putShort: number, callShort: number, callLong: number): Spread {
    const expiries = this.prepared.expiries;
    const front = expiries[frontIndex] as ExpirySlice;
    const back = expiries[backIndex] as ExpirySlice;
    const isCall = callShort !== NO_LEG;
    this.evaluator.setExpiry(front, this.expiryVolatility[frontIndex] as number);
    this.evaluator.setBackExpiry(back);
    const frontSide = this.price(isCall ? this.frontCalls : this.frontPuts, isCall ? front.calls : front.puts, front, frontIndex);
    const backSide = this.price(isCall ? this.backCalls : this.backPuts, isCall ? back.calls : back.puts, back, backIndex);
    const short = isCall ? callShort : putShort;
    const long = isCall ? callLong : putLong;
    this.evaluator.beginBackSide();
    this.evaluator.beginShort(frontSide, short);
    this.evaluator.evaluate(frontSide, short, backSide, long, -Infinity, true);
    return describeTwoExpirySpread(this.evaluator, this.prepared, strategy, front, frontSide, short, back, backSide, long);
  }

  /** One side priced for this query: fill prices, leg flags and σ (the expiration's shared one, or each leg's own). */
  private price(scratch: PricedSide, table: LegTable, expiry: ExpirySlice, expiryIndex: number): PricedSide {
    const side = priceSide(scratch, table, expiry.years, this.expiryVolatility[expiryIndex] as number, this.query, this.prepared, { failureReasons: true });
    const leftOutBy = this.leftOutByEvents?.[expiryIndex] ?? 0;
    if (leftOutBy !== 0) failEveryLeg(side, leftOutBy);
    return side;
  }

  /**
   * Every pair of a short leg of `front` with a long leg of `back` of the same right: the
   * same strike (calendar) and, for a diagonal, long strikes on the money side of the short
   * (below a call's, above a put's) within the width bounds.
   */
  private pairs(front: PricedSide, back: PricedSide, calendar: boolean, diagonal: boolean, frontIndex: number, backIndex: number, heap: TopCandidates): void {
    const isCall = front.isCall;
    const calendarStrategy = isCall ? CALL_CALENDAR : PUT_CALENDAR;
    const diagonalStrategy = isCall ? CALL_DIAGONAL : PUT_DIAGONAL;
    const { minWidth, maxWidth } = this.query;
    const evaluator = this.evaluator;
    evaluator.beginBackSide();
    const frontStrikes = front.table.strike;
    const backStrikes = back.table.strike;
    const backCount = back.table.count;
    for (let short = 0; short < front.table.count; short++) {
      const shortStrike = frontStrikes[short] as number;
      const shortPasses = ((front.flags[short] as number) & LEG_SHORT_OTM) !== 0;
      let begun = false;
      if (calendar) {
        const long = lowerBound(backStrikes, backCount, shortStrike, 0);
        if (long < backCount && backStrikes[long] === shortStrike) {
          this.considered++;
          if (!shortPasses || ((back.flags[long] as number) & LEG_LONG) === 0) this.rejectLegs(front, short, back, long);
          else {
            evaluator.beginShort(front, short);
            begun = true;
            if (evaluator.evaluate(front, short, back, long, heap.threshold, false))
              this.offer(heap, calendarStrategy, isCall, short, long, frontIndex, backIndex);
          }
        }
      }
      if (!diagonal) continue;
      // A diagonal's width is above 0 (equal strikes make a calendar) and within the bounds.
      let first: number;
      let last: number;
      if (isCall) {
        first = lowerBound(backStrikes, backCount, shortStrike - maxWidth, 0);
        last = upperBound(backStrikes, backCount, shortStrike - minWidth, first) - 1;
        while (last >= first && (backStrikes[last] as number) >= shortStrike) last--;
      } else {
        first = lowerBound(backStrikes, backCount, shortStrike + minWidth, 0);
        while (first < backCount && (backStrikes[first] as number) <= shortStrike) first++;
        last = upperBound(backStrikes, backCount, shortStrike + maxWidth, first) - 1;
      }
      for (let long = first; long <= last; long++) {
        this.considered++;
        if (!shortPasses || ((back.flags[long] as number) & LEG_LONG) === 0) {
          this.rejectLegs(front, short, back, long);
          continue;
        }
        if (!begun) {
          evaluator.beginShort(front, short);
          begun = true;
        }
        if (evaluator.evaluate(front, short, back, long, heap.threshold, false)) this.offer(heap, diagonalStrategy, isCall, short, long, frontIndex, backIndex);
      }
    }
  }

  private offer(heap: TopCandidates, strategy: Strategy, isCall: boolean, short: number, long: number, frontIndex: number, backIndex: number): void {
    const sortValue = this.evaluator.sortValue;
    const score = this.evaluator.score;
    if (isCall) heap.offer(sortValue, score, frontIndex, strategy, NO_LEG, NO_LEG, short, long, backIndex);
    else heap.offer(sortValue, score, frontIndex, strategy, long, short, NO_LEG, NO_LEG, backIndex);
  }
}

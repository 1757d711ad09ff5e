// The metrics of one candidate spread, computed by one set of formulas whether the hot
// loop is filtering millions of candidates or the result is being described: results are
// written into the evaluator's own fields, so evaluating allocates nothing.
import { SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { compositeScore, liquidityComponent } from "./composite-score.js";
import type { ExpirySlice, LegTable } from "./prepared-chain.js";
import type { ResolvedQuery } from "./resolved-query.js";
import { expectedCallFromLog, expectedPutFromLog, expectedPutGivenBelow, probabilityBelowFromLog } from "./lognormal-kernels.js";
import {
  forward,
  touchProbabilityAbove,
  touchProbabilityBelow,
  touchProbabilityEither,
} from "./terminal-distribution.js";

/** A side of one expiration with the per-query columns the hot loop reads. */
export interface PricedSide {
  readonly table: LegTable;
  readonly isCall: boolean;
  /** Price at which a sold leg fills (mid, or bid under natural pricing), per share. */
  readonly sell: Float64Array;
  /** Price at which a bought leg fills (mid, or ask under natural pricing), per share. */
  readonly buy: Float64Array;
  /** Bid-ask width divided by mid. */
  readonly bidAskFraction: Float64Array;
  /**
   * The σ of each leg's distribution under the query's probability model: the expiration's
   * shared σ, or under PROBABILITY_MODEL_SHORT_LEG_IV the leg's own implied volatility.
   */
  readonly volatility: Float64Array;
  /** That σ times √T: the deviation of ln S_T under it. */
  readonly deviation: Float64Array;
  /** LEG_* flags for this query. */
  readonly flags: Uint8Array;
  /**
   * Expected payoff at expiry of each leg under its σ. With a σ shared by the expiration,
   * filled in with the side for every leg a spread can reach (fillSharedColumns); otherwise
   * NaN until needed.
   */
  readonly expectedPayoff: Float64Array;
  /** P(S_T < strike) under the expiration's shared σ, filled in with expectedPayoff; unused otherwise. */
  readonly probabilityBelowStrike: Float64Array;
  /** Probability of touching each leg's strike from its winning side under its σ (NaN until needed). */
  readonly touch: Float64Array;
  /** Expected payoff of each leg under the current iron pair's volatility, valid where pairGeneration matches. */
  readonly pairPayoff: Float64Array;
  readonly pairGeneration: Int32Array;
}

/** Passes the per-leg filters (age, open interest, volume, bid-ask width). */
export const LEG_USABLE = 1;
/** Usable, and passes the short-leg filters (|delta|, implied volatility). */
export const LEG_SHORT = 2;
/** As LEG_SHORT, and out of the money (or the query does not require it). */
export const LEG_SHORT_OTM = 4;
/** Usable, and passes the long-leg filter (|delta|). */
export const LEG_LONG = 8;
/**
 * At the money: the listed strike nearest the underlying price on this side (either
 * neighbour when the price sits between two strikes), or the query allows shorts in the
 * money. An iron butterfly's body must be here: its shorts cannot both be out of the money.
 */
export const LEG_BODY = 16;

// Read once: the hot loop should not go through the enum object for every candidate.
const SORT_BY_SCORE = SortKey.SORT_KEY_SCORE;
const SORT_BY_POP = SortKey.SORT_KEY_POP;
const SORT_BY_EXPECTED_VALUE = SortKey.SORT_KEY_EXPECTED_VALUE;
const SORT_BY_RETURN_ON_RISK = SortKey.SORT_KEY_RETURN_ON_RISK;
const SORT_BY_CREDIT = SortKey.SORT_KEY_CREDIT;
const SORT_BY_CREDIT_TO_WIDTH = SortKey.SORT_KEY_CREDIT_TO_WIDTH;
const SORT_BY_MAX_LOSS = SortKey.SORT_KEY_MAX_LOSS;
const SORT_BY_TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;

/**
 * A billionth of a dollar per share: payoffs within it of zero are zero. Without it a
 * spread whose credit equals a wing in exact arithmetic would be "profitable" or not by
 * rounding, and its POP would jump between 0 and 1.
 */
export const MONEY_EPSILON = 1e-9;

export interface EvaluationMarket {
  spot: number;
  rate: number;
  dividendYield: number;
  multiplier: number;
  expiry: ExpirySlice;
}

export class SpreadEvaluator {
  // Results of the last evaluation: per share unless named per lot.
  netCredit = 0;
  width = 0;
  maxProfitPerLot = 0;
  maxLossPerLot = 0;
  breakevenLow = Number.NaN;
  breakevenHigh = Number.NaN;
  pop = 0;
  expectedValuePerLot = 0;
  probabilityOfTouch = Number.NaN;
  volatility = 0;
  liquidity = 0;
  worstBidAskFraction = 0;
  score = 0;
  sortValue = 0;
  // What became of the candidates evaluated so far (describing one counts nothing): each
  // ends in exactly one of these. Plain integer fields, so counting costs an increment.
  /** Failed a filter on the spread's own figures, or is no spread at all (nothing to gain or nothing at risk). */
  rejectedBySpreadFilters = 0;
  /** Passed every filter, dropped because it cannot beat the worst kept spread, before all its figures were computed. */
  rankedOut = 0;
  /** Passed every filter with every figure its filters and rank need computed. */
  fullyEvaluated = 0;

  /** Candidates that passed every filter, whether or not they ranked. */
  get passed(): number {
    return this.rankedOut + this.fullyEvaluated;
  }

  /** True when no filter waits on POP, touch or EV: a candidate can then be dropped by rank before they are computed. */
  private readonly rankBeforeProbabilities: boolean;
  /** True when no filter waits on POP or touch: an iron spread can then be dropped by rank before POP. */
  private readonly ironRankBeforePop: boolean;

  constructor(
    private readonly query: ResolvedQuery,
    private readonly market: EvaluationMarket,
  ) {
    this.ironRankBeforePop = query.minPop === -Infinity && query.maxProbabilityOfTouch === Infinity;
    this.rankBeforeProbabilities = this.ironRankBeforePop && query.minExpectedValue === -Infinity;
  }

  // Per expiration: the forward and its logarithm, and the σ all its spreads share (NaN
  // under PROBABILITY_MODEL_SHORT_LEG_IV, where each spread has its own).
  private forwardPrice = 0;
  private logForward = 0;
  private sqrtYears = 0;
  private shared = false;
  private sharedVolatility = Number.NaN;

  /** Starts an expiration; `sharedVolatility` is its σ, or NaN when each spread's short legs give their own. */
  setExpiry(expiry: ExpirySlice, sharedVolatility: number): void {
    const { spot, rate, dividendYield } = this.market;
    this.market.expiry = expiry;
    this.forwardPrice = forward(spot, rate, dividendYield, expiry.years);
    this.logForward = Math.log(spot) + (rate - dividendYield) * expiry.years;
    this.sqrtYears = Math.sqrt(expiry.years);
    this.sharedVolatility = sharedVolatility;
    this.shared = !Number.isNaN(sharedVolatility);
  }

  /**
   * Under a σ shared by the expiration, each leg's probability below its strike and its
   * expected payoff are constants of the expiration: computed here once, for the legs from
   * `first` to `end` - 1, so that the hot loop and its bounds only read them. Call after the
   * side's volatility and deviation columns are filled.
   */
  fillSharedColumns(side: PricedSide, first: number, end: number): void {
    const { table, probabilityBelowStrike, expectedPayoff } = side;
    const forwardPrice = this.forwardPrice;
    const logForward = this.logForward;
    for (let leg = first; leg < end; leg++) {
      const deviation = side.deviation[leg] as number;
      const strike = table.strike[leg] as number;
      const logStrikeOverForward = (table.logStrike[leg] as number) - logForward;
      const below = probabilityBelowFromLog(logStrikeOverForward, deviation);
      probabilityBelowStrike[leg] = below;
      expectedPayoff[leg] = side.isCall
        ? expectedCallFromLog(strike, forwardPrice, -logStrikeOverForward, deviation)
        : expectedPutGivenBelow(strike, forwardPrice, logStrikeOverForward, deviation, below);
    }
  }

  /**
   * A vertical: sell `short` and buy `long` on one side. Credit strategies (bull put, bear
   * call) have the short nearer the money; debit strategies (bull call, bear put) the long.
   * Returns false when the spread fails a filter or cannot rank above `threshold` (pruning
   * by rank waits until no filter is left unchecked, so what it drops has passed them all).
   * With `describe` set, every metric is computed and nothing is pruned. `popCeiling`
   * bounds the candidate's POP (see creditPopCeiling).
   */
  vertical(side: PricedSide, short: number, long: number, isCredit: boolean, threshold: number, describe: boolean, popCeiling = 1): boolean {
    const query = this.query;
    const table = side.table;
    const strikeShort = table.strike[short] as number;
    const strikeLong = table.strike[long] as number;
    const width = strikeShort > strikeLong ? strikeShort - strikeLong : strikeLong - strikeShort;
    const net = (side.sell[short] as number) - (side.buy[long] as number);
    const maxProfit = isCredit ? net : width + net;
    const maxLoss = isCredit ? width - net : -net;
    if (!describe) {
      if (!(maxProfit > MONEY_EPSILON && maxLoss > MONEY_EPSILON)) return this.rejected();
      if (isCredit) {
        if (net < query.minCredit || net < query.minCreditToWidth * width) return this.rejected();
      } else if (-net > query.maxDebit) return this.rejected();
    }
    const multiplier = this.market.multiplier;
    const maxLossPerLot = maxLoss * multiplier;
    const returnOnRisk = maxProfit / maxLoss;
    if (!describe && (maxLossPerLot > query.maxMaxLoss || returnOnRisk < query.minReturnOnRisk)) return this.rejected();

    const bidAskFraction = Math.max(side.bidAskFraction[short] as number, side.bidAskFraction[long] as number);
    const liquidity = liquidityComponent(
      (table.ask[short] as number) - (table.bid[short] as number) + (table.ask[long] as number) - (table.bid[long] as number),
      net,
    );
    const volatility = side.volatility[short] as number;
    const deviation = side.deviation[short] as number;
    const sign = side.isCall ? 1 : -1;
    // Where the position breaks even at expiry, and on which side of it it makes money.
    const breakeven = isCredit ? strikeShort + sign * net : strikeLong - sign * net;
    const profitAbove = isCredit !== side.isCall;
    const maxProfitPerLot = maxProfit * multiplier;
    const needsTouch = describe || query.maxProbabilityOfTouch < Infinity || query.sort === SORT_BY_TOUCH;
    let pop: number;
    let touch = Number.NaN;
    let expectedValuePerLot: number;
    if (this.shared) {
      // One σ for the expiration: EV and touch are read from per-strike constants, so they
      // come first, and POP (one logarithm and one normal CDF) is left for the candidates
      // that can still rank.
      expectedValuePerLot = (net - (side.expectedPayoff[short] as number) + (side.expectedPayoff[long] as number)) * multiplier;
      if (!describe && expectedValuePerLot < query.minExpectedValue) return this.rejected();
      if (needsTouch) {
        touch = this.legTouch(side, short);
        if (!describe && touch > query.maxProbabilityOfTouch) return this.rejected();
      }
      if (!describe && query.minPop === -Infinity && threshold !== -Infinity) {
        // The breakeven lies strictly between the strikes (there is something to gain and
        // something at risk), so the position makes money only beyond its long strike.
        const beyondLong = side.probabilityBelowStrike[long] as number;
        const popBound = Math.min(popCeiling, profitAbove ? 1 - beyondLong : beyondLong);
        if (this.cannotRank(net, width, maxLossPerLot, returnOnRisk, popBound, expectedValuePerLot / maxLossPerLot, expectedValuePerLot, touch, liquidity, threshold)) {
          this.rankedOut++;
          return false;
        }
      }
      const below = probabilityBelowFromLog(Math.log(breakeven) - this.logForward, deviation);
      pop = profitAbove ? 1 - below : below;
      if (!describe && pop < query.minPop) return this.rejected();
    } else {
      if (!describe && this.rankBeforeProbabilities && threshold !== -Infinity) {
        // EV never exceeds max profit × POP; and when the long leg's own volatility is at
        // least the short's (a put skew's bull puts, its bull calls), valuing the long leg at
        // its own volatility overstates it (vega is positive): EV ≤ net − E_short + E_long(σ_long),
        // from payoffs cached per leg, so the bound costs no CDF per candidate.
        let expectedValueBound = maxProfit * popCeiling;
        if (volatility <= (side.volatility[long] as number)) {
          expectedValueBound = Math.min(expectedValueBound, net - this.legPayoff(side, short) + this.legPayoff(side, long));
        }
        if (
          this.cannotRank(net, width, maxLossPerLot, returnOnRisk, popCeiling, (expectedValueBound * multiplier) / maxLossPerLot, expectedValueBound * multiplier, Number.NaN, liquidity, threshold)
        ) {
          this.rankedOut++;
          return false;
        }
      }
      const below = probabilityBelowFromLog(Math.log(breakeven) - this.logForward, deviation);
      pop = profitAbove ? 1 - below : below;
      if (!describe && pop < query.minPop) return this.rejected();
      if (needsTouch) {
        touch = this.legTouch(side, short);
        if (!describe && touch > query.maxProbabilityOfTouch) return this.rejected();
      }
      if (
        !describe &&
        query.minExpectedValue === -Infinity &&
        this.cannotRank(net, width, maxLossPerLot, returnOnRisk, pop, returnOnRisk * pop, maxProfitPerLot * pop, touch, liquidity, threshold)
      ) {
        this.rankedOut++;
        return false;
      }
      // The long leg under the short leg's σ: that is the spread's distribution.
      const logForwardOverLong = this.logForward - (table.logStrike[long] as number);
      const longPayoff = side.isCall
        ? expectedCallFromLog(strikeLong, this.forwardPrice, logForwardOverLong, deviation)
        : expectedPutFromLog(strikeLong, this.forwardPrice, logForwardOverLong, deviation);
      expectedValuePerLot = (net - this.legPayoff(side, short) + longPayoff) * multiplier;
      if (!describe && expectedValuePerLot < query.minExpectedValue) return this.rejected();
    }

    this.netCredit = net;
    this.width = width;
    this.maxProfitPerLot = maxProfitPerLot;
    this.maxLossPerLot = maxLossPerLot;
    this.breakevenLow = breakeven;
    this.breakevenHigh = Number.NaN;
    this.pop = pop;
    this.expectedValuePerLot = expectedValuePerLot;
    this.probabilityOfTouch = touch;
    this.volatility = volatility;
    this.liquidity = liquidity;
    this.worstBidAskFraction = bidAskFraction;
    this.finishRanking(returnOnRisk, width);
    if (!describe) this.fullyEvaluated++;
    return true;
  }

  /**
   * Bound on the POP of every credit vertical sold at `short` that collects at most
   * `largestCredit`: more credit moves the breakeven further out of the money.
   */
  creditPopCeiling(side: PricedSide, short: number, largestCredit: number): number {
    const strike = side.table.strike[short] as number;
    const breakeven = side.isCall ? strike + largestCredit : strike - largestCredit;
    if (!(breakeven > 0)) return 1;
    const below = probabilityBelowFromLog(Math.log(breakeven) - this.logForward, side.deviation[short] as number);
    return side.isCall ? below : 1 - below;
  }

  // The iron pair being evaluated: the volatility (its short legs' under
  // PROBABILITY_MODEL_SHORT_LEG_IV) and the short legs' expected payoffs, shared by every
  // combination of wings.
  private pairGeneration = 0;
  private pairVolatility = 0;
  private pairDeviation = 0;
  private pairPayoffPutShort = 0;
  private pairPayoffCallShort = 0;
  private pairTouch = Number.NaN;

  /**
   * Starts the iron spreads whose short legs are putShort and callShort. With the largest
   * credit any of their wing combinations can collect and their narrowest wings, it bounds
   * the POP of all of them at once: more credit only moves the breakevens outwards.
   */
  beginIronPair(
    puts: PricedSide,
    calls: PricedSide,
    putShort: number,
    callShort: number,
    largestCredit: number,
    narrowestPutWing: number,
    narrowestCallWing: number,
  ): void {
    this.pairGeneration++;
    const putStrike = puts.table.strike[putShort] as number;
    const callStrike = calls.table.strike[callShort] as number;
    if (this.shared) {
      this.pairVolatility = this.sharedVolatility;
      this.pairDeviation = puts.deviation[putShort] as number;
      this.pairPayoffPutShort = puts.expectedPayoff[putShort] as number;
      this.pairPayoffCallShort = calls.expectedPayoff[callShort] as number;
    } else {
      const volatility = 0.5 * ((puts.table.impliedVolatility[putShort] as number) + (calls.table.impliedVolatility[callShort] as number));
      const deviation = volatility * this.sqrtYears;
      this.pairVolatility = volatility;
      this.pairDeviation = deviation;
      this.pairPayoffPutShort = expectedPutFromLog(putStrike, this.forwardPrice, this.logForward - (puts.table.logStrike[putShort] as number), deviation);
      this.pairPayoffCallShort = expectedCallFromLog(callStrike, this.forwardPrice, this.logForward - (calls.table.logStrike[callShort] as number), deviation);
    }
    this.pairTouch = Number.NaN;
    this.wingPopCeiling = this.popCeiling(putStrike, callStrike, largestCredit, narrowestPutWing, narrowestCallWing);
  }

  /** Bound on the POP of the iron spreads of the current pair (and put wing, once begun). */
  private wingPopCeiling = 1;

  /**
   * Narrows the POP ceiling to one put wing of the current pair: its credit is known, so
   * only the call side's largest credit is left to bound.
   */
  beginPutWing(puts: PricedSide, calls: PricedSide, putShort: number, putLong: number, callShort: number, largestCallCredit: number, narrowestCallWing: number): void {
    const putStrike = puts.table.strike[putShort] as number;
    const credit = (puts.sell[putShort] as number) - (puts.buy[putLong] as number) + largestCallCredit;
    const putWidth = putStrike - (puts.table.strike[putLong] as number);
    this.wingPopCeiling = this.popCeiling(putStrike, calls.table.strike[callShort] as number, credit, putWidth, narrowestCallWing);
  }

  /**
   * POP of an iron spread with the given shorts if it collected `credit` with wings no
   * narrower than given: more credit only moves the breakevens outwards, and past a
   * wing's width that side is profitable all the way out.
   */
  private popCeiling(putStrike: number, callStrike: number, credit: number, narrowestPutWing: number, narrowestCallWing: number): number {
    const deviation = this.pairDeviation;
    const above = credit < narrowestCallWing ? probabilityBelowFromLog(Math.log(callStrike + credit) - this.logForward, deviation) : 1;
    const below = credit < narrowestPutWing ? probabilityBelowFromLog(Math.log(putStrike - credit) - this.logForward, deviation) : 0;
    return above - below;
  }

  /**
   * An iron condor (put short strike below call short strike) or iron butterfly (equal
   * short strikes): a bull put spread (putShort, putLong) plus a bear call spread
   * (callShort, callLong). Volatility: the expiration's, or under
   * PROBABILITY_MODEL_SHORT_LEG_IV the mean of the two short legs'. Call
   * beginIronPair(putShort, callShort) first.
   */
  iron(puts: PricedSide, calls: PricedSide, putShort: number, putLong: number, callShort: number, callLong: number, threshold: number, describe: boolean): boolean {
    const query = this.query;
    const strikePutShort = puts.table.strike[putShort] as number;
    const strikePutLong = puts.table.strike[putLong] as number;
    const strikeCallShort = calls.table.strike[callShort] as number;
    const strikeCallLong = calls.table.strike[callLong] as number;
    const putWidth = strikePutShort - strikePutLong;
    const callWidth = strikeCallLong - strikeCallShort;
    const width = putWidth > callWidth ? putWidth : callWidth;
    const net =
      (puts.sell[putShort] as number) - (puts.buy[putLong] as number) + (calls.sell[callShort] as number) - (calls.buy[callLong] as number);
    const maxLoss = width - net;
    if (!describe) {
      if (!(net > MONEY_EPSILON && maxLoss > MONEY_EPSILON)) return this.rejected();
      // Each side must be a credit vertical in its own right: a side priced at or above its
      // width is an artefact of stale or wide quotes, not an opportunity.
      const putCredit = (puts.sell[putShort] as number) - (puts.buy[putLong] as number);
      const callCredit = (calls.sell[callShort] as number) - (calls.buy[callLong] as number);
      if (!(putCredit > MONEY_EPSILON && putWidth - putCredit > MONEY_EPSILON)) return this.rejected();
      if (!(callCredit > MONEY_EPSILON && callWidth - callCredit > MONEY_EPSILON)) return this.rejected();
      if (net < query.minCredit || net < query.minCreditToWidth * width) return this.rejected();
      const difference = putWidth > callWidth ? putWidth - callWidth : callWidth - putWidth;
      if (difference > query.maxWingWidthDifference) return this.rejected();
    }
    const multiplier = this.market.multiplier;
    const maxLossPerLot = maxLoss * multiplier;
    const returnOnRisk = net / maxLoss;
    if (!describe && (maxLossPerLot > query.maxMaxLoss || returnOnRisk < query.minReturnOnRisk)) return this.rejected();

    const bidAskFraction = Math.max(
      puts.bidAskFraction[putShort] as number,
      puts.bidAskFraction[putLong] as number,
      calls.bidAskFraction[callShort] as number,
      calls.bidAskFraction[callLong] as number,
    );
    const putTable = puts.table;
    const callTable = calls.table;
    const liquidity = liquidityComponent(
      (putTable.ask[putShort] as number) -
        (putTable.bid[putShort] as number) +
        (putTable.ask[putLong] as number) -
        (putTable.bid[putLong] as number) +
        (callTable.ask[callShort] as number) -
        (callTable.bid[callShort] as number) +
        (callTable.ask[callLong] as number) -
        (callTable.bid[callLong] as number),
      net,
    );
    // An iron spread's expected value is cheap here (its legs' expected payoffs are per-strike
    // constants of the expiration under a shared σ, cached per pair of shorts otherwise) and
    // POP is not, so EV comes first and a candidate that cannot rank even at a bound on its
    // POP is dropped before POP.
    const maxProfitPerLot = net * multiplier;
    const expectedPayoff =
      net - this.pairPayoffPutShort + this.pairPayoff(puts, putLong) - this.pairPayoffCallShort + this.pairPayoff(calls, callLong);
    const expectedValuePerLot = expectedPayoff * multiplier;
    if (!describe) {
      if (expectedValuePerLot < query.minExpectedValue) return this.rejected();
      if (this.ironRankBeforePop && threshold !== -Infinity) {
        const expectedValuePerRisk = expectedValuePerLot / maxLossPerLot;
        // The pair's ceiling first; with a shared σ, what it leaves gets a bound within one
        // listed strike of the exact POP, from the per-strike probabilities.
        if (
          this.cannotRank(net, width, maxLossPerLot, returnOnRisk, this.wingPopCeiling, expectedValuePerRisk, expectedValuePerLot, Number.NaN, liquidity, threshold) ||
          (this.shared &&
            this.cannotRank(net, width, maxLossPerLot, returnOnRisk, bracketedIronPop(puts, calls, putShort, putLong, callShort, callLong, net), expectedValuePerRisk, expectedValuePerLot, Number.NaN, liquidity, threshold))
        ) {
          this.rankedOut++;
          return false;
        }
      }
    }

    const { spot, rate, dividendYield } = this.market;
    const years = this.market.expiry.years;
    const volatility = this.pairVolatility;
    // With unequal wings the credit can exceed the narrower wing: that side then never
    // loses, has no breakeven, and is profitable all the way out.
    const breakevenLow = net - putWidth <= MONEY_EPSILON ? strikePutShort - net : Number.NaN;
    const breakevenHigh = net - callWidth <= MONEY_EPSILON ? strikeCallShort + net : Number.NaN;
    const deviation = this.pairDeviation;
    const logForward = this.logForward;
    const pop =
      (Number.isNaN(breakevenHigh) ? 1 : probabilityBelowFromLog(Math.log(breakevenHigh) - logForward, deviation)) -
      (Number.isNaN(breakevenLow) ? 0 : probabilityBelowFromLog(Math.log(breakevenLow) - logForward, deviation));
    if (!describe && pop < query.minPop) return this.rejected();

    let touch = Number.NaN;
    if (describe || query.maxProbabilityOfTouch < Infinity || query.sort === SORT_BY_TOUCH) {
      if (Number.isNaN(this.pairTouch)) {
        // A butterfly's shorts share one strike, so the price always stands on the losing side
        // of one of them (or on the strike itself, which a diffusion leaves at once): touched.
        this.pairTouch =
          strikePutShort < strikeCallShort
            ? touchProbabilityEither(spot, rate, dividendYield, volatility, years, strikePutShort, strikeCallShort)
            : 1;
      }
      touch = this.pairTouch;
      if (!describe && touch > query.maxProbabilityOfTouch) return this.rejected();
    }

    this.netCredit = net;
    this.width = width;
    this.maxProfitPerLot = maxProfitPerLot;
    this.maxLossPerLot = maxLossPerLot;
    this.breakevenLow = breakevenLow;
    this.breakevenHigh = breakevenHigh;
    this.pop = pop;
    this.expectedValuePerLot = expectedValuePerLot;
    this.probabilityOfTouch = touch;
    this.volatility = volatility;
    this.liquidity = liquidity;
    this.worstBidAskFraction = bidAskFraction;
    this.finishRanking(returnOnRisk, width);
    if (!describe) this.fullyEvaluated++;
    return true;
  }

  /** Counts a candidate that failed a spread filter; returns false for the caller to return. */
  private rejected(): false {
    this.rejectedBySpreadFilters++;
    return false;
  }

  /**
   * True when the candidate cannot rank above `threshold`, judged from what is known of it
   * so far: exact values, or bounds where a metric is not computed yet. POP is at most
   * `popBound`; EV per lot at most `expectedValueBound` and EV per dollar at risk at most
   * `expectedValuePerRiskBound` (EV never exceeds max profit × POP: the payoff is at most
   * max profit where positive); `touch` is NaN while unknown. Ties on the sort key are
   * broken by score, so only what is strictly worse is dropped.
   */
  private cannotRank(
    net: number,
    width: number,
    maxLossPerLot: number,
    returnOnRisk: number,
    popBound: number,
    expectedValuePerRiskBound: number,
    expectedValueBound: number,
    touch: number,
    liquidity: number,
    threshold: number,
  ): boolean {
    if (threshold === -Infinity) return false;
    switch (this.query.sort) {
      case SORT_BY_SCORE: {
        const { expectedValuePerRisk, pop: popWeight, liquidity: liquidityWeight } = this.query.weights;
        return compositeScore(expectedValuePerRiskBound, popBound, liquidity, expectedValuePerRisk, popWeight, liquidityWeight) < threshold;
      }
      case SORT_BY_POP:
        return popBound < threshold;
      case SORT_BY_EXPECTED_VALUE:
        return expectedValueBound < threshold;
      case SORT_BY_RETURN_ON_RISK:
        return returnOnRisk < threshold;
      case SORT_BY_CREDIT:
        return net < threshold;
      case SORT_BY_CREDIT_TO_WIDTH:
        return net / width < threshold;
      case SORT_BY_MAX_LOSS:
        return -maxLossPerLot < threshold;
      case SORT_BY_TOUCH:
        return -touch < threshold;
      default:
        return false;
    }
  }

  private finishRanking(returnOnRisk: number, width: number): void {
    const { expectedValuePerRisk, pop: popWeight, liquidity: liquidityWeight } = this.query.weights;
    this.score = compositeScore(this.expectedValuePerLot / this.maxLossPerLot, this.pop, this.liquidity, expectedValuePerRisk, popWeight, liquidityWeight);
    switch (this.query.sort) {
      case SORT_BY_POP:
        this.sortValue = this.pop;
        break;
      case SORT_BY_EXPECTED_VALUE:
        this.sortValue = this.expectedValuePerLot;
        break;
      case SORT_BY_RETURN_ON_RISK:
        this.sortValue = returnOnRisk;
        break;
      case SORT_BY_CREDIT:
        this.sortValue = this.netCredit;
        break;
      case SORT_BY_CREDIT_TO_WIDTH:
        this.sortValue = this.netCredit / width;
        break;
      case SORT_BY_MAX_LOSS:
        this.sortValue = -this.maxLossPerLot;
        break;
      case SORT_BY_TOUCH:
        this.sortValue = -this.probabilityOfTouch;
        break;
      default:
        this.sortValue = this.score;
    }
  }

  /** Expected payoff at expiry of a long leg under the current iron pair's volatility: the expiration's column, or cached per pair. */
  private pairPayoff(side: PricedSide, leg: number): number {
    if (this.shared) return side.expectedPayoff[leg] as number;
    if (side.pairGeneration[leg] === this.pairGeneration) return side.pairPayoff[leg] as number;
    const strike = side.table.strike[leg] as number;
    const logForwardOverStrike = this.logForward - (side.table.logStrike[leg] as number);
    const value = side.isCall
      ? expectedCallFromLog(strike, this.forwardPrice, logForwardOverStrike, this.pairDeviation)
      : expectedPutFromLog(strike, this.forwardPrice, logForwardOverStrike, this.pairDeviation);
    side.pairPayoff[leg] = value;
    side.pairGeneration[leg] = this.pairGeneration;
    return value;
  }

  /** Expected payoff at expiry of one leg under its own volatility, cached per leg (PROBABILITY_MODEL_SHORT_LEG_IV). */
  private legPayoff(side: PricedSide, leg: number): number {
    const cached = side.expectedPayoff[leg] as number;
    if (!Number.isNaN(cached)) return cached;
    const strike = side.table.strike[leg] as number;
    const logForwardOverStrike = this.logForward - (side.table.logStrike[leg] as number);
    const deviation = side.deviation[leg] as number;
    const value = side.isCall
      ? expectedCallFromLog(strike, this.forwardPrice, logForwardOverStrike, deviation)
      : expectedPutFromLog(strike, this.forwardPrice, logForwardOverStrike, deviation);
    side.expectedPayoff[leg] = value;
    return value;
  }

  /** Probability that the price reaches a short leg's strike from its winning side, under the leg's σ, cached per leg. */
  private legTouch(side: PricedSide, leg: number): number {
    const cached = side.touch[leg] as number;
    if (!Number.isNaN(cached)) return cached;
    const { spot, rate, dividendYield } = this.market;
    const years = this.market.expiry.years;
    const volatility = side.volatility[leg] as number;
    const strike = side.table.strike[leg] as number;
    // A short call loses above its strike, a short put below: already there (in the money)
    // counts as touched.
    const value = side.isCall
      ? touchProbabilityAbove(spot, rate, dividendYield, volatility, years, strike)
      : touchProbabilityBelow(spot, rate, dividendYield, volatility, years, strike);
    side.touch[leg] = value;
    return value;
  }
}

/**
 * Under a σ shared by the expiration, a bound on an iron spread's POP, P(low breakeven < S_T <
 * high breakeven), without a logarithm: a breakeven exists where the credit is below its
 * wing, strictly between that wing's strikes, and P(S_T < strike) of the listed strikes
 * beyond it (the first at or above the high one, the last at or below the low one) bounds its
 * term. Every leg between a short and its long is within the width bound of the short, so
 * its probability is in the column.
 */
function bracketedIronPop(puts: PricedSide, calls: PricedSide, putShort: number, putLong: number, callShort: number, callLong: number, net: number): number {
  const callStrikes = calls.table.strike;
  const putStrikes = puts.table.strike;
  let upper = 1;
  if (net < (callStrikes[callLong] as number) - (callStrikes[callShort] as number)) {
    const breakeven = (callStrikes[callShort] as number) + net;
    let leg = callShort + 1;
    while (leg < callLong && (callStrikes[leg] as number) < breakeven) leg++;
    upper = calls.probabilityBelowStrike[leg] as number;
  }
  let lower = 0;
  if (net < (putStrikes[putShort] as number) - (putStrikes[putLong] as number)) {
    const breakeven = (putStrikes[putShort] as number) - net;
    let leg = putShort - 1;
    while (leg > putLong && (putStrikes[leg] as number) > breakeven) leg--;
    lower = puts.probabilityBelowStrike[leg] as number;
  }
  return upper - lower;
}

export const CREDIT_VERTICAL: Record<"call" | "put", Strategy> = {
  call: Strategy.STRATEGY_BEAR_CALL,
  put: Strategy.STRATEGY_BULL_PUT,
};
export const DEBIT_VERTICAL: Record<"call" | "put", Strategy> = {
  call: Strategy.STRATEGY_BULL_CALL,
  put: Strategy.STRATEGY_BEAR_PUT,
};

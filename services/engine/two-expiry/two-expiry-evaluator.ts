// The evaluator of calendars and diagonals: one candidate (a short leg of the front
// expiration, a long leg of a later one) through the spread filters and the ranking, in
// the order that leaves the costly part for last: the debit, then max profit and max loss
// (one Black–Scholes value, the back leg's prices at the range's ends being cached), then the
// closed-form EV and the touch (cached per short leg), then the rank check at POP 1 and at a
// POP ceiling (a few Black–Scholes values), and only for a candidate that can still rank, the
// root finding behind POP and the breakevens. It shares ExpiryEvaluator's results, counters and ranking with the
// single-expiry evaluators, so a calendar and a vertical are judged by one rule.
import {
  MAX_DEBIT,
  MAX_MAX_LOSS,
  MAX_PROBABILITY_OF_TOUCH,
  MIN_EXPECTED_VALUE,
  MIN_POP,
  MIN_RETURN_ON_RISK,
  MIN_SHORT_SIGMA_DISTANCE,
  NO_SPREAD,
} from "../filter-rejections.js";
import { SortKey } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { liquidityComponent } from "../composite-score.js";
import { ExpiryEvaluator, MONEY_EPSILON } from "../expiry-evaluator.js";
import type { ExpirySlice } from "../prepared-chain.js";
import type { PricedSide } from "../priced-side.js";
import { PositionAtFrontExpiry } from "./position-at-front-expiry.js";

// Read once: the hot loop should not go through the enum object for every candidate.
const SORT_BY_TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;
const SORT_BY_CREDIT_TO_WIDTH = SortKey.SORT_KEY_CREDIT_TO_WIDTH;

export class TwoExpiryEvaluator extends ExpiryEvaluator {
  readonly position = new PositionAtFrontExpiry();
  /** The σ the position's distribution was last set to; NaN after a new pair of expirations. */
  private positionVolatility = Number.NaN;
  /** E[intrinsic value of the current short leg at the front expiry] under that σ. */
  private frontPayoff = 0;
  // Per back leg, its price at the ends of the price range, which depend on the back leg,
  // the pair of expirations and the front σ only: with a σ shared by the expiration, every
  // short leg the back leg pairs with reuses them. Valid where rangeGeneration matches.
  private backAtRangeLow = new Float64Array(0);
  private backAtRangeHigh = new Float64Array(0);
  private rangeGenerationOf = new Int32Array(0);
  private rangeGeneration = 0;

  /** Sizes the per-back-leg caches for sides of up to `legs` legs (once per scan). */
  reserve(legs: number): void {
    this.backAtRangeLow = new Float64Array(legs);
    this.backAtRangeHigh = new Float64Array(legs);
    this.rangeGenerationOf = new Int32Array(legs);
  }

  /** Starts the back expiration of the current front (call setExpiry with the front first). */
  setBackExpiry(back: ExpirySlice): void {
    const { spot, rate, dividendYield } = this.market;
    this.position.setExpiries(spot, rate, dividendYield, this.market.expiry.years, back.years);
    this.positionVolatility = Number.NaN;
  }

  /** Starts a side (calls or puts) of the back expiration: its legs' cached prices belong to another. */
  beginBackSide(): void {
    this.rangeGeneration++;
  }

  /**
   * Starts the candidates that sell `short` of the front side: its σ (the expiration's, or
   * under PROBABILITY_MODEL_SHORT_LEG_IV the leg's own) sets the distribution, and its
   * expected intrinsic value is shared by all of them.
   */
  beginShort(front: PricedSide, short: number): void {
    const volatility = front.volatility[short] as number;
    if (volatility !== this.positionVolatility) {
      this.position.setVolatility(volatility);
      this.positionVolatility = volatility;
      this.rangeGeneration++;
    }
    this.frontPayoff = this.position.frontIntrinsicExpectation(front.isCall, front.table.strike[short] as number);
  }

  /**
   * A calendar or diagonal: sell `short` of the front side, buy `long` of the back side
   * (same right). Returns false when it fails a filter or cannot rank above `threshold`;
   * with `describe`, computes everything and prunes nothing. Call beginShort first.
   */
  evaluate(front: PricedSide, short: number, back: PricedSide, long: number, threshold: number, describe: boolean): boolean {
    const query = this.query;
    const shortStrike = front.table.strike[short] as number;
    const longStrike = back.table.strike[long] as number;
    const width = shortStrike > longStrike ? shortStrike - longStrike : longStrike - shortStrike;
    const net = (front.sell[short] as number) - (back.buy[long] as number);
    if (describe || this.sigmaDistanceNeeded) {
      // As for verticals: a leg filter under a shared σ, judged here under the leg's own.
      const distance = this.legSigmaDistance(front, short, front.deviation[short] as number);
      if (!describe && !this.shared && distance < query.minShortSigmaDistance) return this.rejected(MIN_SHORT_SIGMA_DISTANCE);
      this.shortSigmaDistance = distance;
    }
    // A debit spread: max_debit applies, the credit filters do not.
    if (!describe && -net > query.maxDebit) return this.rejected(MAX_DEBIT);
    const position = this.position;
    position.setPosition(front.isCall, shortStrike, longStrike, back.table.impliedVolatility[long] as number, net);
    if (this.rangeGenerationOf[long] !== this.rangeGeneration) {
      this.backAtRangeLow[long] = position.backPriceAt(position.rangeLow);
      this.backAtRangeHigh[long] = position.backPriceAt(position.rangeHigh);
      this.rangeGenerationOf[long] = this.rangeGeneration;
    }
    position.computeExtremes(this.backAtRangeLow[long] as number, this.backAtRangeHigh[long] as number);
    const maxProfit = position.maxProfit;
    const maxLoss = position.maxLoss;
    if (!describe && !(maxProfit > MONEY_EPSILON && maxLoss > MONEY_EPSILON)) return this.rejected(NO_SPREAD);
    const multiplier = this.market.multiplier;
    const maxLossPerLot = maxLoss * multiplier;
    const returnOnRisk = maxProfit / maxLoss;
    if (!describe && (maxLossPerLot > query.maxMaxLoss || returnOnRisk < query.minReturnOnRisk))
      return this.rejected(maxLossPerLot > query.maxMaxLoss ? MAX_MAX_LOSS : MIN_RETURN_ON_RISK);

    const frontTable = front.table;
    const backTable = back.table;
    const liquidity = liquidityComponent(
      (frontTable.ask[short] as number) - (frontTable.bid[short] as number) + (backTable.ask[long] as number) - (backTable.bid[long] as number),
      net,
    );
    position.computeExpectedValue(this.frontPayoff);
    const expectedValuePerLot = position.expectedValue * multiplier;
    if (!describe && expectedValuePerLot < query.minExpectedValue) return this.rejected(MIN_EXPECTED_VALUE);
    let touch = Number.NaN;
    if (describe || query.maxProbabilityOfTouch < Infinity || query.sort === SORT_BY_TOUCH) {
      touch = this.legTouch(front, short);
      if (!describe && touch > query.maxProbabilityOfTouch) return this.rejected(MAX_PROBABILITY_OF_TOUCH);
    }
    // Everything but POP is known and exact: a candidate that cannot rank even at POP 1, or
    // then at a bound on its POP (chords of the convex P/L, a few Black–Scholes values), is
    // dropped before the root finding.
    if (
      !describe &&
      query.minPop === -Infinity &&
      threshold !== -Infinity &&
      (this.cannotRank(net, width, maxLossPerLot, returnOnRisk, 1, expectedValuePerLot / maxLossPerLot, expectedValuePerLot, touch, liquidity, threshold) ||
        this.cannotRank(
          net,
          width,
          maxLossPerLot,
          returnOnRisk,
          position.popCeiling(),
          expectedValuePerLot / maxLossPerLot,
          expectedValuePerLot,
          touch,
          liquidity,
          threshold,
        ))
    ) {
      this.rankedOut++;
      return false;
    }
    position.computeProbability();
    if (!describe && position.pop < query.minPop) return this.rejected(MIN_POP);

    this.netCredit = net;
    this.width = width;
    this.maxProfitPerLot = maxProfit * multiplier;
    this.maxLossPerLot = maxLossPerLot;
    this.breakevenLow = position.breakevenLow;
    this.breakevenHigh = position.breakevenHigh;
    this.pop = position.pop;
    this.expectedValuePerLot = expectedValuePerLot;
    this.probabilityOfTouch = touch;
    this.volatility = front.volatility[short] as number;
    this.liquidity = liquidity;
    const frontFraction = front.bidAskFraction[short] as number;
    const backFraction = back.bidAskFraction[long] as number;
    this.worstBidAskFraction = frontFraction > backFraction ? frontFraction : backFraction;
    this.finishRanking(returnOnRisk, width);
    // A calendar has no width: by credit to width it ranks after every spread that has one.
    if (width === 0 && query.sort === SORT_BY_CREDIT_TO_WIDTH) this.sortValue = -Infinity;
    if (!describe) this.fullyEvaluated++;
    return true;
  }
}

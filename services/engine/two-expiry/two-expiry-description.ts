// The full description of a kept calendar or diagonal: its two legs, each with its own
// expiry date, the front expiration as the spread's and the back one as back_expiry_date,
// and the metrics the evaluator left after a describing evaluation.
import type { Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { spreadEventFlags } from "../market-context/event-flags.js";
import type { ExpirySlice, PreparedChain } from "../prepared-chain.js";
import type { PricedSide } from "../priced-side.js";
import { describeLeg, leastKnownOpenInterest, twoExpirySpreadId } from "../spread-description.js";
import type { TwoExpiryEvaluator } from "./two-expiry-evaluator.js";

/**
 * Describes the spread selling `short` of `frontSide` and buying `long` of `backSide`, just
 * evaluated with `describe` set. Legs ascending by strike, the sold front leg first on a tie
 * (a calendar). Width is |K2 − K1| and credit to width 0 for a calendar, which has none.
 */
export function describeTwoExpirySpread(
  evaluator: TwoExpiryEvaluator,
  prepared: PreparedChain,
  strategy: Strategy,
  front: ExpirySlice,
  frontSide: PricedSide,
  short: number,
  back: ExpirySlice,
  backSide: PricedSide,
  long: number,
): Spread {
  const sold = describeLeg(frontSide, short, LegAction.LEG_ACTION_SELL, front);
  const bought = describeLeg(backSide, long, LegAction.LEG_ACTION_BUY, back);
  const legs = bought.strike < sold.strike ? [bought, sold] : [sold, bought];
  const netGreeks = {
    delta: (bought.greeks?.delta ?? 0) - (sold.greeks?.delta ?? 0),
    gamma: (bought.greeks?.gamma ?? 0) - (sold.greeks?.gamma ?? 0),
    theta: (bought.greeks?.theta ?? 0) - (sold.greeks?.theta ?? 0),
    vega: (bought.greeks?.vega ?? 0) - (sold.greeks?.vega ?? 0),
  };
  const breakevens = [evaluator.breakevenLow, evaluator.breakevenHigh].filter((breakeven) => !Number.isNaN(breakeven));
  const width = evaluator.width;
  return {
    id: twoExpirySpreadId(prepared.symbol, front.expiryDate, back.expiryDate, strategy, sold.strike, bought.strike),
    strategy,
    symbol: prepared.symbol,
    expiryDate: front.expiryDate,
    dte: front.dte,
    backExpiryDate: back.expiryDate,
    backDte: back.dte,
    legs,
    netCredit: evaluator.netCredit,
    maxProfit: evaluator.maxProfitPerLot,
    maxLoss: evaluator.maxLossPerLot,
    breakevens,
    width,
    creditToWidth: width > 0 ? evaluator.netCredit / width : 0,
    returnOnRisk: evaluator.maxProfitPerLot / evaluator.maxLossPerLot,
    pop: evaluator.pop,
    probabilityOfTouch: evaluator.probabilityOfTouch,
    expectedValue: evaluator.expectedValuePerLot,
    netGreeks,
    liquidity: {
      maxLegBidAskWidth: Math.max(sold.bidAskWidth, bought.bidAskWidth),
      maxLegBidAskWidthFraction: evaluator.worstBidAskFraction,
      minLegOpenInterest: leastKnownOpenInterest(legs),
      openInterestUnknown: sold.openInterestUnknown || bought.openInterestUnknown,
      minLegVolume: sold.volume < bought.volume ? sold.volume : bought.volume,
      totalBidAskWidth: sold.bidAskWidth + bought.bidAskWidth,
    },
    score: evaluator.score,
    volatility: evaluator.volatility,
    timeToExpiryYears: front.years,
    shortSigmaDistance: evaluator.shortSigmaDistance,
    // The back leg expires last; the sold leg is the front's.
    ...spreadEventFlags(prepared, back.expiryDate, frontSide.isCall ? front.expiryDate : undefined),
  };
}

// The reference scanner's calendars and diagonals, by nested loops over the definitions:
// every later expiration within the back range of a front, every short leg of the front
// with every long leg of the back it can pair with, judged from referenceTwoExpiryFigures.
// Shares nothing with the engine's two-expiry code.
import { SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { touchProbabilityAbove, touchProbabilityBelow } from "../../services/engine/terminal-distribution.js";
import type { Expiry, Leg } from "./reference-legs.js";
import { filterCeiling, filterFloor, sigmaDistance, type ReferenceContext, type ReferenceSpread } from "./reference-spread.js";
import { referenceTwoExpiryFigures } from "./reference-two-expiry.js";

/** Without max_back_dte, a back expiry lies at most this many days after its front (query.proto). */
const DEFAULT_BACK_SPAN = 60;
const NONE = -1e18;

export interface TwoExpiryScope {
  context: ReferenceContext;
  expiries: readonly Expiry[];
  /** The strategies asked for, by enum number. */
  wanted: ReadonlySet<number>;
  shortOk: (leg: Leg, otm: boolean) => boolean;
  longOk: (leg: Leg) => boolean;
  /** A diagonal's width within the width bounds (and above 0). */
  widthOk: (width: number) => boolean;
  /** The front σ for a short leg: the expiration's, or the leg's own. */
  volatilityOf: (short: Leg) => number;
  /** Counts one candidate: `spread` undefined when its legs pass but it fails a spread filter, `legsPass` false when its legs fail. */
  consider: (legsPass: boolean, spread: () => ReferenceSpread | undefined, short: Leg, long: Leg) => void;
}

/** Every calendar and diagonal asked for whose front is `front` (already within the DTE range). */
export function considerTwoExpirySpreads(scope: TwoExpiryScope, frontRank: number, front: Expiry): void {
  const { context, expiries, wanted, shortOk, longOk, widthOk, consider } = scope;
  const f = context.f;
  const lastBackDte = f.maxBackDte ?? front.dte + DEFAULT_BACK_SPAN;
  expiries.forEach((back, backRank) => {
    if (!(back.date > front.date) || back.dte < filterFloor(f.minBackDte) || back.dte > lastBackDte) return;
    for (const isCall of [false, true]) {
      const calendar = isCall ? Strategy.STRATEGY_CALL_CALENDAR : Strategy.STRATEGY_PUT_CALENDAR;
      const diagonal = isCall ? Strategy.STRATEGY_CALL_DIAGONAL : Strategy.STRATEGY_PUT_DIAGONAL;
      for (const short of isCall ? front.calls : front.puts) {
        for (const long of isCall ? back.calls : back.puts) {
          let strategy: Strategy;
          if (long.strike === short.strike && wanted.has(calendar)) strategy = calendar;
          else if (
            (isCall ? long.strike < short.strike : long.strike > short.strike) &&
            wanted.has(diagonal) &&
            widthOk(Math.abs(long.strike - short.strike))
          ) {
            strategy = diagonal;
          } else continue;
          consider(
            shortOk(short, true) && longOk(long),
            () => referenceTwoExpirySpread(context, frontRank, front, backRank, back, strategy, short, long, scope.volatilityOf(short)),
            short,
            long,
          );
        }
      }
    }
  });
}

function referenceTwoExpirySpread(
  context: ReferenceContext,
  frontRank: number,
  front: Expiry,
  backRank: number,
  back: Expiry,
  strategy: Strategy,
  short: Leg,
  long: Leg,
  volatility: number,
): ReferenceSpread | undefined {
  const { spot, rate, q, multiplier, f, weights, weightSum } = context;
  const net = short.sell - long.buy;
  if (-net > filterCeiling(f.maxDebit)) return undefined;
  const shortSigmaDistance = sigmaDistance(short.isCall, short.strike, spot, volatility, front.years);
  if (shortSigmaDistance < filterFloor(f.minShortSigmaDistance)) return undefined;
  const figures = referenceTwoExpiryFigures(
    { spot, rate, dividendYield: q, frontYears: front.years, backYears: back.years, volatility },
    { isCall: short.isCall, shortStrike: short.strike, longStrike: long.strike, backVolatility: long.iv, net },
  );
  const { maxProfit, maxLoss, pop } = figures;
  if (!(maxProfit > 1e-9 && maxLoss > 1e-9)) return undefined;
  if (maxLoss * multiplier > filterCeiling(f.maxMaxLoss)) return undefined;
  const returnOnRisk = maxProfit / maxLoss;
  if (returnOnRisk < filterFloor(f.minReturnOnRisk)) return undefined;
  if (pop < filterFloor(f.minPop)) return undefined;
  const expectedValue = figures.expectedValue * multiplier;
  if (expectedValue < filterFloor(f.minExpectedValue)) return undefined;
  const touch = short.isCall
    ? touchProbabilityAbove(spot, rate, q, volatility, front.years, short.strike)
    : touchProbabilityBelow(spot, rate, q, volatility, front.years, short.strike);
  if (touch > filterCeiling(f.maxProbabilityOfTouch)) return undefined;
  const width = Math.abs(long.strike - short.strike);
  const slippage = (short.ask - short.bid) / 2 + (long.ask - long.bid) / 2;
  const liquidity = 1 - Math.min(1, slippage / Math.abs(net));
  const evPerRisk = Math.max(-1, Math.min(1, expectedValue / (maxLoss * multiplier)));
  const score = (weights.ev * evPerRisk + weights.pop * pop + weights.liquidity * liquidity) / weightSum;
  const sortValue = {
    [SortKey.SORT_KEY_UNSPECIFIED]: score,
    [SortKey.SORT_KEY_SCORE]: score,
    [SortKey.SORT_KEY_POP]: pop,
    [SortKey.SORT_KEY_EXPECTED_VALUE]: expectedValue,
    [SortKey.SORT_KEY_RETURN_ON_RISK]: returnOnRisk,
    [SortKey.SORT_KEY_CREDIT]: net,
    // A calendar has no width: by credit to width it comes after every spread that has one.
    [SortKey.SORT_KEY_CREDIT_TO_WIDTH]: width > 0 ? net / width : -Infinity,
    [SortKey.SORT_KEY_MAX_LOSS]: -maxLoss * multiplier,
    [SortKey.SORT_KEY_PROBABILITY_OF_TOUCH]: -touch,
    [SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE]: shortSigmaDistance,
  }[context.sort as Exclude<SortKey, SortKey.UNRECOGNIZED>];
  const strikes = width > 0 ? [short.strike, long.strike].sort((a, b) => a - b) : [short.strike];
  return {
    id: `${context.symbol}:${front.date}/${back.date}:${Strategy[strategy].replace("STRATEGY_", "")}:${strikes.join("/")}`,
    strategy,
    expiryDate: front.date,
    sortValue,
    score,
    netCredit: net,
    maxProfit: maxProfit * multiplier,
    maxLoss: maxLoss * multiplier,
    breakevens: figures.breakevens,
    pop,
    expectedValue,
    probabilityOfTouch: touch,
    returnOnRisk,
    volatility,
    shortSigmaDistance,
    // The documented order: front, strategy, back, then the legs' strikes in slot order.
    tieKey: [frontRank, strategy, backRank, ...(short.isCall ? [NONE, NONE, short.strike, long.strike] : [long.strike, short.strike, NONE, NONE])],
  };
}

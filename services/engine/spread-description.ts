// The full description of a ranked spread, built only for the N that are returned: legs
// with their quotes, every metric, net greeks and liquidity.
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread, type SpreadLeg } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { spreadEventFlags } from "./market-context/event-flags.js";
import { GREEKS_COMPUTED, IV_COMPUTED, type ExpirySlice, type PreparedChain } from "./prepared-chain.js";
import type { PricedSide } from "./priced-side.js";
import type { SpreadEvaluator } from "./spread-evaluator.js";
import { NO_LEG } from "./top-candidates.js";

const STRATEGY_PREFIX = "STRATEGY_";

/** The short name of a strategy used in spread ids, e.g. "BULL_PUT". */
export function strategyName(strategy: Strategy): string {
  // A prefix test, not a regular expression: a one-shot process would compile one to describe a handful of spreads.
  const name = Strategy[strategy];
  return name.startsWith(STRATEGY_PREFIX) ? name.slice(STRATEGY_PREFIX.length) : name;
}

const ascending = (a: number, b: number): number => a - b;

/** A spread's stable id: SYMBOL:EXPIRY:STRATEGY:STRIKES, strikes ascending, e.g. "SPY:2026-12-18:BULL_PUT:575/580". */
export function spreadId(symbol: string, expiryDate: string, strategy: Strategy, strikes: readonly number[]): string {
  return `${symbol}:${expiryDate}:${strategyName(strategy)}:${[...strikes].sort(ascending).join("/")}`;
}

/**
 * A calendar's or diagonal's stable id: SYMBOL:FRONT/BACK:STRATEGY:STRIKES, the two expiry
 * dates joined by "/", the strikes ascending and a calendar's one strike once, e.g.
 * "SPY:2026-12-18/2027-01-15:CALL_CALENDAR:600" or "SPY:2026-12-18/2027-01-15:CALL_DIAGONAL:595/600".
 * It keeps spreadId's four fields, so that a client splitting on ":" reads both alike.
 */
export function twoExpirySpreadId(symbol: string, frontDate: string, backDate: string, strategy: Strategy, shortStrike: number, longStrike: number): string {
  const strikes = shortStrike === longStrike ? [shortStrike] : [shortStrike, longStrike];
  return spreadId(symbol, `${frontDate}/${backDate}`, strategy, strikes);
}

/** One leg of a described spread, with its expiration's date. */
export function describeLeg(side: PricedSide, leg: number, action: LegAction, expiry: ExpirySlice): SpreadLeg {
  const table = side.table;
  const mid = table.mid[leg] as number;
  const bid = table.bid[leg] as number;
  const ask = table.ask[leg] as number;
  const computed = table.computed[leg] as number;
  const openInterest = table.openInterest[leg] as number;
  const openInterestUnknown = Number.isNaN(openInterest);
  return {
    action,
    quantity: 1,
    right: side.isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    strike: table.strike[leg] as number,
    expiryDate: expiry.expiryDate,
    bid,
    ask,
    mid,
    fillPrice: action === LegAction.LEG_ACTION_SELL ? (side.sell[leg] as number) : (side.buy[leg] as number),
    bidAskWidth: ask - bid,
    bidAskWidthFraction: side.bidAskFraction[leg] as number,
    impliedVolatility: table.impliedVolatility[leg] as number,
    greeks: {
      delta: table.delta[leg] as number,
      gamma: table.gamma[leg] as number,
      theta: table.theta[leg] as number,
      vega: table.vega[leg] as number,
    },
    impliedVolatilityComputed: (computed & IV_COMPUTED) !== 0,
    greeksComputed: (computed & GREEKS_COMPUTED) !== 0,
    volume: BigInt(table.volume[leg] as number),
    openInterest: openInterestUnknown ? 0n : BigInt(openInterest),
    openInterestUnknown,
    brokerContractId: BigInt(table.brokerContractId[leg] as number),
  };
}

const callsAfterPuts = (leg: SpreadLeg): number => (leg.right === OptionRight.OPTION_RIGHT_CALL ? 1 : 0);

/** By strike, puts before calls at one strike (an iron butterfly's body). */
const byStrikeThenPutsFirst = (a: SpreadLeg, b: SpreadLeg): number => a.strike - b.strike || callsAfterPuts(a) - callsAfterPuts(b);

/**
 * Describes the spread with the given heap leg slots (put long, put short, call short, call long).
 * Plain loops over its two to four legs, not array methods with a callback each: the kept
 * spreads are described once, in a one-shot process before V8 has compiled any of it.
 */
export function describeSpread(
  evaluator: SpreadEvaluator,
  prepared: PreparedChain,
  expiry: ExpirySlice,
  strategy: Strategy,
  puts: PricedSide,
  calls: PricedSide,
  putLong: number,
  putShort: number,
  callShort: number,
  callLong: number,
): Spread {
  const legs: SpreadLeg[] = [];
  if (putLong !== NO_LEG) legs.push(describeLeg(puts, putLong, LegAction.LEG_ACTION_BUY, expiry));
  if (putShort !== NO_LEG) legs.push(describeLeg(puts, putShort, LegAction.LEG_ACTION_SELL, expiry));
  if (callShort !== NO_LEG) legs.push(describeLeg(calls, callShort, LegAction.LEG_ACTION_SELL, expiry));
  if (callLong !== NO_LEG) legs.push(describeLeg(calls, callLong, LegAction.LEG_ACTION_BUY, expiry));
  legs.sort(byStrikeThenPutsFirst);

  if (putShort !== NO_LEG && callShort !== NO_LEG) {
    // Described spreads are not pruned: no bound on their POP is needed.
    evaluator.beginIronPair(puts, calls, putShort, callShort, Infinity, 0, 0);
    evaluator.iron(puts, calls, putShort, putLong, callShort, callLong, -Infinity, true);
  } else if (putShort !== NO_LEG) {
    const isCredit = strategy === Strategy.STRATEGY_BULL_PUT;
    evaluator.vertical(puts, putShort, putLong, isCredit, -Infinity, true);
  } else {
    const isCredit = strategy === Strategy.STRATEGY_BEAR_CALL;
    evaluator.vertical(calls, callShort, callLong, isCredit, -Infinity, true);
  }

  const netGreeks = { delta: 0, gamma: 0, theta: 0, vega: 0 };
  const strikes: number[] = [];
  let maxLegBidAskWidth = -Infinity;
  let openInterestUnknown = false;
  let minLegVolume = legs[0]?.volume ?? 0n;
  let totalBidAskWidth = 0;
  for (const leg of legs) {
    const sign = leg.action === LegAction.LEG_ACTION_BUY ? leg.quantity : -leg.quantity;
    netGreeks.delta += sign * (leg.greeks?.delta ?? 0);
    netGreeks.gamma += sign * (leg.greeks?.gamma ?? 0);
    netGreeks.theta += sign * (leg.greeks?.theta ?? 0);
    netGreeks.vega += sign * (leg.greeks?.vega ?? 0);
    strikes.push(leg.strike);
    maxLegBidAskWidth = Math.max(maxLegBidAskWidth, leg.bidAskWidth);
    openInterestUnknown ||= leg.openInterestUnknown;
    if (leg.volume < minLegVolume) minLegVolume = leg.volume;
    totalBidAskWidth += leg.bidAskWidth * leg.quantity;
  }

  // Ascending: the low one first when both exist.
  const breakevens: number[] = [];
  if (!Number.isNaN(evaluator.breakevenLow)) breakevens.push(evaluator.breakevenLow);
  if (!Number.isNaN(evaluator.breakevenHigh)) breakevens.push(evaluator.breakevenHigh);
  if (breakevens.length === 2 && (breakevens[0] as number) > (breakevens[1] as number)) breakevens.reverse();
  return {
    id: spreadId(prepared.symbol, expiry.expiryDate, strategy, strikes),
    strategy,
    symbol: prepared.symbol,
    expiryDate: expiry.expiryDate,
    dte: expiry.dte,
    backExpiryDate: "",
    backDte: 0,
    legs,
    netCredit: evaluator.netCredit,
    maxProfit: evaluator.maxProfitPerLot,
    maxLoss: evaluator.maxLossPerLot,
    breakevens,
    width: evaluator.width,
    creditToWidth: evaluator.netCredit / evaluator.width,
    returnOnRisk: evaluator.maxProfitPerLot / evaluator.maxLossPerLot,
    pop: evaluator.pop,
    probabilityOfTouch: evaluator.probabilityOfTouch,
    expectedValue: evaluator.expectedValuePerLot,
    netGreeks,
    liquidity: {
      maxLegBidAskWidth,
      maxLegBidAskWidthFraction: evaluator.worstBidAskFraction,
      minLegOpenInterest: leastKnownOpenInterest(legs),
      openInterestUnknown,
      minLegVolume,
      totalBidAskWidth,
    },
    score: evaluator.score,
    volatility: evaluator.volatility,
    timeToExpiryYears: expiry.years,
    shortSigmaDistance: evaluator.shortSigmaDistance,
    // One expiration: it is the last leg's, and the short call's when the spread sells one.
    ...spreadEventFlags(prepared, expiry.expiryDate, callShort === NO_LEG ? undefined : expiry.expiryDate),
  };
}

/** The smallest open interest among the legs that have one; 0 when none does. */
export function leastKnownOpenInterest(legs: readonly SpreadLeg[]): bigint {
  let least: bigint | undefined;
  for (const leg of legs) if (!leg.openInterestUnknown && (least === undefined || leg.openInterest < least)) least = leg.openInterest;
  return least ?? 0n;
}

// A deliberately simple scanner: every combination of legs by nested loops, every metric
// recomputed from docs/architecture.md's definitions in the most direct way, every filter
// checked, then a full sort. It is slow on purpose and shares nothing with the engine but
// the pricing model (Black–Scholes, the terminal distribution, New York dates), which have
// tests of their own. The engine must return exactly its top N, and account for the same
// candidates. It reads the query literally: an absent filter does not constrain, so it is
// given the query as the engine applied it (ScanResult.effective_query). Each expiration's σ
// is found as the definition words it, by sorting every strike with a usable quote.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, SortKey, Strategy, type ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { CALL, impliedVolatility, optionGreeks, PUT } from "../../services/scanner/engine/black-scholes.js";
import { epochDay, expiryInstant, MS_PER_YEAR, newYorkDate } from "../../services/common/new-york-time.js";
import {
  expectedCallPayoff,
  expectedPutPayoff,
  forward,
  probabilityBelow,
  touchProbabilityAbove,
  touchProbabilityBelow,
  touchProbabilityEither,
} from "../../services/scanner/engine/terminal-distribution.js";

export interface ReferenceSpread {
  id: string;
  strategy: Strategy;
  expiryDate: string;
  sortValue: number;
  score: number;
  netCredit: number;
  maxProfit: number;
  maxLoss: number;
  breakevens: number[];
  pop: number;
  expectedValue: number;
  probabilityOfTouch: number;
  returnOnRisk: number;
  /** σ of the distribution the spread was judged under. */
  volatility: number;
  /** For the tie rule: expiry rank, strategy, then leg strikes in slot order. */
  tieKey: number[];
}

interface Leg {
  isCall: boolean;
  strike: number;
  bid: number;
  ask: number;
  mid: number;
  sell: number;
  buy: number;
  iv: number;
  delta: number;
  openInterest: number;
  volume: number;
  quoteTimeMs: number;
}

interface Expiry {
  date: string;
  dte: number;
  years: number;
  calls: Leg[];
  puts: Leg[];
}

const DEFAULT_WEIGHTS = { ev: 0.5, pop: 0.3, liquidity: 0.2 };

/**
 * What became of the candidates, counted as the definitions give them: each vertical is a
 * pair of strikes of one right and expiration in the width range, once per vertical
 * strategy asked for; it is rejected by its legs when the short or the long leg fails the
 * leg filters. An iron spread is counted once both its wings are credit verticals whose
 * legs pass (the engine pairs only such wings, so none is rejected by its legs). Every
 * candidate whose legs pass either fails a filter on the spread's own figures or passes.
 */
export interface ReferenceCounts {
  considered: number;
  rejectedByLegFilters: number;
  rejectedBySpreadFilters: number;
  passed: number;
}

export function referenceScan(chain: OptionChain, query: ScanQuery): ReferenceSpread[] {
  return topOf(referenceEvaluation(chain, query).passing, query);
}

export function referenceCounts(chain: OptionChain, query: ScanQuery): ReferenceCounts {
  return referenceEvaluation(chain, query).counts;
}

/** Every candidate that passes the query's filters, unranked, and what became of all of them. */
function referenceEvaluation(chain: OptionChain, query: ScanQuery): { passing: ReferenceSpread[]; counts: ReferenceCounts } {
  const spot = chain.underlyingPrice;
  const { rate, dividendYield: q } = chain;
  const multiplier = chain.multiplier || 100;
  const asOfMs = (chain.asOf as Date).getTime();
  const asOfDay = epochDay(newYorkDate(chain.asOf as Date));
  const natural = query.pricing === PricingMode.PRICING_MODE_NATURAL;
  const f = query.filters ?? {};
  const lo = (value: number | bigint | undefined): number => (value === undefined ? -Infinity : Number(value));
  const hi = (value: number | bigint | undefined): number => (value === undefined ? Infinity : Number(value));
  const maxAgeMs = f.maxQuoteAge ? Number(f.maxQuoteAge.seconds) * 1000 + f.maxQuoteAge.nanos / 1e6 : Infinity;
  const otmRequired = f.shortStrikesOutOfTheMoney ?? true;

  // The legs, by expiry, exactly as the definitions allow them.
  const byExpiry = new Map<string, Expiry>();
  const seen = new Set<string>();
  for (const quote of chain.quotes) {
    const isCall = quote.right === OptionRight.OPTION_RIGHT_CALL;
    if (!isCall && quote.right !== OptionRight.OPTION_RIGHT_PUT) continue;
    const day = epochDay(quote.expiryDate);
    if (Number.isNaN(day) || !(quote.strike > 0) || !Number.isFinite(quote.strike)) continue;
    const closeMs = expiryInstant(quote.expiryDate).getTime();
    if (day < asOfDay || closeMs <= asOfMs) continue;
    const key = `${quote.expiryDate}|${quote.strike}|${quote.right}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!(Number.isFinite(quote.bid) && Number.isFinite(quote.ask) && quote.bid > 0 && quote.ask > quote.bid)) continue;
    const years = (closeMs - asOfMs) / MS_PER_YEAR;
    const market = { spot, rate, dividendYield: q, years };
    const mid = (quote.bid + quote.ask) / 2;
    const iv = quote.impliedVolatility && quote.impliedVolatility > 0 ? quote.impliedVolatility : impliedVolatility(isCall ? CALL : PUT, quote.strike, mid, market);
    if (Number.isNaN(iv)) continue;
    const delta = quote.greeks ? quote.greeks.delta : optionGreeks(isCall ? CALL : PUT, quote.strike, iv, market, { delta: 0, gamma: 0, theta: 0, vega: 0 }).delta;
    const expiry = byExpiry.get(quote.expiryDate) ?? { date: quote.expiryDate, dte: day - asOfDay, years, calls: [], puts: [] };
    byExpiry.set(quote.expiryDate, expiry);
    (isCall ? expiry.calls : expiry.puts).push({
      isCall,
      strike: quote.strike,
      bid: quote.bid,
      ask: quote.ask,
      mid,
      sell: natural ? quote.bid : mid,
      buy: natural ? quote.ask : mid,
      iv,
      delta,
      openInterest: Number(quote.openInterest),
      volume: Number(quote.volume),
      quoteTimeMs: quote.quoteTime ? quote.quoteTime.getTime() : Number.NaN,
    });
  }
  const expiries = [...byExpiry.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  for (const expiry of expiries) {
    expiry.calls.sort((a, b) => a.strike - b.strike);
    expiry.puts.sort((a, b) => a.strike - b.strike);
  }

  const usable = (leg: Leg): boolean =>
    !(leg.quoteTimeMs < asOfMs - maxAgeMs) &&
    leg.openInterest >= lo(f.minOpenInterest) &&
    leg.volume >= lo(f.minVolume) &&
    leg.ask - leg.bid <= hi(f.maxLegBidAskWidth) &&
    (leg.ask - leg.bid) / leg.mid <= hi(f.maxLegBidAskWidthFraction);
  const shortOk = (leg: Leg, otm: boolean): boolean =>
    usable(leg) &&
    Math.abs(leg.delta) >= lo(f.minShortDelta) &&
    Math.abs(leg.delta) <= hi(f.maxShortDelta) &&
    leg.iv >= lo(f.minShortImpliedVolatility) &&
    leg.iv <= hi(f.maxShortImpliedVolatility) &&
    (!otm || !otmRequired || (leg.isCall ? leg.strike > spot : leg.strike < spot));
  const longOk = (leg: Leg): boolean => usable(leg) && Math.abs(leg.delta) <= hi(f.maxLongDelta);
  const atTheMoney = (side: Leg[], strike: number): boolean => {
    if (side.some((leg) => leg.strike === spot)) return strike === spot;
    const below = Math.max(...side.filter((leg) => leg.strike < spot).map((leg) => leg.strike));
    const above = Math.min(...side.filter((leg) => leg.strike > spot).map((leg) => leg.strike));
    return strike === below || strike === above;
  };
  const widthOk = (width: number): boolean => width > 0 && width >= (f.minWidth ?? 0) && width <= hi(f.maxWidth);

  // σ of an expiration, by the query's probability model; undefined under SHORT_LEG_IV, where
  // each spread's short legs give their own.
  const model = query.probabilityModel === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED ? ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV : query.probabilityModel;
  const fresh = (leg: Leg): boolean => !(leg.quoteTimeMs < asOfMs - maxAgeMs);
  const expiryVolatility = (expiry: Expiry): number | undefined => {
    if (model === ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV) return undefined;
    if (model === ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY) return query.volatility;
    // At the money: the strike nearest the forward among those with a usable quote (the
    // lower on a tie), the mean of its call's and put's implied volatility where both are
    // usable, else the one that is.
    const forwardPrice = forward(spot, rate, q, expiry.years);
    const usable = [...expiry.calls, ...expiry.puts].filter(fresh);
    const strikes = [...new Set(usable.map((leg) => leg.strike))].sort((a, b) => Math.abs(a - forwardPrice) - Math.abs(b - forwardPrice) || a - b);
    if (strikes.length === 0) return undefined;
    const atTheMoney = usable.filter((leg) => leg.strike === strikes[0]).map((leg) => leg.iv);
    return atTheMoney.reduce((sum, iv) => sum + iv, 0) / atTheMoney.length;
  };

  const weights = {
    ev: query.scoreWeights?.expectedValuePerRisk ?? DEFAULT_WEIGHTS.ev,
    pop: query.scoreWeights?.pop ?? DEFAULT_WEIGHTS.pop,
    liquidity: query.scoreWeights?.liquidity ?? DEFAULT_WEIGHTS.liquidity,
  };
  const weightSum = weights.ev + weights.pop + weights.liquidity;
  const wanted = new Set(query.strategies.length > 0 ? query.strategies : [1, 2, 3, 4, 5, 6]);
  const results: ReferenceSpread[] = [];
  const counts: ReferenceCounts = { considered: 0, rejectedByLegFilters: 0, rejectedBySpreadFilters: 0, passed: 0 };

  /** Evaluates a candidate whose legs pass: true when it passes every spread filter too. */
  const passes = (
    expiryRank: number,
    expiry: Expiry,
    strategy: Strategy,
    legs: { leg: Leg; sold: boolean }[],
    slots: number[],
    volatility: number,
    touchBarriers: number[],
  ): boolean => {
    const net = legs.reduce((sum, { leg, sold }) => sum + (sold ? leg.sell : -leg.buy), 0);
    const payoff = (price: number): number =>
      net + legs.reduce((sum, { leg, sold }) => sum + (sold ? -1 : 1) * Math.max(0, leg.isCall ? price - leg.strike : leg.strike - price), 0);
    const strikes = [...new Set(legs.map(({ leg }) => leg.strike))].sort((a, b) => a - b);
    // The payoff is piecewise linear with kinks at the strikes: its extremes are at the
    // strikes or, beyond them, flat.
    const values = [payoff(0), ...strikes.map(payoff), payoff(strikes[strikes.length - 1]! * 10)];
    const maxProfit = Math.max(...values);
    const maxLoss = -Math.min(...values);
    // A billionth of a dollar per share counts as zero (the engine's MONEY_EPSILON, as defined there).
    if (!(maxProfit > 1e-9 && maxLoss > 1e-9)) return false;
    const isCredit = net > 0 && strategy !== Strategy.STRATEGY_BULL_CALL && strategy !== Strategy.STRATEGY_BEAR_PUT;
    const isDebit = strategy === Strategy.STRATEGY_BULL_CALL || strategy === Strategy.STRATEGY_BEAR_PUT;
    if (!isCredit && !isDebit) return false;
    if (legs.length === 4) {
      // Each side of an iron spread must be a credit vertical in its own right.
      const sideCredit = (sold: Leg, bought: Leg): number => sold.sell - bought.buy;
      const putSide = sideCredit(legs[1]!.leg, legs[0]!.leg);
      const callSide = sideCredit(legs[2]!.leg, legs[3]!.leg);
      if (!(putSide > 1e-9 && slots[1]! - slots[0]! - putSide > 1e-9)) return false;
      if (!(callSide > 1e-9 && slots[3]! - slots[2]! - callSide > 1e-9)) return false;
    }
    const wingWidths =
      strategy === Strategy.STRATEGY_IRON_CONDOR || strategy === Strategy.STRATEGY_IRON_BUTTERFLY
        ? [slots[1]! - slots[0]!, slots[3]! - slots[2]!]
        : [Math.abs(legs[0]!.leg.strike - legs[1]!.leg.strike)];
    const width = Math.max(...wingWidths);
    if (isCredit && (net < lo(f.minCredit) || net / width < lo(f.minCreditToWidth))) return false;
    if (isDebit && -net > hi(f.maxDebit)) return false;
    if (wingWidths.length === 2 && Math.abs(wingWidths[0]! - wingWidths[1]!) > hi(f.maxWingWidthDifference)) return false;
    if (maxLoss * multiplier > hi(f.maxMaxLoss)) return false;
    const returnOnRisk = maxProfit / maxLoss;
    if (returnOnRisk < lo(f.minReturnOnRisk)) return false;
    // Breakevens: where the payoff crosses zero between kinks.
    const points = [0, ...strikes, strikes[strikes.length - 1]! * 10];
    const breakevens: number[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const a = payoff(points[i]!);
      const b = payoff(points[i + 1]!);
      if ((a <= 1e-9 && b > 1e-9) || (a > 1e-9 && b <= 1e-9)) breakevens.push(points[i]! + ((points[i + 1]! - points[i]!) * -a) / (b - a));
    }
    const years = expiry.years;
    const below = (level: number): number => probabilityBelow(spot, rate, q, volatility, years, level);
    let pop = 0;
    const edges = [0, ...breakevens, Infinity];
    for (let i = 0; i + 1 < edges.length; i++) {
      const middle = Number.isFinite(edges[i + 1]!) ? (edges[i]! + edges[i + 1]!) / 2 : edges[i]! * 2 + 1;
      if (payoff(middle) > 1e-9) pop += (Number.isFinite(edges[i + 1]!) ? below(edges[i + 1]!) : 1) - below(edges[i]!);
    }
    if (pop < lo(f.minPop)) return false;
    const expectedValue =
      (net +
        legs.reduce(
          (sum, { leg, sold }) =>
            sum +
            (sold ? -1 : 1) *
              (leg.isCall ? expectedCallPayoff(spot, rate, q, volatility, years, leg.strike) : expectedPutPayoff(spot, rate, q, volatility, years, leg.strike)),
          0,
        )) *
      multiplier;
    if (expectedValue < lo(f.minExpectedValue)) return false;
    // The path reaching a short strike from its winning side: above a short call, below a
    // short put, either for a condor; a butterfly's shared strike always has the price on
    // one losing side, so it counts as touched.
    const shortLegs = legs.filter(({ sold }) => sold).map(({ leg }) => leg);
    let touch: number;
    if (shortLegs.length === 1) {
      const short = shortLegs[0]!;
      touch = short.isCall
        ? touchProbabilityAbove(spot, rate, q, volatility, years, short.strike)
        : touchProbabilityBelow(spot, rate, q, volatility, years, short.strike);
    } else {
      touch = touchBarriers[0]! < touchBarriers[1]! ? touchProbabilityEither(spot, rate, q, volatility, years, touchBarriers[0]!, touchBarriers[1]!) : 1;
    }
    if (touch > hi(f.maxProbabilityOfTouch)) return false;
    // Liquidity: the share of the net price left after filling every leg at natural, not mid.
    const slippage = legs.reduce((sum, { leg }) => sum + (leg.ask - leg.bid) / 2, 0);
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
      [SortKey.SORT_KEY_CREDIT_TO_WIDTH]: net / width,
      [SortKey.SORT_KEY_MAX_LOSS]: -maxLoss * multiplier,
      [SortKey.SORT_KEY_PROBABILITY_OF_TOUCH]: -touch,
    }[query.sort as Exclude<SortKey, SortKey.UNRECOGNIZED>];
    results.push({
      id: `${chain.symbol}:${expiry.date}:${Strategy[strategy].replace("STRATEGY_", "")}:${legs
        .map(({ leg }) => leg.strike)
        .sort((a, b) => a - b)
        .join("/")}`,
      strategy,
      expiryDate: expiry.date,
      sortValue,
      score,
      netCredit: net,
      maxProfit: maxProfit * multiplier,
      maxLoss: maxLoss * multiplier,
      breakevens,
      pop,
      expectedValue,
      probabilityOfTouch: touch,
      returnOnRisk,
      volatility,
      tieKey: [expiryRank, strategy, ...slots],
    });
    return true;
  };
  const consider = (...args: Parameters<typeof passes>): void => {
    counts.considered++;
    if (passes(...args)) counts.passed++;
    else counts.rejectedBySpreadFilters++;
  };
  /** A vertical of a strategy asked for, whose legs may fail the leg filters. */
  const considerVertical = (legsPass: boolean, ...args: Parameters<typeof passes>): void => {
    if (legsPass) {
      consider(...args);
      return;
    }
    counts.considered++;
    counts.rejectedByLegFilters++;
  };

  expiries.forEach((expiry, expiryRank) => {
    if (expiry.dte < lo(f.minDte) || expiry.dte > hi(f.maxDte)) return;
    const shared = expiryVolatility(expiry);
    const NONE = -1e18;
    for (const [legsOf, isCall] of [[expiry.puts, false], [expiry.calls, true]] as const) {
      for (const a of legsOf) {
        for (const b of legsOf) {
          if (!widthOk(Math.abs(a.strike - b.strike))) continue;
          // Credit: sell the leg nearer the money (a), buy the further one (b).
          const bIsFurther = isCall ? b.strike > a.strike : b.strike < a.strike;
          if (!bIsFurther) continue;
          const credit = isCall ? Strategy.STRATEGY_BEAR_CALL : Strategy.STRATEGY_BULL_PUT;
          const debit = isCall ? Strategy.STRATEGY_BULL_CALL : Strategy.STRATEGY_BEAR_PUT;
          const slotsFor = (long: Leg, short: Leg): number[] => (isCall ? [NONE, NONE, short.strike, long.strike] : [long.strike, short.strike, NONE, NONE]);
          if (wanted.has(credit)) {
            considerVertical(shortOk(a, true) && longOk(b), expiryRank, expiry, credit, [{ leg: a, sold: true }, { leg: b, sold: false }], slotsFor(b, a), shared ?? a.iv, [a.strike]);
          }
          if (wanted.has(debit)) {
            considerVertical(shortOk(b, true) && longOk(a), expiryRank, expiry, debit, [{ leg: b, sold: true }, { leg: a, sold: false }], slotsFor(a, b), shared ?? b.iv, [b.strike]);
          }
        }
      }
    }
    if (!wanted.has(Strategy.STRATEGY_IRON_CONDOR) && !wanted.has(Strategy.STRATEGY_IRON_BUTTERFLY)) return;
    for (const putShort of expiry.puts) {
      for (const putLong of expiry.puts) {
        for (const callShort of expiry.calls) {
          for (const callLong of expiry.calls) {
            if (!(putLong.strike < putShort.strike && callShort.strike < callLong.strike)) continue;
            if (!widthOk(putShort.strike - putLong.strike) || !widthOk(callLong.strike - callShort.strike)) continue;
            if (!longOk(putLong) || !longOk(callLong)) continue;
            let strategy: Strategy;
            if (putShort.strike < callShort.strike && wanted.has(Strategy.STRATEGY_IRON_CONDOR)) {
              if (!shortOk(putShort, true) || !shortOk(callShort, true)) continue;
              strategy = Strategy.STRATEGY_IRON_CONDOR;
            } else if (putShort.strike === callShort.strike && wanted.has(Strategy.STRATEGY_IRON_BUTTERFLY)) {
              if (!shortOk(putShort, false) || !shortOk(callShort, false)) continue;
              // The body sits at the money (the listed strikes either side of the spot, on
              // each side) unless the query allows shorts in the money.
              if (otmRequired && !(atTheMoney(expiry.puts, putShort.strike) && atTheMoney(expiry.calls, callShort.strike))) continue;
              strategy = Strategy.STRATEGY_IRON_BUTTERFLY;
            } else continue;
            consider(
              expiryRank,
              expiry,
              strategy,
              [
                { leg: putLong, sold: false },
                { leg: putShort, sold: true },
                { leg: callShort, sold: true },
                { leg: callLong, sold: false },
              ],
              [putLong.strike, putShort.strike, callShort.strike, callLong.strike],
              shared ?? (putShort.iv + callShort.iv) / 2,
              [putShort.strike, callShort.strike],
            );
          }
        }
      }
    }
  });

  return { passing: results, counts };
}

/** The top N of the passing spreads by the documented order, at most max_per_expiry per expiration. */
function topOf(passing: readonly ReferenceSpread[], query: ScanQuery): ReferenceSpread[] {
  const results = [...passing].sort(compareReference);
  const cap = query.filters?.maxPerExpiry ?? Infinity;
  const limit = query.limit ?? 20;
  const perExpiry = new Map<string, number>();
  const top: ReferenceSpread[] = [];
  for (const spread of results) {
    const taken = perExpiry.get(spread.expiryDate) ?? 0;
    if (taken >= cap) continue;
    perExpiry.set(spread.expiryDate, taken + 1);
    top.push(spread);
    if (top.length === limit) break;
  }
  return top;
}

/** The documented order: sort value, score, earlier expiry, strategy, then leg strikes in slot order. */
export function compareReference(a: ReferenceSpread, b: ReferenceSpread): number {
  if (a.sortValue !== b.sortValue) return b.sortValue - a.sortValue;
  if (a.score !== b.score) return b.score - a.score;
  for (let i = 0; i < a.tieKey.length; i++) if (a.tieKey[i] !== b.tieKey[i]) return a.tieKey[i]! - b.tieKey[i]!;
  return 0;
}

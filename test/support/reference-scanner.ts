// A deliberately simple scanner: every combination of legs by nested loops, every metric
// recomputed from docs/architecture.md's definitions in the most direct way, every filter
// checked, then a full sort. It is slow on purpose and shares nothing with the engine but
// the pricing model (Black–Scholes, the terminal distribution, New York dates), which have
// tests of their own. The engine must return exactly its top N, and account for the same
// candidates. It reads the query literally: an absent filter does not constrain, so it is
// given the query as the engine applied it (ScanResult.effective_query). Each expiration's σ
// is found as the definition words it, by sorting every strike with a usable quote.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, Strategy, type ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { forward } from "../../services/engine/terminal-distribution.js";
import { referenceEventFilter, referenceLeftOutByEvents } from "./reference-events.js";
import { referenceExpiries, type Expiry, type Leg } from "./reference-legs.js";
import { filterCeiling, filterFloor, referenceContext, referenceSpread, sigmaDistance, type ReferenceSpread } from "./reference-spread.js";
import { referenceStanding, referenceSymbolFailure, referenceSymbolPasses } from "./reference-market-context.js";
import { considerTwoExpirySpreads } from "./reference-two-expiry-scan.js";

export type { ReferenceSpread } from "./reference-spread.js";

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
  /**
   * The candidates rejected by leg filters, by the ScanFilters name of the first filter each
   * failed, in the documented order (docs/architecture.md, "Rejections by filter"): the
   * symbol's filters, the expirations' event filters (the short leg's, then the long leg's),
   * then the short leg's filters in field order, then the long leg's.
   */
  legRejections: Map<string, number>;
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
  const asOfMs = (chain.asOf as Date).getTime();
  const natural = query.pricing === PricingMode.PRICING_MODE_NATURAL;
  const f = query.filters ?? {};
  const maxAgeMs = f.maxQuoteAge ? Number(f.maxQuoteAge.seconds) * 1000 + f.maxQuoteAge.nanos / 1e6 : Infinity;
  const otmRequired = f.shortStrikesOutOfTheMoney ?? true;

  const expiries = referenceExpiries(chain, natural);
  // The exclude-events filters: every leg of an expiration with such an event before it (every
  // expiration when the events are unknown) fails the leg filters (reference-events.ts).
  const leftOutByEvents = new Map(
    expiries
      .filter((expiry) => referenceLeftOutByEvents(chain, f, expiry.date))
      .flatMap((expiry) => [...expiry.calls, ...expiry.puts].map((leg) => [leg, referenceEventFilter(chain, f, expiry.date)] as const)),
  );

  // A symbol failing its IV rank or percentile bounds has no usable leg (query.proto).
  const standing = referenceStanding(chain, referenceExpiries(chain, false));
  const symbolPasses = referenceSymbolPasses(standing, f);
  const symbolFailure = symbolPasses ? undefined : referenceSymbolFailure(standing, f);

  const usable = (leg: Leg): boolean =>
    symbolPasses &&
    !leftOutByEvents.has(leg) &&
    !(leg.quoteTimeMs < asOfMs - maxAgeMs) &&
    leg.openInterest >= filterFloor(f.minOpenInterest) &&
    leg.volume >= filterFloor(f.minVolume) &&
    leg.ask - leg.bid <= filterCeiling(f.maxLegBidAskWidth) &&
    (leg.ask - leg.bid) / leg.mid <= filterCeiling(f.maxLegBidAskWidthFraction);
  const shortOk = (leg: Leg, otm: boolean): boolean =>
    usable(leg) &&
    Math.abs(leg.delta) >= filterFloor(f.minShortDelta) &&
    Math.abs(leg.delta) <= filterCeiling(f.maxShortDelta) &&
    leg.iv >= filterFloor(f.minShortImpliedVolatility) &&
    leg.iv <= filterCeiling(f.maxShortImpliedVolatility) &&
    (!otm || !otmRequired || (leg.isCall ? leg.strike > spot : leg.strike < spot));
  const longOk = (leg: Leg): boolean => usable(leg) && Math.abs(leg.delta) <= filterCeiling(f.maxLongDelta);
  const atTheMoney = (side: Leg[], strike: number): boolean => {
    if (side.some((leg) => leg.strike === spot)) return strike === spot;
    const below = Math.max(...side.filter((leg) => leg.strike < spot).map((leg) => leg.strike));
    const above = Math.min(...side.filter((leg) => leg.strike > spot).map((leg) => leg.strike));
    return strike === below || strike === above;
  };
  const widthOk = (width: number): boolean => width > 0 && width >= (f.minWidth ?? 0) && width <= filterCeiling(f.maxWidth);

  // σ of an expiration, by the query's probability model; undefined under SHORT_LEG_IV, where
  // each spread's short legs give their own.
  const model =
    query.probabilityModel === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED ? ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV : query.probabilityModel;
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

  const wanted = new Set(query.strategies.length > 0 ? query.strategies : [1, 2, 3, 4, 5, 6]);
  const results: ReferenceSpread[] = [];
  const counts: ReferenceCounts = { considered: 0, rejectedByLegFilters: 0, rejectedBySpreadFilters: 0, passed: 0, legRejections: new Map() };
  // The first filter a leg fails in its role, in ScanFilters field order; undefined when it passes.
  const everyLegFilter = (leg: Leg): string | undefined => {
    if (leg.openInterest < filterFloor(f.minOpenInterest)) return "min_open_interest";
    if (leg.volume < filterFloor(f.minVolume)) return "min_volume";
    if (leg.ask - leg.bid > filterCeiling(f.maxLegBidAskWidth)) return "max_leg_bid_ask_width";
    if ((leg.ask - leg.bid) / leg.mid > filterCeiling(f.maxLegBidAskWidthFraction)) return "max_leg_bid_ask_width_fraction";
    return undefined;
  };
  const shortFailure = (leg: Leg, sigmaDistanceFails: boolean): string | undefined => {
    if (Math.abs(leg.delta) < filterFloor(f.minShortDelta)) return "min_short_delta";
    if (Math.abs(leg.delta) > filterCeiling(f.maxShortDelta)) return "max_short_delta";
    const every = everyLegFilter(leg);
    if (every) return every;
    if (leg.iv < filterFloor(f.minShortImpliedVolatility)) return "min_short_implied_volatility";
    if (leg.iv > filterCeiling(f.maxShortImpliedVolatility)) return "max_short_implied_volatility";
    if (otmRequired && !(leg.isCall ? leg.strike > spot : leg.strike < spot)) return "short_strikes_out_of_the_money";
    if (leg.quoteTimeMs < asOfMs - maxAgeMs) return "max_quote_age";
    return sigmaDistanceFails ? "min_short_sigma_distance" : undefined;
  };
  const longFailure = (leg: Leg): string | undefined => {
    if (Math.abs(leg.delta) > filterCeiling(f.maxLongDelta)) return "max_long_delta";
    return everyLegFilter(leg) ?? (leg.quoteTimeMs < asOfMs - maxAgeMs ? "max_quote_age" : undefined);
  };
  /** Counts a candidate rejected by its legs under the first filter it failed. */
  const rejectLegs = (short: Leg, long: Leg, sigmaDistanceFails: boolean): void => {
    counts.rejectedByLegFilters++;
    const filter =
      symbolFailure ??
      leftOutByEvents.get(short) ??
      leftOutByEvents.get(long) ??
      shortFailure(short, sigmaDistanceFails) ??
      longFailure(long) ??
      "(none: the reference found no failed filter)";
    counts.legRejections.set(filter, (counts.legRejections.get(filter) ?? 0) + 1);
  };

  const judge = referenceSpread.bind(undefined, referenceContext(chain, query));
  const consider = (...args: Parameters<typeof judge>): void => {
    counts.considered++;
    const spread = judge(...args);
    if (spread) {
      results.push(spread);
      counts.passed++;
    } else counts.rejectedBySpreadFilters++;
  };
  /** A vertical of a strategy asked for, whose legs may fail the leg filters. */
  const considerVertical = (legsPass: boolean, short: Leg, long: Leg, sigmaDistanceFails: boolean, ...args: Parameters<typeof judge>): void => {
    if (legsPass) {
      consider(...args);
      return;
    }
    counts.considered++;
    rejectLegs(short, long, sigmaDistanceFails);
  };

  expiries.forEach((expiry, expiryRank) => {
    if (expiry.dte < filterFloor(f.minDte) || expiry.dte > filterCeiling(f.maxDte)) return;
    const shared = expiryVolatility(expiry);
    // min_short_sigma_distance is a leg filter where the expiration's σ is shared; under the
    // short legs' own σ it is judged with the spread (referenceSpread).
    const sigmaDistanceFails = (leg: Leg): boolean =>
      shared !== undefined && !(sigmaDistance(leg.isCall, leg.strike, spot, shared, expiry.years) >= filterFloor(f.minShortSigmaDistance));
    const shortOkHere = (leg: Leg, otm: boolean): boolean => shortOk(leg, otm) && !sigmaDistanceFails(leg);
    const NONE = -1e18;
    for (const [legsOf, isCall] of [
      [expiry.puts, false],
      [expiry.calls, true],
    ] as const) {
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
            considerVertical(
              shortOkHere(a, true) && longOk(b),
              a,
              b,
              sigmaDistanceFails(a),
              expiryRank,
              expiry,
              credit,
              [
                { leg: a, sold: true },
                { leg: b, sold: false },
              ],
              slotsFor(b, a),
              shared ?? a.iv,
              [a.strike],
            );
          }
          if (wanted.has(debit)) {
            considerVertical(
              shortOkHere(b, true) && longOk(a),
              b,
              a,
              sigmaDistanceFails(b),
              expiryRank,
              expiry,
              debit,
              [
                { leg: b, sold: true },
                { leg: a, sold: false },
              ],
              slotsFor(a, b),
              shared ?? b.iv,
              [b.strike],
            );
          }
        }
      }
    }
    // Calendars and diagonals whose front is this expiration (reference-two-expiry-scan.ts).
    considerTwoExpirySpreads(
      {
        context: referenceContext(chain, query),
        expiries,
        wanted,
        shortOk: shortOkHere,
        longOk,
        widthOk,
        volatilityOf: (short) => shared ?? short.iv,
        consider: (legsPass, spread, short, long) => {
          counts.considered++;
          if (!legsPass) {
            rejectLegs(short, long, sigmaDistanceFails(short));
            return;
          }
          const judged = spread();
          if (judged) {
            results.push(judged);
            counts.passed++;
          } else counts.rejectedBySpreadFilters++;
        },
      },
      expiryRank,
      expiry,
    );
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
              if (!shortOkHere(putShort, true) || !shortOkHere(callShort, true)) continue;
              strategy = Strategy.STRATEGY_IRON_CONDOR;
            } else if (putShort.strike === callShort.strike && wanted.has(Strategy.STRATEGY_IRON_BUTTERFLY)) {
              if (!shortOkHere(putShort, false) || !shortOkHere(callShort, false)) continue;
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

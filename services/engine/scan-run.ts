// One scan of a prepared chain: every candidate of the requested strategies in every
// expiration of the query's DTE range, through the leg flags, the evaluator and the top-N
// heaps, counting what became of each; then the kept ones described.
import { Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { SkipReason, type ExpiryDistribution, type ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { describeDistribution, expiryVolatility } from "./expiry-volatility.js";
import { creditWings, ironCandidateCount, isButterflyBody, refuseIfTooBroad, type CreditWings } from "./iron-candidates.js";
import type { ExpirySlice, LegTable, PreparedChain } from "./prepared-chain.js";
import { LEG_SHORT, LEG_SHORT_OTM, priceSide, scratchSide, type PricedSide } from "./priced-side.js";
import { KNOWN_STRATEGIES, namesTwoExpiryStrategy, type ResolvedQuery } from "./resolved-query.js";
import { describeSpread } from "./spread-description.js";
import { SpreadEvaluator } from "./spread-evaluator.js";
import { forward } from "./terminal-distribution.js";
import { NO_EXPIRY, NO_LEG, TopCandidates } from "./top-candidates.js";
import { TwoExpirySearch } from "./two-expiry/two-expiry-search.js";
import { VerticalSearch } from "./vertical-search.js";

const IRON_CONDOR = Strategy.STRATEGY_IRON_CONDOR;
const IRON_BUTTERFLY = Strategy.STRATEGY_IRON_BUTTERFLY;

export class ScanRun {
  readonly evaluator: SpreadEvaluator;
  readonly skipped: Float64Array;
  /** Candidates the loops went through; each is then rejected by its legs' flags or handed to the evaluator, which counts the rest. */
  considered = 0;
  rejectedByLegFilters = 0;
  /** Verticals dropped in groups by a bound on their sort value (vertical-search.ts). */
  verticalsBoundedOut = 0;
  private readonly verticalSearch: VerticalSearch;
  private readonly final: TopCandidates;
  private readonly perExpiry: TopCandidates | undefined;
  private readonly putSide: PricedSide;
  private readonly callSide: PricedSide;
  /** Per expiration (by index): the σ its spreads share, NaN when none is (each spread's own, or no usable quote). */
  private readonly expiryVolatility: Float64Array;
  /** The distribution of every expiration in the DTE range, for the result. */
  readonly distributions: ExpiryDistribution[] = [];
  /** Calendars and diagonals, when the query names any (two-expiry/two-expiry-search.ts). */
  private twoExpiry: TwoExpirySearch | undefined;

  constructor(
    private readonly prepared: PreparedChain,
    private readonly query: ResolvedQuery,
  ) {
    this.evaluator = new SpreadEvaluator(query, {
      spot: prepared.spot,
      rate: prepared.rate,
      dividendYield: prepared.dividendYield,
      multiplier: prepared.multiplier,
      expiry: prepared.expiries[0] as ExpirySlice,
    });
    this.skipped = Float64Array.from(prepared.skipped);
    this.final = new TopCandidates(query.limit);
    this.perExpiry = Number.isFinite(query.maxPerExpiry) ? new TopCandidates(Math.min(query.maxPerExpiry, query.limit)) : undefined;
    let widest = 0;
    for (const expiry of prepared.expiries) widest = Math.max(widest, expiry.calls.count, expiry.puts.count);
    this.putSide = scratchSide(widest, false);
    this.callSide = scratchSide(widest, true);
    this.verticalSearch = new VerticalSearch(query, this.evaluator, widest, this, prepared.multiplier);
    if (query.maxQuoteAgeMs < Infinity || query.minOpenInterest > 0) this.countQueryDependentSkips();
    this.expiryVolatility = new Float64Array(prepared.expiries.length).fill(Number.NaN);
    const freshFromMs = prepared.asOfMs - query.maxQuoteAgeMs;
    prepared.expiries.forEach((expiry, expiryIndex) => {
      if (!this.inDteRange(expiry)) return;
      const forwardPrice = forward(prepared.spot, prepared.rate, prepared.dividendYield, expiry.years);
      const chosen = expiryVolatility(query, expiry, forwardPrice, freshFromMs);
      this.expiryVolatility[expiryIndex] = chosen.volatility;
      this.distributions.push(describeDistribution(expiry, forwardPrice, chosen));
    });
    if (namesTwoExpiryStrategy(query.strategies)) this.twoExpiry = new TwoExpirySearch(prepared, query, this.expiryVolatility);
  }

  evaluateAll(): void {
    const strategies = this.query.strategies;
    const wantPutVerticals = strategies.has(Strategy.STRATEGY_BULL_PUT) || strategies.has(Strategy.STRATEGY_BEAR_PUT);
    const wantCallVerticals = strategies.has(Strategy.STRATEGY_BEAR_CALL) || strategies.has(Strategy.STRATEGY_BULL_CALL);
    const wantIron = strategies.has(Strategy.STRATEGY_IRON_CONDOR) || strategies.has(Strategy.STRATEGY_IRON_BUTTERFLY);
    const ironWings = wantIron ? this.planIronSpreads() : [];
    this.prepared.expiries.forEach((expiry, expiryIndex) => {
      if (!this.inDteRange(expiry)) return;
      this.startExpiry(expiryIndex);
      const puts = this.priceSide(this.putSide, expiry.puts, expiry.years, expiryIndex, true);
      const calls = this.priceSide(this.callSide, expiry.calls, expiry.years, expiryIndex, true);
      const heap = this.perExpiry ?? this.final;
      if (wantPutVerticals) this.verticalSearch.search(puts, expiryIndex, heap);
      if (wantCallVerticals) this.verticalSearch.search(calls, expiryIndex, heap);
      const wings = ironWings[expiryIndex];
      if (wings) this.ironSpreads(puts, calls, wings.puts, wings.calls, expiryIndex, heap);
      this.twoExpiry?.scanFront(expiryIndex, heap);
      this.perExpiry?.drainInto(this.final);
    });
    this.twoExpiry?.foldCountsInto(this, this.evaluator);
  }

  private inDteRange(expiry: ExpirySlice): boolean {
    return expiry.dte >= this.query.minDte && expiry.dte <= this.query.maxDte;
  }

  /**
   * The wings of every expiration's iron spreads, and their count: a query that would reach
   * more than MAX_CANDIDATES is refused before any is evaluated.
   */
  private planIronSpreads(): ({ puts: CreditWings; calls: CreditWings } | undefined)[] {
    const condor = this.query.strategies.has(Strategy.STRATEGY_IRON_CONDOR);
    const butterfly = this.query.strategies.has(Strategy.STRATEGY_IRON_BUTTERFLY);
    // Butterflies sell at the money by design: instead of the out-of-the-money rule, their
    // body must be at the money (LEG_BODY).
    const shortFlag = butterfly ? LEG_SHORT : LEG_SHORT_OTM;
    let total = 0;
    const plan = this.prepared.expiries.map((expiry, expiryIndex) => {
      if (!this.inDteRange(expiry)) return undefined;
      const puts = this.priceSide(this.putSide, expiry.puts, expiry.years, expiryIndex, false);
      const calls = this.priceSide(this.callSide, expiry.calls, expiry.years, expiryIndex, false);
      const wings = {
        puts: creditWings(puts, this.query.minWidth, this.query.maxWidth, shortFlag),
        calls: creditWings(calls, this.query.minWidth, this.query.maxWidth, shortFlag),
      };
      total += ironCandidateCount(wings.puts, wings.calls, puts, calls, condor, butterfly);
      return wings;
    });
    refuseIfTooBroad(total);
    return plan;
  }

  /** The kept candidates, best first, described in full. */
  ranked(): ScanResult["spreads"] {
    const ranked = this.final.rankedSlots();
    const spreads = new Array<ScanResult["spreads"][number]>(ranked.length);
    // Described expiration by expiration, so that each side is priced once, not once per spread.
    const byExpiry = new Map<number, [rank: number, slot: number][]>();
    ranked.forEach((slot, rank) => {
      const expiryIndex = this.final.expiry[slot] as number;
      const backExpiryIndex = this.final.backExpiry[slot] as number;
      if (backExpiryIndex !== NO_EXPIRY && this.twoExpiry) {
        const base = slot * 4;
        const legs = this.final.legs;
        const strategy = strategyOf(this.final.strategy[slot] as number);
        spreads[rank] = this.twoExpiry.describe(
          expiryIndex,
          backExpiryIndex,
          strategy,
          legs[base] as number,
          legs[base + 1] as number,
          legs[base + 2] as number,
          legs[base + 3] as number,
        );
        return;
      }
      const group = byExpiry.get(expiryIndex);
      if (group) group.push([rank, slot]);
      else byExpiry.set(expiryIndex, [[rank, slot]]);
    });
    for (const [expiryIndex, entries] of byExpiry) {
      const expiry = this.prepared.expiries[expiryIndex] as ExpirySlice;
      this.startExpiry(expiryIndex);
      // Only the kept spreads' legs are priced, without the per-strike probabilities
      // (fillLegColumns gives theirs).
      const legs = this.final.legs;
      const [putFrom, putEnd] = legWindow(legs, entries, 0);
      const [callFrom, callEnd] = legWindow(legs, entries, 2);
      const puts = this.priceSide(this.putSide, expiry.puts, expiry.years, expiryIndex, false, putFrom, putEnd);
      const calls = this.priceSide(this.callSide, expiry.calls, expiry.years, expiryIndex, false, callFrom, callEnd);
      for (const [rank, slot] of entries) {
        const base = slot * 4;
        fillLegColumns(this.evaluator, puts, calls, legs, base);
        spreads[rank] = describeSpread(
          this.evaluator,
          this.prepared,
          expiry,
          strategyOf(this.final.strategy[slot] as number),
          puts,
          calls,
          legs[base] as number,
          legs[base + 1] as number,
          legs[base + 2] as number,
          legs[base + 3] as number,
        );
      }
    }
    return spreads;
  }

  private startExpiry(expiryIndex: number): void {
    this.evaluator.setExpiry(this.prepared.expiries[expiryIndex] as ExpirySlice, this.expiryVolatility[expiryIndex] as number);
  }

  /** Prices one side for this query (see priceSide), with the per-strike probabilities when asked (after startExpiry). */
  private priceSide(
    side: PricedSide,
    table: LegTable,
    years: number,
    expiryIndex: number,
    withProbabilities: boolean,
    from?: number,
    end?: number,
  ): PricedSide {
    const sharedVolatility = this.expiryVolatility[expiryIndex] as number;
    return priceSide(side, table, years, sharedVolatility, this.query, this.prepared, withProbabilities ? this.evaluator : undefined, from, end);
  }

  /**
   * Iron condors and butterflies: every qualifying bull put spread with every qualifying
   * bear call spread. Grouped by the pair of short legs, which fixes the volatility, so
   * the expected payoffs of the wings are computed once per pair, not once per candidate.
   * Only wings whose legs carry their flags are paired, so no iron spread considered here
   * is rejected by its legs.
   */
  private ironSpreads(puts: PricedSide, calls: PricedSide, putWings: CreditWings, callWings: CreditWings, expiryIndex: number, heap: TopCandidates): void {
    const condor = this.query.strategies.has(Strategy.STRATEGY_IRON_CONDOR);
    const butterfly = this.query.strategies.has(Strategy.STRATEGY_IRON_BUTTERFLY);
    const evaluator = this.evaluator;
    const putStrikes = puts.table.strike;
    const callStrikes = calls.table.strike;
    for (let p = 0; p < putWings.shortCount; p++) {
      const putShort = putWings.shorts[p] as number;
      const putShortStrike = putStrikes[putShort] as number;
      const putIsOtm = ((puts.flags[putShort] as number) & LEG_SHORT_OTM) !== 0;
      const putFirst = putWings.firstWing[p] as number;
      const putEnd = putWings.firstWing[p + 1] as number;
      for (let c = 0; c < callWings.shortCount; c++) {
        const callShort = callWings.shorts[c] as number;
        const callShortStrike = callStrikes[callShort] as number;
        let strategy: Strategy;
        if (callShortStrike > putShortStrike) {
          if (!condor || !putIsOtm || ((calls.flags[callShort] as number) & LEG_SHORT_OTM) === 0) continue;
          strategy = IRON_CONDOR;
        } else if (callShortStrike === putShortStrike) {
          if (!butterfly || !isButterflyBody(puts, calls, putShort, callShort)) continue;
          strategy = IRON_BUTTERFLY;
        } else continue;
        evaluator.beginIronPair(
          puts,
          calls,
          putShort,
          callShort,
          (putWings.largestCredit[p] as number) + (callWings.largestCredit[c] as number),
          putWings.narrowestWidth[p] as number,
          callWings.narrowestWidth[c] as number,
        );
        const callFirst = callWings.firstWing[c] as number;
        const callEnd = callWings.firstWing[c + 1] as number;
        for (let putWing = putFirst; putWing < putEnd; putWing++) {
          const putLong = putWings.longs[putWing] as number;
          evaluator.beginPutWing(puts, calls, putShort, putLong, callShort, callWings.largestCredit[c] as number, callWings.narrowestWidth[c] as number);
          for (let callWing = callFirst; callWing < callEnd; callWing++) {
            this.considered++;
            const callLong = callWings.longs[callWing] as number;
            if (evaluator.iron(puts, calls, putShort, putLong, callShort, callLong, heap.threshold, false)) {
              heap.offer(evaluator.sortValue, evaluator.score, expiryIndex, strategy, putLong, putShort, callShort, callLong);
            }
          }
        }
      }
    }
  }

  /**
   * The quotes this query cannot use that another query could: too old for its max_quote_age,
   * or (fresh enough) of unknown open interest under an open-interest floor. Each quote counts
   * under the first of the two it fails.
   */
  private countQueryDependentSkips(): void {
    const ageLimit = this.prepared.asOfMs - this.query.maxQuoteAgeMs;
    const floorsOpenInterest = this.query.minOpenInterest > 0;
    let stale = 0;
    let openInterestUnknown = 0;
    for (const expiry of this.prepared.expiries) {
      for (const table of [expiry.calls, expiry.puts]) {
        for (let leg = 0; leg < table.count; leg++) {
          if ((table.quoteTimeMs[leg] as number) < ageLimit) stale++;
          else if (floorsOpenInterest && Number.isNaN(table.openInterest[leg])) openInterestUnknown++;
        }
      }
    }
    if (stale > 0) this.skipped[SkipReason.SKIP_REASON_STALE] = stale;
    if (openInterestUnknown > 0) this.skipped[SkipReason.SKIP_REASON_OPEN_INTEREST_UNKNOWN] = openInterestUnknown;
  }
}

/** The legs of one side (heap leg slots `offset` and `offset` + 1: the puts' or the calls') that the kept spreads `entries` use: from, end. */
function legWindow(legs: Int32Array, entries: readonly [rank: number, slot: number][], offset: number): [from: number, end: number] {
  let from = Infinity;
  let end = 0;
  for (const [, slot] of entries) {
    for (const leg of [legs[slot * 4 + offset] as number, legs[slot * 4 + offset + 1] as number]) {
      if (leg === NO_LEG) continue;
      from = Math.min(from, leg);
      end = Math.max(end, leg + 1);
    }
  }
  return from < end ? [from, end] : [0, 0];
}

/** Under a σ shared by the expiration, the per-strike probabilities and payoffs of one kept spread's legs (put long, put short, call short, call long from `base`). */
function fillLegColumns(evaluator: SpreadEvaluator, puts: PricedSide, calls: PricedSide, legs: Int32Array, base: number): void {
  if (!evaluator.sharesVolatility) return;
  for (let offset = 0; offset < 4; offset++) {
    const leg = legs[base + offset] as number;
    if (leg !== NO_LEG) evaluator.fillSharedColumns(offset < 2 ? puts : calls, leg, leg + 1);
  }
}

/** The strategy a heap slot holds (stored there as its enum number). */
const STRATEGY_BY_NUMBER = new Map<number, Strategy>(KNOWN_STRATEGIES.map((strategy) => [strategy, strategy]));

function strategyOf(value: number): Strategy {
  const strategy = STRATEGY_BY_NUMBER.get(value);
  if (strategy === undefined) throw new Error(`no strategy numbered ${value}`);
  return strategy;
}

// One scan of a prepared chain: the candidates of the requested strategies in every
// expiration of the query's DTE range, searched by bounds (vertical-search.ts, iron-search.ts,
// two-expiry/) into the top-N heaps, counting what became of each, whether gone through one
// by one or dropped in a group; then the kept ones described.
import { Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { SkipReason, type ExpiryDistribution, type ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { describeDistribution, expiryVolatility } from "./expiry-volatility.js";
import { DEFAULT_WORK_BUDGET, IronSearch } from "./iron-search.js";
import type { IronCounts } from "./iron-risk-split.js";
import type { ExpirySlice, LegTable, PreparedChain } from "./prepared-chain.js";
import { LEG_SHORT_OTM, priceSide, scratchSide, type PricedSide } from "./priced-side.js";
import { KNOWN_STRATEGIES, namesTwoExpiryStrategy, type ResolvedQuery } from "./resolved-query.js";
import { describeSpread } from "./spread-description.js";
import { SpreadEvaluator } from "./spread-evaluator.js";
import { newRejectionCounts } from "./filter-rejections.js";
import { expiriesLeftOutByEvents, failEveryLeg } from "./market-context/event-exclusion.js";
import { forward } from "./terminal-distribution.js";
import { NO_EXPIRY, NO_LEG, TopCandidates } from "./top-candidates.js";
import { TwoExpirySearch } from "./two-expiry/two-expiry-search.js";
import { VerticalSearch } from "./vertical-search.js";

export class ScanRun {
  readonly evaluator: SpreadEvaluator;
  readonly skipped: Float64Array;
  /** Every candidate the query reaches, counted by arithmetic where a search drops it in a group; each ends in one of the six outcomes. */
  considered = 0;
  rejectedByLegFilters = 0;
  /** The candidates rejected by leg filters, by the first filter each failed (filter-rejections.ts numbers). */
  readonly legRejections = newRejectionCounts();
  /** Verticals dropped in groups by a bound on their sort value (vertical-search.ts). */
  verticalsBoundedOut = 0;
  /** Iron spreads dropped in groups by their bound, and left unexplored when the work budget ran out (see IronSearch). */
  boundedOut = 0;
  unexplored = 0;
  workBudgetExhausted = false;
  private readonly verticalSearch: VerticalSearch;
  private readonly final: TopCandidates;
  /** How many spreads one expiration may keep under max_per_expiry; undefined without it. */
  private readonly perExpiryCapacity: number | undefined;
  private readonly putSide: PricedSide;
  private readonly callSide: PricedSide;
  /** Per expiration (by index): the σ its spreads share, NaN when none is (each spread's own, or no usable quote). */
  private readonly expiryVolatility: Float64Array;
  /** The distribution of every expiration in the DTE range, for the result. */
  readonly distributions: ExpiryDistribution[] = [];
  /** Calendars and diagonals, when the query names any (two-expiry/two-expiry-search.ts). */
  private twoExpiry: TwoExpirySearch | undefined;
  /** Per expiration: 1 when the query's event filters leave it out (its legs then fail the leg filters); undefined without them. */
  private readonly leftOutByEvents: Uint8Array | undefined;

  constructor(
    private readonly prepared: PreparedChain,
    private readonly query: ResolvedQuery,
    private readonly workBudget = DEFAULT_WORK_BUDGET,
    /** See ScanOptions.bestFirstPairs. */
    private readonly bestFirstPairs?: number,
    /** See ScanOptions.ironCounts. */
    private readonly ironCounts?: IronCounts,
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
    this.perExpiryCapacity = Number.isFinite(query.maxPerExpiry) ? Math.min(query.maxPerExpiry, query.limit) : undefined;
    // Scratch sides for the expirations the scan reads, those of its DTE range: reading any
    // other's columns would build them (PrepareOptions.buildOnRead) for nothing.
    let widest = 0;
    for (const expiry of prepared.expiries) if (this.inDteRange(expiry)) widest = Math.max(widest, expiry.calls.count, expiry.puts.count);
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
    this.leftOutByEvents = expiriesLeftOutByEvents(prepared, query);
    if (namesTwoExpiryStrategy(query.strategies)) this.twoExpiry = new TwoExpirySearch(prepared, query, this.expiryVolatility, this.leftOutByEvents);
  }

  evaluateAll(): void {
    const strategies = this.query.strategies;
    const wantPutVerticals = strategies.has(Strategy.STRATEGY_BULL_PUT) || strategies.has(Strategy.STRATEGY_BEAR_PUT);
    const wantCallVerticals = strategies.has(Strategy.STRATEGY_BEAR_CALL) || strategies.has(Strategy.STRATEGY_BULL_CALL);
    const wantIron = strategies.has(Strategy.STRATEGY_IRON_CONDOR) || strategies.has(Strategy.STRATEGY_IRON_BUTTERFLY);
    // One heap per expiration under max_per_expiry, kept until the iron search (which goes
    // across expirations) is done; one heap for all otherwise.
    const capacity = this.perExpiryCapacity;
    const perExpiry = capacity === undefined ? undefined : this.prepared.expiries.map(() => new TopCandidates(capacity));
    const heapOf = (expiryIndex: number): TopCandidates => perExpiry?.[expiryIndex] ?? this.final;
    const inRange: number[] = [];
    this.prepared.expiries.forEach((expiry, expiryIndex) => {
      if (!this.inDteRange(expiry)) return;
      inRange.push(expiryIndex);
      if (wantPutVerticals || wantCallVerticals) {
        this.startExpiry(expiryIndex);
        const puts = this.priceSide(this.putSide, expiry.puts, expiry.years, expiryIndex, true);
        const calls = this.priceSide(this.callSide, expiry.calls, expiry.years, expiryIndex, true);
        const leftOutBy = this.leftOutByEvents?.[expiryIndex] ?? 0;
        if (leftOutBy !== 0) {
          failEveryLeg(puts, leftOutBy);
          failEveryLeg(calls, leftOutBy);
        }
        const heap = heapOf(expiryIndex);
        if (wantPutVerticals) this.verticalSearch.search(puts, expiryIndex, heap);
        if (wantCallVerticals) this.verticalSearch.search(calls, expiryIndex, heap);
      }
      this.twoExpiry?.scanFront(expiryIndex, heapOf(expiryIndex));
    });
    // An iron spread's legs share its expiration: one left out by the event filters has no pair of
    // shorts whose legs pass, so none of its candidates is counted (as when its legs fail).
    if (wantIron)
      this.ironSpreads(
        inRange.filter((expiryIndex) => (this.leftOutByEvents?.[expiryIndex] ?? 0) === 0),
        heapOf,
      );
    this.twoExpiry?.foldCountsInto(this, this.evaluator);
    if (perExpiry) for (const heap of perExpiry) heap.drainInto(this.final);
  }

  private inDteRange(expiry: ExpirySlice): boolean {
    return expiry.dte >= this.query.minDte && expiry.dte <= this.query.maxDte;
  }

  /** Iron condors and butterflies of every expiration in range, searched by bounds (iron-search.ts). */
  private ironSpreads(inRange: readonly number[], heapOf: (expiryIndex: number) => TopCandidates): void {
    const search = new IronSearch(this.prepared, this.query, this.evaluator, this.expiryVolatility, this.workBudget, this.bestFirstPairs);
    search.run(inRange, heapOf);
    this.considered += search.considered;
    this.boundedOut += search.boundedOut;
    this.unexplored += search.unexplored;
    this.workBudgetExhausted ||= search.budgetExhausted;
    if (this.ironCounts) {
      this.ironCounts.pairsVisited += search.pairsVisited;
      this.ironCounts.pairsDroppedWhole += search.pairsDroppedWhole;
    }
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

  /**
   * Prices one side for this query (see priceSide); for the vertical search (after
   * startExpiry) with the per-strike probabilities and the filter each leg fails, which
   * describing kept spreads does not read.
   */
  private priceSide(side: PricedSide, table: LegTable, years: number, expiryIndex: number, forSearch: boolean, from?: number, end?: number): PricedSide {
    const sharedVolatility = this.expiryVolatility[expiryIndex] as number;
    return priceSide(side, table, years, sharedVolatility, this.query, this.prepared, {
      sharedColumns: forSearch ? this.evaluator : undefined,
      failureReasons: forSearch,
      sharedColumnsAround: LEG_SHORT_OTM,
      from,
      end,
    });
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

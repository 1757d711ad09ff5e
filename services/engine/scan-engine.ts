// The spread engine: every candidate of the requested strategies in every expiration the
// query allows, filtered, scored and ranked into the top N. Pure: no I/O, no gRPC. Each
// expiration's distribution (its σ, by the query's probability model) is chosen first.
//
// The query is first completed with the defaults for what the caller left unset
// (query-defaults.ts), and the result says what was applied. Cheap checks come first:
// leg-level filters are folded into one flag byte per leg per query, strike windows bound
// the partners of each leg by width, and a candidate that cannot beat the N-th kept one is
// dropped before its expected value is computed. What became of every candidate is counted.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { Strategy, type ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { SkipReason, type ExpiryDistribution, type ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { describeDistribution, expiryVolatility } from "./expiry-volatility.js";
import { EngineInputError } from "./input-errors.js";
import { prepareChain, type ExpirySlice, type LegTable, type PreparedChain } from "./prepared-chain.js";
import { effectiveQuery, type ChainOutline } from "./query-defaults.js";
import { ALL_STRATEGIES, resolveQuery, type ResolvedQuery } from "./resolved-query.js";
import { reportedSkips } from "./skip-reasons.js";
import { describeSpread } from "./spread-description.js";
import {
  CREDIT_VERTICAL,
  DEBIT_VERTICAL,
  LEG_BODY,
  LEG_LONG,
  LEG_SHORT,
  LEG_SHORT_OTM,
  LEG_USABLE,
  SpreadEvaluator,
  type PricedSide,
} from "./spread-evaluator.js";
import { lowerBound, upperBound } from "./strike-search.js";
import { forward } from "./terminal-distribution.js";
import { NO_LEG, TopCandidates } from "./top-candidates.js";

/**
 * Most iron spreads one scan may consider. They grow with the fourth power of the strikes
 * per expiration: a query whose width bound is far wider than any trader sells (the default
 * one is about 2% of the price) would run for minutes on a full chain, so the engine refuses
 * it, naming the filter that narrows it best.
 */
export const MAX_CANDIDATES = 25_000_000;

export interface ScanOptions {
  /** Version of the stored chain, reported back; 0 for an inline chain. */
  readonly chainVersion?: bigint;
  /** Milliseconds this scan spent preparing the chain; 0 when it reuses a prepared one. */
  readonly prepareMs?: number;
}

/** Prepares and scans a chain in one go. Throws EngineInputError for a bad chain (fields under "chain.") or query (under "query."). */
export function scanChain(chain: OptionChain, query: ScanQuery | undefined, options: ScanOptions = {}): ScanResult {
  const started = performance.now();
  let prepared: PreparedChain;
  try {
    prepared = prepareChain(chain);
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("chain.") : error;
  }
  return scanPrepared(prepared, query, { ...options, prepareMs: performance.now() - started });
}

/**
 * Scans a prepared chain with the caller's query completed by the defaults. Throws
 * EngineInputError listing every bad query field (under "query.", as the caller named it).
 */
export function scanPrepared(prepared: PreparedChain, query: ScanQuery | undefined, options: ScanOptions = {}): ScanResult {
  const started = performance.now();
  let applied: ScanQuery;
  let resolved: ResolvedQuery;
  try {
    // The caller's query is checked as given, so that a refusal names what the caller sent.
    resolveQuery(query);
    applied = effectiveQuery(query, chainOutline(prepared));
    resolved = resolveQuery(applied);
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("query.") : error;
  }
  const run = new ScanRun(prepared, resolved);
  run.evaluateAll();
  const spreads = run.ranked();
  const evaluateMs = performance.now() - started;
  const { evaluator } = run;
  return {
    symbol: prepared.symbol,
    spreads,
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- still filled in, for the clients that read it
    candidatesEvaluated: BigInt(run.considered),
    candidatesPassed: BigInt(evaluator.passed),
    candidatesConsidered: BigInt(run.considered),
    candidatesRejectedByLegFilters: BigInt(run.rejectedByLegFilters),
    candidatesRejectedBySpreadFilters: BigInt(evaluator.rejectedBySpreadFilters),
    candidatesRankedOut: BigInt(evaluator.rankedOut),
    candidatesFullyEvaluated: BigInt(evaluator.fullyEvaluated),
    effectiveQuery: applied,
    expiryDistributions: run.distributions,
    skippedQuotes: reportedSkips(run.skipped),
    quotesWithComputedGreeks: BigInt(prepared.quotesWithComputedGreeks),
    chainAsOf: new Date(prepared.asOfMs),
    chainVersion: options.chainVersion ?? 0n,
    underlyingPrice: prepared.spot,
    delayed: prepared.delayed,
    timings: { prepareMs: options.prepareMs ?? 0, evaluateMs, totalMs: (options.prepareMs ?? 0) + evaluateMs },
  };
}

/**
 * The underlying price and, per expiration, the strikes of its usable quotes: what the
 * defaults read of a chain. The strikes are read in place, and only if a default needs them.
 */
function chainOutline(prepared: PreparedChain): ChainOutline {
  return {
    spot: prepared.spot,
    expirations: prepared.expiries.map(({ dte, calls, puts }) => ({
      dte,
      strikes: { [Symbol.iterator]: () => bothSides(calls, puts) },
    })),
  };
}

function* bothSides(calls: LegTable, puts: LegTable): Generator<number> {
  yield* calls.strike.subarray(0, calls.count);
  yield* puts.strike.subarray(0, puts.count);
}

const IRON_CONDOR = Strategy.STRATEGY_IRON_CONDOR;
const IRON_BUTTERFLY = Strategy.STRATEGY_IRON_BUTTERFLY;

class ScanRun {
  readonly evaluator: SpreadEvaluator;
  readonly skipped: Float64Array;
  /** Candidates the loops went through; each is then rejected by its legs' flags or handed to the evaluator, which counts the rest. */
  considered = 0;
  rejectedByLegFilters = 0;
  private readonly final: TopCandidates;
  private readonly perExpiry: TopCandidates | undefined;
  private readonly putSide: PricedSide;
  private readonly callSide: PricedSide;
  /** Per expiration (by index): the σ its spreads share, NaN when none is (each spread's own, or no usable quote). */
  private readonly expiryVolatility: Float64Array;
  /** The distribution of every expiration in the DTE range, for the result. */
  readonly distributions: ExpiryDistribution[] = [];

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
    if (query.maxQuoteAgeMs < Infinity) this.countStaleQuotes();
    this.expiryVolatility = new Float64Array(prepared.expiries.length).fill(Number.NaN);
    const freshFromMs = prepared.asOfMs - query.maxQuoteAgeMs;
    prepared.expiries.forEach((expiry, expiryIndex) => {
      if (!this.inDteRange(expiry)) return;
      const forwardPrice = forward(prepared.spot, prepared.rate, prepared.dividendYield, expiry.years);
      const chosen = expiryVolatility(query, expiry, forwardPrice, freshFromMs);
      this.expiryVolatility[expiryIndex] = chosen.volatility;
      this.distributions.push(describeDistribution(expiry, forwardPrice, chosen));
    });
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
      if (wantPutVerticals) this.verticals(puts, expiryIndex, heap);
      if (wantCallVerticals) this.verticals(calls, expiryIndex, heap);
      const wings = ironWings[expiryIndex];
      if (wings) this.ironSpreads(puts, calls, wings.puts, wings.calls, expiryIndex, heap);
      this.perExpiry?.drainInto(this.final);
    });
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
    this.refuseIfTooBroad(total);
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
      const group = byExpiry.get(expiryIndex);
      if (group) group.push([rank, slot]);
      else byExpiry.set(expiryIndex, [[rank, slot]]);
    });
    for (const [expiryIndex, entries] of byExpiry) {
      const expiry = this.prepared.expiries[expiryIndex] as ExpirySlice;
      this.startExpiry(expiryIndex);
      const puts = this.priceSide(this.putSide, expiry.puts, expiry.years, expiryIndex, true);
      const calls = this.priceSide(this.callSide, expiry.calls, expiry.years, expiryIndex, true);
      const legs = this.final.legs;
      for (const [rank, slot] of entries) {
        const base = slot * 4;
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
   * Fills the per-query columns of one side: fill prices, the leg filter flags and each
   * leg's σ; with `withProbabilities` (after startExpiry), under a σ shared by the
   * expiration, also the per-strike probabilities and expected payoffs of every leg a spread
   * can reach: within the width bound of a leg that can be sold.
   */
  private priceSide(side: PricedSide, table: LegTable, years: number, expiryIndex: number, withProbabilities: boolean): PricedSide {
    const query = this.query;
    const spot = this.prepared.spot;
    const ageLimit = this.prepared.asOfMs - query.maxQuoteAgeMs;
    const priced: PricedSide = { ...side, table };
    const sqrtYears = Math.sqrt(years);
    const sharedVolatility = this.expiryVolatility[expiryIndex] as number;
    const shared = !Number.isNaN(sharedVolatility);
    let firstShort = table.count;
    let lastShort = -1;
    // The strikes at the money: the first at or above the spot, and the one below it unless
    // the spot sits exactly on a strike.
    const firstAtOrAbove = lowerBound(table.strike, table.count, spot, 0);
    const lastBodyBelow = firstAtOrAbove < table.count && table.strike[firstAtOrAbove] === spot ? firstAtOrAbove : firstAtOrAbove - 1;
    for (let leg = 0; leg < table.count; leg++) {
      const bid = table.bid[leg] as number;
      const ask = table.ask[leg] as number;
      const mid = table.mid[leg] as number;
      priced.sell[leg] = query.natural ? bid : mid;
      priced.buy[leg] = query.natural ? ask : mid;
      const width = ask - bid;
      const fraction = width / mid;
      priced.bidAskFraction[leg] = fraction;
      // The σ the leg is judged under; the implied volatility filters below read its own.
      const modelVolatility = shared ? sharedVolatility : (table.impliedVolatility[leg] as number);
      priced.volatility[leg] = modelVolatility;
      priced.deviation[leg] = modelVolatility * sqrtYears;
      priced.expectedPayoff[leg] = Number.NaN;
      priced.probabilityBelowStrike[leg] = Number.NaN;
      priced.touch[leg] = Number.NaN;
      const quoteTime = table.quoteTimeMs[leg] as number;
      const usable =
        !(quoteTime < ageLimit) &&
        (table.openInterest[leg] as number) >= query.minOpenInterest &&
        (table.volume[leg] as number) >= query.minVolume &&
        width <= query.maxLegBidAskWidth &&
        fraction <= query.maxLegBidAskWidthFraction;
      let flags = 0;
      if (usable) {
        flags = LEG_USABLE;
        const absoluteDelta = Math.abs(table.delta[leg] as number);
        const volatility = table.impliedVolatility[leg] as number;
        if (
          absoluteDelta >= query.minShortDelta &&
          absoluteDelta <= query.maxShortDelta &&
          volatility >= query.minShortImpliedVolatility &&
          volatility <= query.maxShortImpliedVolatility
        ) {
          flags |= LEG_SHORT;
          if (leg < firstShort) firstShort = leg;
          lastShort = leg;
          const strike = table.strike[leg] as number;
          const outOfTheMoney = side.isCall ? strike > spot : strike < spot;
          if (outOfTheMoney || !query.shortStrikesOutOfTheMoney) flags |= LEG_SHORT_OTM;
          if (leg === firstAtOrAbove || leg === lastBodyBelow || !query.shortStrikesOutOfTheMoney) flags |= LEG_BODY;
        }
        if (absoluteDelta <= query.maxLongDelta) flags |= LEG_LONG;
      }
      priced.flags[leg] = flags;
    }
    if (withProbabilities && shared && lastShort >= 0) {
      const strikes = table.strike;
      this.evaluator.fillSharedColumns(
        priced,
        lowerBound(strikes, table.count, (strikes[firstShort] as number) - query.maxWidth, 0),
        upperBound(strikes, table.count, (strikes[lastShort] as number) + query.maxWidth, lastShort),
      );
    }
    return priced;
  }

  /**
   * Every vertical on one side: each leg `near` with each partner `far` further from the
   * money by a width in the allowed range. Credit: sell near, buy far. Debit: buy near,
   * sell far.
   */
  private verticals(side: PricedSide, expiryIndex: number, heap: TopCandidates): void {
    const { table, flags, isCall } = side;
    const name = isCall ? "call" : "put";
    const credit = this.query.strategies.has(CREDIT_VERTICAL[name]);
    const debit = this.query.strategies.has(DEBIT_VERTICAL[name]);
    const creditStrategy = CREDIT_VERTICAL[name];
    const debitStrategy = DEBIT_VERTICAL[name];
    const { minWidth, maxWidth } = this.query;
    const evaluator = this.evaluator;
    const strikes = table.strike;
    const count = table.count;
    for (let near = 0; near < count; near++) {
      const nearFlags = flags[near] as number;
      const nearStrike = strikes[near] as number;
      // Partners lie at strikes from nearStrike ± minWidth to nearStrike ± maxWidth.
      let first: number;
      let last: number;
      if (isCall) {
        first = lowerBound(strikes, count, nearStrike + minWidth, near + 1);
        last = upperBound(strikes, count, nearStrike + maxWidth, first) - 1;
      } else {
        last = upperBound(strikes, count, nearStrike - minWidth, 0) - 1;
        if (last >= near) last = near - 1;
        first = lowerBound(strikes, count, nearStrike - maxWidth, 0);
      }
      let creditCeiling = 1;
      if (credit && (nearFlags & LEG_SHORT_OTM) !== 0 && last >= first) {
        let cheapestLong = Infinity;
        for (let far = first; far <= last; far++) cheapestLong = Math.min(cheapestLong, side.buy[far] as number);
        creditCeiling = evaluator.creditPopCeiling(side, near, (side.sell[near] as number) - cheapestLong);
      }
      for (let far = first; far <= last; far++) {
        const farFlags = flags[far] as number;
        if (credit) {
          this.considered++;
          if ((nearFlags & LEG_SHORT_OTM) === 0 || (farFlags & LEG_LONG) === 0) this.rejectedByLegFilters++;
          else if (evaluator.vertical(side, near, far, true, heap.threshold, false, creditCeiling)) {
            if (isCall) heap.offer(evaluator.sortValue, evaluator.score, expiryIndex, creditStrategy, NO_LEG, NO_LEG, near, far);
            else heap.offer(evaluator.sortValue, evaluator.score, expiryIndex, creditStrategy, far, near, NO_LEG, NO_LEG);
          }
        }
        if (debit) {
          this.considered++;
          if ((farFlags & LEG_SHORT_OTM) === 0 || (nearFlags & LEG_LONG) === 0) this.rejectedByLegFilters++;
          else if (evaluator.vertical(side, far, near, false, heap.threshold, false)) {
            if (isCall) heap.offer(evaluator.sortValue, evaluator.score, expiryIndex, debitStrategy, NO_LEG, NO_LEG, far, near);
            else heap.offer(evaluator.sortValue, evaluator.score, expiryIndex, debitStrategy, near, far, NO_LEG, NO_LEG);
          }
        }
      }
    }
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

  private refuseIfTooBroad(candidates: number): void {
    if (candidates <= MAX_CANDIDATES) return;
    throw new EngineInputError([
      {
        field: "query.filters.max_width",
        description: `the query reaches more than ${MAX_CANDIDATES.toLocaleString("en-US")} candidate spreads; narrow it with max_width (iron spreads grow fastest with it), a DTE range or short delta bounds`,
      },
    ]);
  }

  private countStaleQuotes(): void {
    const ageLimit = this.prepared.asOfMs - this.query.maxQuoteAgeMs;
    let stale = 0;
    for (const expiry of this.prepared.expiries) {
      for (const table of [expiry.calls, expiry.puts]) {
        for (let leg = 0; leg < table.count; leg++) if ((table.quoteTimeMs[leg] as number) < ageLimit) stale++;
      }
    }
    this.skipped[SkipReason.SKIP_REASON_STALE] = stale;
  }
}

function isButterflyBody(puts: PricedSide, calls: PricedSide, putShort: number, callShort: number): boolean {
  return ((puts.flags[putShort] as number) & (calls.flags[callShort] as number) & LEG_BODY) !== 0;
}

/** How many iron spreads ironSpreads would evaluate for these wings, without evaluating them. */
function ironCandidateCount(putWings: CreditWings, callWings: CreditWings, puts: PricedSide, calls: PricedSide, condor: boolean, butterfly: boolean): number {
  let count = 0;
  for (let p = 0; p < putWings.shortCount; p++) {
    const putShort = putWings.shorts[p] as number;
    const putShortStrike = puts.table.strike[putShort] as number;
    const putIsOtm = ((puts.flags[putShort] as number) & LEG_SHORT_OTM) !== 0;
    const putWingCount = (putWings.firstWing[p + 1] as number) - (putWings.firstWing[p] as number);
    for (let c = 0; c < callWings.shortCount; c++) {
      const callShort = callWings.shorts[c] as number;
      const callShortStrike = calls.table.strike[callShort] as number;
      const isCondor = condor && callShortStrike > putShortStrike && putIsOtm && ((calls.flags[callShort] as number) & LEG_SHORT_OTM) !== 0;
      if (isCondor || (butterfly && callShortStrike === putShortStrike && isButterflyBody(puts, calls, putShort, callShort))) {
        count += putWingCount * ((callWings.firstWing[c + 1] as number) - (callWings.firstWing[c] as number));
      }
    }
  }
  return count;
}

/** The credit verticals of one side, grouped by short leg: wings firstWing[i] to firstWing[i + 1] - 1 belong to shorts[i]. */
interface CreditWings {
  shortCount: number;
  shorts: Int32Array;
  firstWing: Int32Array;
  longs: Int32Array;
  /** Per short: the most credit any of its wings collects, per share. */
  largestCredit: Float64Array;
  /** Per short: its narrowest wing, dollars per share. */
  narrowestWidth: Float64Array;
}

/** The credit verticals of one side whose legs pass their filters and whose width is allowed. */
function creditWings(side: PricedSide, minWidth: number, maxWidth: number, shortFlag: number): CreditWings {
  const { table, flags, isCall } = side;
  const shorts: number[] = [];
  const firstWing: number[] = [];
  const longs: number[] = [];
  const largestCredit: number[] = [];
  const narrowestWidth: number[] = [];
  const strikes = table.strike;
  const count = table.count;
  for (let near = 0; near < count; near++) {
    if (((flags[near] as number) & shortFlag) === 0) continue;
    const nearStrike = strikes[near] as number;
    const wingsBefore = longs.length;
    let largest = -Infinity;
    let narrowest = Infinity;
    // Longs further from the money by a width in [minWidth, maxWidth], in ascending strike order.
    const first = isCall ? lowerBound(strikes, count, nearStrike + minWidth, near + 1) : lowerBound(strikes, count, nearStrike - maxWidth, 0);
    const end = isCall ? upperBound(strikes, count, nearStrike + maxWidth, first) : Math.min(near, upperBound(strikes, count, nearStrike - minWidth, 0));
    for (let far = first; far < end; far++) {
      if (((flags[far] as number) & LEG_LONG) === 0) continue;
      const width = isCall ? (strikes[far] as number) - nearStrike : nearStrike - (strikes[far] as number);
      if (width > 0) {
        longs.push(far);
        largest = Math.max(largest, (side.sell[near] as number) - (side.buy[far] as number));
        narrowest = Math.min(narrowest, width);
      }
    }
    if (longs.length > wingsBefore) {
      shorts.push(near);
      firstWing.push(wingsBefore);
      largestCredit.push(largest);
      narrowestWidth.push(narrowest);
    }
  }
  firstWing.push(longs.length);
  return {
    shortCount: shorts.length,
    shorts: Int32Array.from(shorts),
    firstWing: Int32Array.from(firstWing),
    longs: Int32Array.from(longs),
    largestCredit: Float64Array.from(largestCredit),
    narrowestWidth: Float64Array.from(narrowestWidth),
  };
}

function scratchSide(capacity: number, isCall: boolean): PricedSide {
  const empty: LegTable = {
    count: 0,
    strike: new Float64Array(0),
    logStrike: new Float64Array(0),
    bid: new Float64Array(0),
    ask: new Float64Array(0),
    mid: new Float64Array(0),
    impliedVolatility: new Float64Array(0),
    delta: new Float64Array(0),
    gamma: new Float64Array(0),
    theta: new Float64Array(0),
    vega: new Float64Array(0),
    openInterest: new Float64Array(0),
    volume: new Float64Array(0),
    quoteTimeMs: new Float64Array(0),
    brokerContractId: new Float64Array(0),
    computed: new Uint8Array(0),
  };
  return {
    table: empty,
    isCall,
    sell: new Float64Array(capacity),
    buy: new Float64Array(capacity),
    bidAskFraction: new Float64Array(capacity),
    flags: new Uint8Array(capacity),
    volatility: new Float64Array(capacity),
    deviation: new Float64Array(capacity),
    expectedPayoff: new Float64Array(capacity),
    probabilityBelowStrike: new Float64Array(capacity),
    touch: new Float64Array(capacity),
    pairPayoff: new Float64Array(capacity),
    pairGeneration: new Int32Array(capacity),
  };
}

/** The strategy a heap slot holds (stored there as its enum number). */
const STRATEGY_BY_NUMBER = new Map<number, Strategy>(ALL_STRATEGIES.map((strategy) => [strategy, strategy]));

function strategyOf(value: number): Strategy {
  const strategy = STRATEGY_BY_NUMBER.get(value);
  if (strategy === undefined) throw new Error(`no strategy numbered ${value}`);
  return strategy;
}

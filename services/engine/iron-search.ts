// Iron condors and butterflies as a bounding problem: every pair of short legs of every
// expiration in the query's range is a group of put wings × call wings, bounded on the
// query's sort key before any of it is evaluated. Groups are visited best bound first, so
// the top N fills with strong spreads early and its threshold rises; within a pair each put
// wing is bounded again, and only the call wings of a put wing that can still rank are gone
// through one by one. The search stops when no group left can beat the N-th kept spread.
// What it never goes through is counted, by arithmetic, as bounded out, or as unexplored
// when the work budget (candidates gone through one by one) ran out first.
import { SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { BoundQueue } from "./bound-queue.js";
import { creditWings, isButterflyBody } from "./iron-candidates.js";
import { boundLoses, GroupFigures, needsPopCeiling, needsSigmaDistance, needsTouchFloor, sortKeyBound } from "./iron-bounds.js";
import type { ExpirySlice, PreparedChain } from "./prepared-chain.js";
import { LEG_BODY, LEG_SHORT_OTM, priceSide, scratchSide } from "./priced-side.js";
import type { ResolvedQuery } from "./resolved-query.js";
import type { SpreadEvaluator } from "./spread-evaluator.js";
import type { TopCandidates } from "./top-candidates.js";
import { compactPairPass, isCompactPair } from "./iron-compact-pass.js";
import { pairFallsShort, WingTerms } from "./iron-risk-split.js";
import { markCallBlocks } from "./iron-call-block-marks.js";
import { CALL_SHORT_GROUP, callGroupLoses, callShortGroups, type CallShortGroups } from "./iron-call-short-groups.js";
import {
  bidAsk,
  breakevenWing,
  creditToWidthBound,
  markCallSupers,
  putBlockPass,
  SUPER_BOUND_FROM,
  type ExpiryIron,
  type IronPass,
} from "./iron-block-pass.js";

const IRON_CONDOR = Strategy.STRATEGY_IRON_CONDOR;
const IRON_BUTTERFLY = Strategy.STRATEGY_IRON_BUTTERFLY;

/**
 * Candidates a scan may go through one by one before it stops and says so: far above what
 * any chain of 25,000 contracts needs (a few million), small enough that a pathological
 * query still ends in tens of seconds.
 */
export const DEFAULT_WORK_BUDGET = 1_000_000_000;

/**
 * The head of the queue visited best first unless the caller says otherwise: at least this
 * many pairs, or this share of those queued; the rest in the order planned (see run).
 */
const BEST_FIRST_AT_LEAST = 64;
const BEST_FIRST_SHARE = 16;

/** A put block's own POP ceiling is computed while it drops at least one block in this many tried (see blockPopCeilingPays)... */
const BLOCK_POP_PAYS_FROM = 4;
/** ...else for one put block in this many (a power of two). */
const BLOCK_POP_SAMPLE = 16;

export class IronSearch implements IronPass {
  /** The whole space the query reaches: per pair of shorts, put wings × call wings. */
  considered = 0;
  /** Candidates gone through one by one (what the work budget counts). */
  work = 0;
  boundedOut = 0;
  unexplored = 0;
  budgetExhausted = false;
  callSuperLive = new Uint8Array(64);
  callBlockLive = new Uint8Array(512);
  liveSupers = new Int32Array(64);
  liveSuperCount = 0;
  deadSuperWings = 0;
  liveSupersHere = new Int32Array(64);
  liveHereCount = 0;
  deadHereWings = 0;

  readonly figures = new GroupFigures();
  private readonly wingTerms = new WingTerms();
  /** Pairs visited, and those of them dropped whole by iron-risk-split.ts (for ScanOptions.ironCounts). */
  pairsVisited = 0;
  pairsDroppedWhole = 0;
  private readonly queue = new BoundQueue();
  private readonly expiries: ExpiryIron[] = [];
  /** Per entry of `expiries`: its call shorts in groups, for planning. */
  private readonly callGroups: CallShortGroups[] = [];
  // Per pair (the queue's group number): its expiration (index into `expiries`) and shorts (indices into the wings).
  private pairExpiry = new Int32Array(1024);
  private pairPut = new Int32Array(1024);
  private pairCall = new Int32Array(1024);
  private pairBound = new Float64Array(1024);
  private pairCount = 0;
  /** Per pair: 1 once taken from the head of the queue (visited or dropped). */
  private taken = new Uint8Array(0);
  /** The expiration the evaluator is set to (by index), −1 before the first visit. */
  private current = -1;
  /** Put blocks given a POP ceiling of their own (see blockPopCeilingPays), those it dropped, and those skipped. */
  private blockPopTried = 0;
  private blockPopDropped = 0;
  private blockPopSkipped = 0;
  private readonly touchNeeded: boolean;
  private readonly sigmaNeeded: boolean;

  constructor(
    readonly prepared: PreparedChain,
    readonly query: ResolvedQuery,
    readonly evaluator: SpreadEvaluator,
    /** Per expiration (by index): its shared σ, NaN when each pair has its own. */
    private readonly expiryVolatility: Float64Array,
    readonly workBudget: number,
    /** Pairs visited best first before the rest go in the order planned (ScanOptions.bestFirstPairs); undefined for the default. */
    private readonly bestFirstPairs?: number,
  ) {
    this.touchNeeded = needsTouchFloor(query);
    this.sigmaNeeded = needsSigmaDistance(query);
  }

  /** Searches the expirations given (by index), offering what can rank to each one's heap. */
  run(expiryIndices: readonly number[], heapOf: (expiryIndex: number) => TopCandidates): void {
    const firstPair = this.pairCount;
    for (const expiryIndex of expiryIndices) this.planExpiry(expiryIndex, heapOf(expiryIndex).threshold);
    this.queue.sort();
    const perExpiry = Number.isFinite(this.query.maxPerExpiry);
    const queue = this.queue;
    if (this.taken.length < this.pairCount) this.taken = new Uint8Array(this.pairCount);
    else this.taken.fill(0, 0, this.pairCount);
    const taken = this.taken;
    this.current = -1;
    // Best first for the head of the queue, so that the top N fills with strong spreads early.
    let headLeft = this.bestFirstPairs ?? Math.max(BEST_FIRST_AT_LEAST, Math.ceil(queue.size / BEST_FIRST_SHARE));
    while (queue.size > 0 && headLeft > 0) {
      const pair = queue.topGroup;
      // Best first: with one heap for every expiration, nothing left can rank either.
      if (!perExpiry && boundLoses(queue.topBound, this.heapOfPair(pair, heapOf).threshold)) break;
      this.takePair(pair, queue.topBound, heapOf);
      taken[pair] = 1;
      queue.pop();
      headLeft--;
    }
    if (queue.size > 0 && (perExpiry || !boundLoses(queue.topBound, this.heapOfPair(queue.topGroup, heapOf).threshold))) {
      // The rest in the order planned (expiration, put short, call short), each against the
      // threshold of the moment: visited best first, consecutive pairs hit different shorts'
      // wings and most of a visit went to cache misses; in this order a put short's wings stay
      // in cache across its pairs. The order changes what is gone through, never the top N
      // (every pair is visited or dropped by its own bound against the N-th kept spread).
      for (let pair = firstPair; pair < this.pairCount; pair++) if (taken[pair] === 0) this.takePair(pair, this.pairBound[pair] as number, heapOf);
    } else {
      // What is left lost to its bound (the queue stopped there), unless the budget ran out first.
      for (let slot = 0; slot < queue.size; slot++) {
        const pair = queue.groupAt(slot);
        const heap = this.heapOfPair(pair, heapOf);
        if (this.budgetExhausted && !boundLoses(queue.boundAt(slot), heap.threshold)) this.unexplored += this.pairSize(pair);
        else this.boundedOut += this.pairSize(pair);
      }
    }
    queue.clear();
  }

  private heapOfPair(pair: number, heapOf: (expiryIndex: number) => TopCandidates): TopCandidates {
    return heapOf((this.expiries[this.pairExpiry[pair] as number] as ExpiryIron).expiryIndex);
  }

  /** One queued pair: dropped by its bound against its heap's threshold now, counted unexplored once the budget ran out, or visited. */
  private takePair(pair: number, bound: number, heapOf: (expiryIndex: number) => TopCandidates): void {
    const iron = this.expiries[this.pairExpiry[pair] as number] as ExpiryIron;
    const heap = heapOf(iron.expiryIndex);
    if (boundLoses(bound, heap.threshold)) {
      this.boundedOut += this.pairSize(pair);
      return;
    }
    if (this.budgetExhausted) {
      this.unexplored += this.pairSize(pair);
      return;
    }
    if (iron.expiryIndex !== this.current) {
      this.current = iron.expiryIndex;
      this.startExpiry(this.current);
    }
    const p = this.pairPut[pair] as number;
    const c = this.pairCall[pair] as number;
    // Shorts with one block of wings each need no block bounds (iron-compact-pass.ts).
    if (isCompactPair(iron, p, c)) compactPairPass(this, iron, p, c, heap);
    else this.visitPair(iron, p, c, heap);
  }

  /**
   * Whether the next put block gets a POP ceiling of its own against the pair's call wings
   * (deterministic: counts, not time). Measured on the widest scans, the share of put blocks
   * it drops ranges from 0.7 % (shorts allowed in the money: five million logarithms for
   * nothing) through 9 % (out of the money) to 53 % (iron spreads alone, with no verticals'
   * threshold to start from). It is computed while it drops at least one block in
   * BLOCK_POP_PAYS_FROM of those tried, else for one put block in BLOCK_POP_SAMPLE, so
   * that the share is still measured as the threshold rises; sorted by POP it is the
   * whole bound and always computed.
   */
  private blockPopCeilingPays(): boolean {
    if (this.query.sort === SortKey.SORT_KEY_POP) return true;
    if (this.blockPopDropped * BLOCK_POP_PAYS_FROM >= this.blockPopTried) return true;
    return (++this.blockPopSkipped & (BLOCK_POP_SAMPLE - 1)) === 0;
  }

  private startExpiry(expiryIndex: number): void {
    this.evaluator.setExpiry(this.prepared.expiries[expiryIndex] as ExpirySlice, this.expiryVolatility[expiryIndex] as number);
  }

  private pairSize(pair: number): number {
    const iron = this.expiries[this.pairExpiry[pair] as number] as ExpiryIron;
    const p = this.pairPut[pair] as number;
    const c = this.pairCall[pair] as number;
    return (
      ((iron.putWings.firstWing[p + 1] as number) - (iron.putWings.firstWing[p] as number)) *
      ((iron.callWings.firstWing[c + 1] as number) - (iron.callWings.firstWing[c] as number))
    );
  }

  /** Prices one expiration for the query, finds its credit wings and queues its pairs of shorts by bound. */
  private planExpiry(expiryIndex: number, threshold: number): void {
    const query = this.query;
    const butterfly = query.strategies.has(IRON_BUTTERFLY);
    const expiry = this.prepared.expiries[expiryIndex] as ExpirySlice;
    const sharedVolatility = this.expiryVolatility[expiryIndex] as number;
    this.startExpiry(expiryIndex);
    const puts = priceSide(scratchSide(expiry.puts.count, false), expiry.puts, expiry.years, sharedVolatility, query, this.prepared, {
      sharedColumns: this.evaluator,
    });
    const calls = priceSide(scratchSide(expiry.calls.count, true), expiry.calls, expiry.years, sharedVolatility, query, this.prepared, {
      sharedColumns: this.evaluator,
    });
    // Butterflies sell at the money by design: instead of the out-of-the-money rule, their
    // body must be at the money (LEG_BODY). A short that is neither a condor's (out of the
    // money) nor a butterfly's body pairs with nothing, so its wings are never built: out of
    // the money with butterflies asked, about half the shorts of a side.
    const shortFlag = (query.strategies.has(IRON_CONDOR) ? LEG_SHORT_OTM : 0) | (butterfly ? LEG_BODY : 0);
    const putWings = creditWings(puts, query.minWidth, query.maxWidth, shortFlag);
    const callWings = creditWings(calls, query.minWidth, query.maxWidth, shortFlag);
    const ironIndex = this.expiries.length;
    const popNeeded = needsPopCeiling(query, !Number.isNaN(sharedVolatility));
    // The exact EV-per-risk test (iron-risk-exact.ts) binds the score's first term; it needs each wing's EV (a shared σ).
    const exactValuePerRisk = query.sort === SortKey.SORT_KEY_SCORE && query.weights.expectedValuePerRisk > 0 && !Number.isNaN(sharedVolatility);
    this.expiries.push({
      expiryIndex,
      puts,
      calls,
      putWings,
      callWings,
      popNeeded,
      exactValuePerRisk,
    });
    this.callGroups.push(callShortGroups(calls, callWings));
    for (let p = 0; p < putWings.shortCount; p++) this.planPutShort(ironIndex, p, threshold);
  }

  /**
   * Bounds the pairs of one put short of an expiration and queues those that may rank. A
   * function of its own (not the inner loop of planExpiry), so that V8 optimizes it as a
   * whole instead of entering and leaving an on-stack-replaced inner loop once per put short.
   */
  private planPutShort(ironIndex: number, p: number, threshold: number): void {
    const query = this.query;
    const condor = query.strategies.has(IRON_CONDOR);
    const butterfly = query.strategies.has(IRON_BUTTERFLY);
    const { puts, calls, putWings, callWings, popNeeded } = this.expiries[ironIndex] as ExpiryIron;
    const putStrikes = puts.table.strike;
    const callStrikes = calls.table.strike;
    const figures = this.figures;
    const putShort = putWings.shorts[p] as number;
    const putShortStrike = putStrikes[putShort] as number;
    const putIsOtm = ((puts.flags[putShort] as number) & LEG_SHORT_OTM) !== 0;
    const putWingCount = (putWings.firstWing[p + 1] as number) - (putWings.firstWing[p] as number);
    // Groups of call shorts bounded at once (iron-call-short-groups.ts), where the first check below applies to each.
    const groups = popNeeded && threshold !== -Infinity && condor && putIsOtm && query.sort === SortKey.SORT_KEY_SCORE ? this.callGroups[ironIndex] : undefined;
    const putBidAsk = bidAsk(puts, putShort);
    for (let c = 0; c < callWings.shortCount; c++) {
      if (groups && c % CALL_SHORT_GROUP === 0) {
        const group = c / CALL_SHORT_GROUP;
        if ((groups.lowestStrike[group] as number) > putShortStrike && callGroupLoses(query, putWings, p, putBidAsk, groups, group, threshold)) {
          const dropped = putWingCount * (groups.outOfTheMoneyWings[group] as number);
          this.considered += dropped;
          this.boundedOut += dropped;
          c += CALL_SHORT_GROUP - 1;
          continue;
        }
      }
      const callShort = callWings.shorts[c] as number;
      const callShortStrike = callStrikes[callShort] as number;
      if (callShortStrike > putShortStrike) {
        if (!condor || !putIsOtm || ((calls.flags[callShort] as number) & LEG_SHORT_OTM) === 0) continue;
      } else if (callShortStrike === putShortStrike) {
        if (!butterfly || !isButterflyBody(puts, calls, putShort, callShort)) continue;
      } else continue;
      const callWingCount = (callWings.firstWing[c + 1] as number) - (callWings.firstWing[c] as number);
      this.considered += putWingCount * callWingCount;
      const largestNet = (putWings.largestCredit[p] as number) + (callWings.largestCredit[c] as number);
      const narrowestPut = putWings.narrowestWidth[p] as number;
      const narrowestCall = callWings.narrowestWidth[c] as number;
      figures.largestNet = largestNet;
      figures.largestCreditToWidth = creditToWidthBound(
        putWings.largestCreditToWidth[p] as number,
        callWings.largestCreditToWidth[c] as number,
        largestNet,
        narrowestPut > narrowestCall ? narrowestPut : narrowestCall,
      );
      figures.largestNetLessWidth = Math.min(
        (putWings.largestCredit[p] as number) + (callWings.largestCreditLessWidth[c] as number),
        (putWings.largestCreditLessWidth[p] as number) + (callWings.largestCredit[c] as number),
      );
      figures.largestValue = (putWings.largestValue[p] as number) + (callWings.largestValue[c] as number);
      figures.largestValuePerRisk = 2 * Math.max(putWings.largestValuePerMargin[p] as number, callWings.largestValuePerMargin[c] as number);
      figures.smallestBidAskSum = bidAsk(puts, putShort) + bidAsk(calls, callShort);
      // The heap already holds the verticals' best: a pair that cannot beat them now never
      // will (the threshold only rises), so it is bounded out here, before its POP ceiling
      // (logarithms) is computed or it is queued.
      figures.popCeiling = 1;
      figures.touchFloor = 0;
      if (popNeeded && threshold !== -Infinity && boundLoses(sortKeyBound(query, this.prepared.multiplier, figures), threshold)) {
        this.boundedOut += putWingCount * callWingCount;
        continue;
      }
      figures.popCeiling = popNeeded
        ? this.evaluator.pairPopCeiling(
            puts,
            calls,
            putShort,
            callShort,
            largestNet,
            breakevenWing(narrowestPut, putWings.largestCreditLessWidth[p] as number, callWings.largestCredit[c] as number),
            breakevenWing(narrowestCall, callWings.largestCreditLessWidth[c] as number, putWings.largestCredit[p] as number),
          )
        : 1;
      figures.touchFloor = this.touchNeeded ? this.evaluator.pairTouchFloor(puts, calls, putShort, callShort) : 0;
      figures.sigmaDistanceCeiling = this.sigmaNeeded ? this.evaluator.pairSigmaDistanceOf(puts, calls, putShort, callShort) : Infinity;
      const bound = sortKeyBound(query, this.prepared.multiplier, figures);
      if (boundLoses(bound, threshold)) {
        this.boundedOut += putWingCount * callWingCount;
        continue;
      }
      this.addPair(ironIndex, p, c, bound);
    }
  }

  private addPair(ironIndex: number, p: number, c: number, bound: number): void {
    if (this.pairCount === this.pairExpiry.length) {
      this.pairExpiry = grown(this.pairExpiry);
      this.pairPut = grown(this.pairPut);
      this.pairCall = grown(this.pairCall);
      const bounds = new Float64Array(this.pairBound.length * 2);
      bounds.set(this.pairBound);
      this.pairBound = bounds;
    }
    this.pairExpiry[this.pairCount] = ironIndex;
    this.pairPut[this.pairCount] = p;
    this.pairCall[this.pairCount] = c;
    this.pairBound[this.pairCount] = bound;
    this.queue.push(bound, this.pairCount);
    this.pairCount++;
  }

  /**
   * One pair of shorts: each put wing bounded with the call side's figures, and the call
   * wings of those that can still rank evaluated one by one (the evaluator prunes further).
   */
  private visitPair(iron: ExpiryIron, p: number, c: number, heap: TopCandidates): void {
    const { puts, calls, putWings, callWings } = iron;
    const evaluator = this.evaluator;
    const query = this.query;
    const figures = this.figures;
    const putShort = putWings.shorts[p] as number;
    const callShort = callWings.shorts[c] as number;
    const strategy = (calls.table.strike[callShort] as number) > (puts.table.strike[putShort] as number) ? IRON_CONDOR : IRON_BUTTERFLY;
    const callCredit = callWings.largestCredit[c] as number;
    const callNarrowest = callWings.narrowestWidth[c] as number;
    const callRatio = callWings.largestCreditToWidth[c] as number;
    const callLessWidth = callWings.largestCreditLessWidth[c] as number;
    const callValue = callWings.largestValue[c] as number;
    const callCount = (callWings.firstWing[c + 1] as number) - (callWings.firstWing[c] as number);
    const popNeeded = iron.popNeeded;
    figures.touchFloor = this.touchNeeded ? evaluator.pairTouchFloor(puts, calls, putShort, callShort) : 0;
    figures.sigmaDistanceCeiling = this.sigmaNeeded ? evaluator.pairSigmaDistanceOf(puts, calls, putShort, callShort) : Infinity;
    evaluator.beginIronPair(
      puts,
      calls,
      putShort,
      callShort,
      (putWings.largestCredit[p] as number) + callCredit,
      breakevenWing(putWings.narrowestWidth[p] as number, putWings.largestCreditLessWidth[p] as number, callCredit),
      breakevenWing(callNarrowest, callLessWidth, putWings.largestCredit[p] as number),
    );
    const pairPopCeiling = evaluator.ironPopCeiling;
    // The whole pair by its spreads' exact EV per risk, split by the wider side (iron-risk-split.ts).
    this.pairsVisited++;
    if (
      iron.exactValuePerRisk &&
      pairFallsShort(this.wingTerms, query, figures, this.prepared.spot, iron, p, c, popNeeded ? pairPopCeiling : 1, heap.threshold)
    ) {
      this.pairsDroppedWhole++;
      this.boundedOut += ((putWings.firstWing[p + 1] as number) - (putWings.firstWing[p] as number)) * callCount;
      return;
    }
    const multiplier = this.prepared.multiplier;
    const shortsBidAsk = bidAsk(puts, putShort) + bidAsk(calls, callShort);
    markCallSupers(this, iron, p, c, pairPopCeiling, heap.threshold);
    const scoreSort = query.sort === SortKey.SORT_KEY_SCORE;
    const putSuperEnd = putWings.firstSuper[p + 1] as number;
    for (let putSuper = putWings.firstSuper[p] as number; putSuper < putSuperEnd; putSuper++) {
      const putBlockStart = putWings.superFirstBlock[putSuper] as number;
      const putBlockEnd = putWings.superFirstBlock[putSuper + 1] as number;
      if (putBlockEnd - putBlockStart > SUPER_BOUND_FROM) {
        // A super-block of put blocks against every call wing of the pair, under the pair's POP ceiling.
        const superCredit = putWings.superLargestCredit[putSuper] as number;
        const superNarrowest = putWings.superNarrowestWidth[putSuper] as number;
        const superNet = superCredit + callCredit;
        figures.largestNet = superNet;
        figures.largestCreditToWidth = creditToWidthBound(
          putWings.superLargestCreditToWidth[putSuper] as number,
          callRatio,
          superNet,
          superNarrowest > callNarrowest ? superNarrowest : callNarrowest,
        );
        figures.largestNetLessWidth = Math.min(superCredit + callLessWidth, (putWings.superLargestCreditLessWidth[putSuper] as number) + callCredit);
        figures.largestValue = (putWings.superLargestValue[putSuper] as number) + callValue;
        figures.largestValuePerRisk = 2 * Math.max(putWings.superLargestValuePerMargin[putSuper] as number, callWings.largestValuePerMargin[c] as number);
        figures.smallestBidAskSum = shortsBidAsk + (putWings.superSmallestBidAsk[putSuper] as number);
        figures.popCeiling = popNeeded ? pairPopCeiling : 1;
        if (boundLoses(sortKeyBound(query, multiplier, figures), heap.threshold)) {
          this.boundedOut += ((putWings.blockFirstWing[putBlockEnd] as number) - (putWings.blockFirstWing[putBlockStart] as number)) * callCount;
          continue;
        }
      }
      const blocksMarked = scoreSort && markCallBlocks(this, iron, p, c, putSuper, pairPopCeiling, heap.threshold);
      for (let putBlock = putBlockStart; putBlock < putBlockEnd; putBlock++) {
        // A block of neighbouring put wings against every call wing of the pair first.
        const putEnd = putWings.blockFirstWing[putBlock + 1] as number;
        const putStart = putWings.blockFirstWing[putBlock] as number;
        const blockCredit = putWings.blockLargestCredit[putBlock] as number;
        const blockNarrowest = putWings.blockNarrowestWidth[putBlock] as number;
        const blockNet = blockCredit + callCredit;
        figures.largestNet = blockNet;
        figures.largestCreditToWidth = creditToWidthBound(
          putWings.blockLargestCreditToWidth[putBlock] as number,
          callRatio,
          blockNet,
          blockNarrowest > callNarrowest ? blockNarrowest : callNarrowest,
        );
        figures.largestNetLessWidth = Math.min(blockCredit + callLessWidth, (putWings.blockLargestCreditLessWidth[putBlock] as number) + callCredit);
        figures.largestValue = (putWings.blockLargestValue[putBlock] as number) + callValue;
        figures.largestValuePerRisk = 2 * Math.max(putWings.blockLargestValuePerMargin[putBlock] as number, callWings.largestValuePerMargin[c] as number);
        figures.smallestBidAskSum = bidAsk(puts, putShort) + (putWings.blockSmallestBidAsk[putBlock] as number) + bidAsk(calls, callShort);
        figures.popCeiling = popNeeded ? pairPopCeiling : 1;
        let loses = boundLoses(sortKeyBound(query, multiplier, figures), heap.threshold);
        // The put block's own POP ceiling (logarithms) only while it pays: what it drops the
        // block pairs' bounds drop too (their figures and POP ceilings are no looser), so
        // skipping it changes no count, only the work. See blockPopCeilingPays.
        if (!loses && popNeeded && this.blockPopCeilingPays()) {
          this.blockPopTried++;
          figures.popCeiling = evaluator.pairPopCeiling(
            puts,
            calls,
            putShort,
            callShort,
            blockNet,
            breakevenWing(blockNarrowest, putWings.blockLargestCreditLessWidth[putBlock] as number, callCredit),
            breakevenWing(callNarrowest, callLessWidth, blockCredit),
          );
          loses = boundLoses(sortKeyBound(query, multiplier, figures), heap.threshold);
          if (loses) this.blockPopDropped++;
        }
        if (loses) {
          this.boundedOut += (putEnd - putStart) * callCount;
          continue;
        }
        putBlockPass(this, iron, p, c, putBlock, strategy, pairPopCeiling, heap, blocksMarked);
      }
    }
  }
}

function grown(array: Int32Array): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(array.length * 2);
  larger.set(array);
  return larger;
}

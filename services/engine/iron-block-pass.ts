// One block of put wings of a visited iron pair against the pair's call wings: the
// innermost passes of the iron search (see iron-search.ts), kept apart so that each file
// stays one job: the search orders pairs, this goes through a pair's blocks and wings.
import { SortKey, type Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { valuePerMargin, type CreditWings } from "./iron-candidates.js";
import { boundLoses, requiredValuePerRisk, scoreBound, sortKeyBound, type GroupFigures } from "./iron-bounds.js";
import { callBlockFallsShort } from "./iron-risk-exact.js";
import type { PreparedChain } from "./prepared-chain.js";
import type { PricedSide } from "./priced-side.js";
import type { ResolvedQuery } from "./resolved-query.js";
import type { SpreadEvaluator } from "./spread-evaluator.js";
import type { TopCandidates } from "./top-candidates.js";

const SORT_BY_SCORE = SortKey.SORT_KEY_SCORE;

/**
 * A super-block is bounded as a whole only when it holds more blocks than this: for narrow
 * wings (a block or two per short) the extra bound would cost more than it saves.
 */
export const SUPER_BOUND_FROM = 2;

/** One expiration's iron spreads: its sides priced for the query and their credit wings. */
export interface ExpiryIron {
  readonly expiryIndex: number;
  readonly puts: PricedSide;
  readonly calls: PricedSide;
  readonly putWings: CreditWings;
  readonly callWings: CreditWings;
  /** Whether its bounds need a POP ceiling (see needsPopCeiling). */
  readonly popNeeded: boolean;
  /** Whether each put wing is tested against a call block by its spreads' exact EV per risk (the score, under a shared σ: see iron-risk-exact.ts). */
  readonly exactValuePerRisk: boolean;
}

/** What a pass reads from the search, and the counters it adds to. */
export interface IronPass {
  readonly prepared: PreparedChain;
  readonly query: ResolvedQuery;
  readonly evaluator: SpreadEvaluator;
  readonly figures: GroupFigures;
  readonly workBudget: number;
  work: number;
  boundedOut: number;
  unexplored: number;
  budgetExhausted: boolean;
  /** Per call super-block of the visited pair (from its first): 0 when it loses against the pair's whole put side (see markCallSupers). */
  callSuperLive: Uint8Array;
  /** Per call block of the visited pair (from its first): 0 when it loses against the current put super-block (see markCallBlocks). */
  callBlockLive: Uint8Array;
  /** The call super-blocks of the visited pair (from its first) that callSuperLive leaves live, liveSuperCount of them, and the wings of the others. */
  liveSupers: Int32Array;
  liveSuperCount: number;
  deadSuperWings: number;
  /** As liveSupers, against the current put super-block once its call blocks are marked (see markCallBlocks): those with a live block. */
  liveSupersHere: Int32Array;
  liveHereCount: number;
  deadHereWings: number;
}

/**
 * One block of put wings of a pair against each super-block of its call wings, then
 * against each block of those that can still rank: the two blocks bounded together, then each put wing of the block against the call block, and the
 * call wings of what still ranks evaluated one by one under the tightest POP ceiling.
 */
export function putBlockPass(
  search: IronPass,
  iron: ExpiryIron,
  p: number,
  c: number,
  putBlock: number,
  strategy: Strategy,
  pairPopCeiling: number,
  heap: TopCandidates,
  blocksMarked: boolean,
): void {
  const { puts, calls, putWings, callWings } = iron;
  const evaluator = search.evaluator;
  const query = search.query;
  const figures = search.figures;
  const multiplier = search.prepared.multiplier;
  const popNeeded = iron.popNeeded;
  const putShort = putWings.shorts[p] as number;
  const callShort = callWings.shorts[c] as number;
  const putShortStrike = puts.table.strike[putShort] as number;
  const putShortValue = (puts.sell[putShort] as number) - (puts.expectedPayoff[putShort] as number);
  const shortsBidAsk = bidAsk(puts, putShort) + bidAsk(calls, callShort);
  const putStart = putWings.blockFirstWing[putBlock] as number;
  const putEnd = putWings.blockFirstWing[putBlock + 1] as number;
  const putBlockCredit = putWings.blockLargestCredit[putBlock] as number;
  const putBlockNarrowest = putWings.blockNarrowestWidth[putBlock] as number;
  const putBlockRatio = putWings.blockLargestCreditToWidth[putBlock] as number;
  const putBlockLessWidth = putWings.blockLargestCreditLessWidth[putBlock] as number;
  const putBlockValue = putWings.blockLargestValue[putBlock] as number;
  const putBlockValuePerMargin = putWings.blockLargestValuePerMargin[putBlock] as number;
  const putBlockBidAsk = putWings.blockSmallestBidAsk[putBlock] as number;
  // Read once, and again only after an offer: nothing else moves it.
  let threshold = heap.threshold;
  const putCount = putEnd - putStart;
  const scoreSort = query.sort === SORT_BY_SCORE;
  const callBlockLive = search.callBlockLive;
  const firstCallBlock = callWings.firstBlock[c] as number;
  const superStart = callWings.firstSuper[c] as number;
  // Only the live call super-blocks are gone through; the others' wings are dropped in one sum.
  const liveSupers = blocksMarked ? search.liveSupersHere : search.liveSupers;
  const liveCount = blocksMarked ? search.liveHereCount : search.liveSuperCount;
  let bounded = putCount * (blocksMarked ? search.deadHereWings : search.deadSuperWings);
  for (let live = 0; live < liveCount; live++) {
    const callSuper = superStart + (liveSupers[live] as number);
    const callBlockStart = callWings.superFirstBlock[callSuper] as number;
    const callBlockEnd = callWings.superFirstBlock[callSuper + 1] as number;
    if (callBlockEnd - callBlockStart > SUPER_BOUND_FROM) {
      // The put block against a whole super-block of call blocks first, under the pair's POP ceiling.
      const superCredit = callWings.superLargestCredit[callSuper] as number;
      const superNarrowest = callWings.superNarrowestWidth[callSuper] as number;
      const superNet = putBlockCredit + superCredit;
      figures.largestNet = superNet;
      figures.largestCreditToWidth = creditToWidthBound(
        putBlockRatio,
        callWings.superLargestCreditToWidth[callSuper] as number,
        superNet,
        putBlockNarrowest > superNarrowest ? putBlockNarrowest : superNarrowest,
      );
      figures.largestNetLessWidth = Math.min(putBlockCredit + (callWings.superLargestCreditLessWidth[callSuper] as number), putBlockLessWidth + superCredit);
      figures.largestValue = putBlockValue + (callWings.superLargestValue[callSuper] as number);
      figures.largestValuePerRisk = 2 * Math.max(putBlockValuePerMargin, callWings.superLargestValuePerMargin[callSuper] as number);
      figures.smallestBidAskSum = shortsBidAsk + putBlockBidAsk + (callWings.superSmallestBidAsk[callSuper] as number);
      figures.popCeiling = popNeeded ? pairPopCeiling : 1;
      if (boundLoses(sortKeyBound(query, multiplier, figures), threshold)) {
        bounded += putCount * ((callWings.blockFirstWing[callBlockEnd] as number) - (callWings.blockFirstWing[callBlockStart] as number));
        continue;
      }
    }
    for (let callBlock = callBlockStart; callBlock < callBlockEnd; callBlock++) {
      const callStart = callWings.blockFirstWing[callBlock] as number;
      const callEnd = callWings.blockFirstWing[callBlock + 1] as number;
      const callCount = callEnd - callStart;
      if (blocksMarked && callBlockLive[callBlock - firstCallBlock] === 0) {
        bounded += putCount * callCount;
        continue;
      }
      const callCredit = callWings.blockLargestCredit[callBlock] as number;
      const callNarrowest = callWings.blockNarrowestWidth[callBlock] as number;
      const callRatio = callWings.blockLargestCreditToWidth[callBlock] as number;
      const callLessWidth = callWings.blockLargestCreditLessWidth[callBlock] as number;
      const callValue = callWings.blockLargestValue[callBlock] as number;
      const callValuePerMargin = callWings.blockLargestValuePerMargin[callBlock] as number;
      const callBidAsk = callWings.blockSmallestBidAsk[callBlock] as number;
      // The two blocks together.
      const blocksNet = putBlockCredit + callCredit;
      const blocksRatio = creditToWidthBound(putBlockRatio, callRatio, blocksNet, putBlockNarrowest > callNarrowest ? putBlockNarrowest : callNarrowest);
      const blocksLessWidth = Math.min(putBlockCredit + callLessWidth, putBlockLessWidth + callCredit);
      const blocksValue = putBlockValue + callValue;
      const blocksValuePerRisk = 2 * Math.max(putBlockValuePerMargin, callValuePerMargin);
      const blocksBidAsk = shortsBidAsk + putBlockBidAsk + callBidAsk;
      const blocksPop = popNeeded ? pairPopCeiling : 1;
      if (
        scoreSort &&
        boundLoses(scoreBound(query, blocksNet, blocksRatio, blocksLessWidth, blocksValue, blocksValuePerRisk, blocksBidAsk, blocksPop), threshold)
      ) {
        bounded += putCount * callCount;
        continue;
      }
      figures.largestNet = blocksNet;
      figures.largestCreditToWidth = blocksRatio;
      figures.largestNetLessWidth = blocksLessWidth;
      figures.largestValue = blocksValue;
      figures.largestValuePerRisk = blocksValuePerRisk;
      figures.smallestBidAskSum = blocksBidAsk;
      figures.popCeiling = blocksPop;
      let loses = !scoreSort && boundLoses(sortKeyBound(query, multiplier, figures), threshold);
      let blocksPopCeiling = figures.popCeiling;
      if (!loses && popNeeded) {
        blocksPopCeiling = evaluator.pairPopCeiling(
          puts,
          calls,
          putShort,
          callShort,
          blocksNet,
          breakevenWing(putBlockNarrowest, putBlockLessWidth, callCredit),
          breakevenWing(callNarrowest, callLessWidth, putBlockCredit),
        );
        figures.popCeiling = blocksPopCeiling;
        loses = boundLoses(sortKeyBound(query, multiplier, figures), threshold);
      }
      if (loses) {
        bounded += putCount * callCount;
        continue;
      }
      // Each put wing of the block against the call block.
      for (let putWing = putStart; putWing < putEnd; putWing++) {
        const putLong = putWings.longs[putWing] as number;
        const putCredit = (puts.sell[putShort] as number) - (puts.buy[putLong] as number);
        const putWidth = putShortStrike - (puts.table.strike[putLong] as number);
        const largestNet = putCredit + callCredit;
        figures.largestNet = largestNet;
        figures.largestCreditToWidth = creditToWidthBound(putCredit / putWidth, callRatio, largestNet, putWidth > callNarrowest ? putWidth : callNarrowest);
        figures.largestNetLessWidth = Math.min(putCredit + callLessWidth, putCredit - putWidth + callCredit);
        // The put side's value as a vertical: its fill less its legs' expected payoffs (NaN, so +Infinity, without a shared σ).
        const putValue = putShortValue - (puts.buy[putLong] as number) + (puts.expectedPayoff[putLong] as number);
        figures.largestValue = Number.isNaN(putValue) ? Infinity : putValue + callValue;
        figures.largestValuePerRisk = 2 * Math.max(valuePerMargin(putValue, putWidth, putCredit), callValuePerMargin);
        figures.smallestBidAskSum = shortsBidAsk + bidAsk(puts, putLong) + callBidAsk;
        figures.popCeiling = blocksPopCeiling;
        let wingLoses = boundLoses(sortKeyBound(query, multiplier, figures), threshold);
        if (!wingLoses && iron.exactValuePerRisk) {
          const rate = requiredValuePerRisk(query, figures, threshold);
          if (rate > 1) wingLoses = true;
          else if (rate > 0) {
            wingLoses = callBlockFallsShort(
              calls,
              callWings,
              callShort,
              callBlock,
              putValue - rate * (putWidth - putCredit),
              putValue + rate * putCredit,
              rate,
            );
          }
        }
        if (wingLoses) {
          bounded += callCount;
          continue;
        }
        if (popNeeded) {
          // Narrows the evaluator's POP ceiling to this put wing and call block, which its wings' pruning reads too.
          evaluator.beginPutWing(puts, calls, putShort, putLong, callShort, callCredit, breakevenWing(callNarrowest, callLessWidth, putCredit));
          figures.popCeiling = evaluator.ironPopCeiling;
          if (boundLoses(sortKeyBound(query, multiplier, figures), threshold)) {
            bounded += callCount;
            continue;
          }
        }
        if (search.work + callCount > search.workBudget) {
          search.budgetExhausted = true;
          search.unexplored += callCount;
          continue;
        }
        search.work += callCount;
        for (let callWing = callStart; callWing < callEnd; callWing++) {
          const callLong = callWings.longs[callWing] as number;
          if (evaluator.iron(puts, calls, putShort, putLong, callShort, callLong, threshold, false)) {
            heap.offer(evaluator.sortValue, evaluator.score, iron.expiryIndex, strategy, putLong, putShort, callShort, callLong);
            threshold = heap.threshold;
          }
        }
      }
    }
  }
  search.boundedOut += bounded;
}

/**
 * Before a visited pair's put blocks: marks in search.callSuperLive (and lists in search.liveSupers) which of its call
 * super-blocks can still rank against the pair's whole put side (its figures per short,
 * the smallest bid-ask of its put super-blocks, the pair's POP ceiling), so that each put
 * block bounds only those. One bound per call super-block and pair instead of one per put
 * block; a super-block of at most SUPER_BOUND_FROM blocks is left live (as it is never
 * bounded whole).
 */
export function markCallSupers(search: IronPass, iron: ExpiryIron, p: number, c: number, pairPopCeiling: number, threshold: number): void {
  const { puts, calls, putWings, callWings } = iron;
  const figures = search.figures;
  const query = search.query;
  const multiplier = search.prepared.multiplier;
  const superStart = callWings.firstSuper[c] as number;
  const superEnd = callWings.firstSuper[c + 1] as number;
  if (search.callSuperLive.length < superEnd - superStart) {
    search.callSuperLive = new Uint8Array(2 * (superEnd - superStart));
    search.liveSupers = new Int32Array(2 * (superEnd - superStart));
  }
  const live = search.callSuperLive;
  const liveSupers = search.liveSupers;
  search.liveSuperCount = 0;
  search.deadSuperWings = 0;
  if ((callWings.firstBlock[c + 1] as number) - (callWings.firstBlock[c] as number) <= SUPER_BOUND_FROM) {
    // Narrow wings: one super-block, never bounded whole.
    live[0] = 1;
    liveSupers[0] = 0;
    search.liveSuperCount = 1;
    return;
  }
  const putCredit = putWings.largestCredit[p] as number;
  const putNarrowest = putWings.narrowestWidth[p] as number;
  const putRatio = putWings.largestCreditToWidth[p] as number;
  const putLessWidth = putWings.largestCreditLessWidth[p] as number;
  const putValue = putWings.largestValue[p] as number;
  const putValuePerMargin = putWings.largestValuePerMargin[p] as number;
  let putBidAsk = Infinity;
  for (let putSuper = putWings.firstSuper[p] as number; putSuper < (putWings.firstSuper[p + 1] as number); putSuper++) {
    putBidAsk = Math.min(putBidAsk, putWings.superSmallestBidAsk[putSuper] as number);
  }
  const shortsBidAsk = bidAsk(puts, putWings.shorts[p] as number) + bidAsk(calls, callWings.shorts[c] as number);
  for (let callSuper = superStart; callSuper < superEnd; callSuper++) {
    const blockStart = callWings.superFirstBlock[callSuper] as number;
    const blockEnd = callWings.superFirstBlock[callSuper + 1] as number;
    if (blockEnd - blockStart <= SUPER_BOUND_FROM) {
      live[callSuper - superStart] = 1;
      liveSupers[search.liveSuperCount++] = callSuper - superStart;
      continue;
    }
    const superCredit = callWings.superLargestCredit[callSuper] as number;
    const superNarrowest = callWings.superNarrowestWidth[callSuper] as number;
    const net = putCredit + superCredit;
    figures.largestNet = net;
    figures.largestCreditToWidth = creditToWidthBound(
      putRatio,
      callWings.superLargestCreditToWidth[callSuper] as number,
      net,
      putNarrowest > superNarrowest ? putNarrowest : superNarrowest,
    );
    figures.largestNetLessWidth = Math.min(putCredit + (callWings.superLargestCreditLessWidth[callSuper] as number), putLessWidth + superCredit);
    figures.largestValue = putValue + (callWings.superLargestValue[callSuper] as number);
    figures.largestValuePerRisk = 2 * Math.max(putValuePerMargin, callWings.superLargestValuePerMargin[callSuper] as number);
    figures.smallestBidAskSum = shortsBidAsk + putBidAsk + (callWings.superSmallestBidAsk[callSuper] as number);
    figures.popCeiling = iron.popNeeded ? pairPopCeiling : 1;
    if (boundLoses(sortKeyBound(query, multiplier, figures), threshold)) {
      live[callSuper - superStart] = 0;
      search.deadSuperWings += (callWings.blockFirstWing[blockEnd] as number) - (callWings.blockFirstWing[blockStart] as number);
    } else {
      live[callSuper - superStart] = 1;
      liveSupers[search.liveSuperCount++] = callSuper - superStart;
    }
  }
}

/** Credit-to-width of an iron spread: (put credit + call credit) / wider wing ≤ each side's ratio summed, and ≤ the largest net over the narrowest the wider wing can be. */
export function creditToWidthBound(putRatio: number, callRatio: number, largestNet: number, narrowestWider: number): number {
  const summed = putRatio + callRatio;
  return largestNet > 0 ? Math.min(summed, largestNet / narrowestWider) : summed;
}

/**
 * The narrowest wing of a side as the POP ceiling reads it (past it, a side may be profitable
 * all the way out): +Infinity when no spread of the group can collect its wing's width on
 * that side (its credit less width plus the other side's credit stays below 0), since every
 * one of them then has a breakeven there.
 */
export function breakevenWing(narrowest: number, largestCreditLessWidth: number, otherLargestCredit: number): number {
  return largestCreditLessWidth + otherLargestCredit < 0 ? Infinity : narrowest;
}

export function bidAsk(side: PricedSide, leg: number): number {
  return (side.table.ask[leg] as number) - (side.table.bid[leg] as number);
}

// A visited iron pair whose shorts have few wings, gone through without the block
// machinery. When each short's wings fit in one block (at most WING_BLOCK, as with wings of a
// few dollars), the pair's block and super-block bounds are the pair's own bound again, which
// the pair has already passed: they cost their bytecode, and in a one-shot process the V8
// compilation of the passes that hold them (several ms on the main thread, inside the scan),
// and save nothing. Here each put wing is bounded against the pair's call wings, with its own
// exact credit, width and EV and its own POP ceiling, and the call wings of a put wing that
// can still rank go through the evaluator: the same per-wing bound and evaluation as
// putBlockPass, so the top N is the same, found with less code.
import { Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { valuePerMargin } from "./iron-candidates.js";
import { boundLoses, needsSigmaDistance, needsTouchFloor, sortKeyBound } from "./iron-bounds.js";
import { bidAsk, breakevenWing, creditToWidthBound, type ExpiryIron, type IronPass } from "./iron-block-pass.js";
import type { TopCandidates } from "./top-candidates.js";

const IRON_CONDOR = Strategy.STRATEGY_IRON_CONDOR;
const IRON_BUTTERFLY = Strategy.STRATEGY_IRON_BUTTERFLY;

/** True when the pair's shorts (put short p, call short c) have one block of wings each: the compact pass then bounds no less than the block passes would. */
export function isCompactPair(iron: ExpiryIron, p: number, c: number): boolean {
  const { putWings, callWings } = iron;
  return (
    (putWings.firstBlock[p + 1] as number) - (putWings.firstBlock[p] as number) === 1 &&
    (callWings.firstBlock[c + 1] as number) - (callWings.firstBlock[c] as number) === 1
  );
}

/** Goes through the pair (put short p, call short c; isCompactPair) wing by wing, offering what can rank to the heap. */
export function compactPairPass(search: IronPass, iron: ExpiryIron, p: number, c: number, heap: TopCandidates): void {
  const { puts, calls, putWings, callWings } = iron;
  const evaluator = search.evaluator;
  const query = search.query;
  const figures = search.figures;
  const multiplier = search.prepared.multiplier;
  const popNeeded = iron.popNeeded;
  const putShort = putWings.shorts[p] as number;
  const callShort = callWings.shorts[c] as number;
  const putShortStrike = puts.table.strike[putShort] as number;
  const strategy = (calls.table.strike[callShort] as number) > putShortStrike ? IRON_CONDOR : IRON_BUTTERFLY;
  const putShortValue = (puts.sell[putShort] as number) - (puts.expectedPayoff[putShort] as number);
  // The call side as one group: its short's figures, and its one block's smallest bid-ask.
  const callCredit = callWings.largestCredit[c] as number;
  const callNarrowest = callWings.narrowestWidth[c] as number;
  const callRatio = callWings.largestCreditToWidth[c] as number;
  const callLessWidth = callWings.largestCreditLessWidth[c] as number;
  const callValue = callWings.largestValue[c] as number;
  const callValuePerMargin = callWings.largestValuePerMargin[c] as number;
  const shortsAndCallsBidAsk = bidAsk(puts, putShort) + bidAsk(calls, callShort) + (callWings.blockSmallestBidAsk[callWings.firstBlock[c] as number] as number);
  const callStart = callWings.firstWing[c] as number;
  const callEnd = callWings.firstWing[c + 1] as number;
  const callCount = callEnd - callStart;
  figures.touchFloor = needsTouchFloor(query) ? evaluator.pairTouchFloor(puts, calls, putShort, callShort) : 0;
  figures.sigmaDistanceCeiling = needsSigmaDistance(query) ? evaluator.pairSigmaDistanceOf(puts, calls, putShort, callShort) : Infinity;
  const putCredit = putWings.largestCredit[p] as number;
  evaluator.beginIronPair(
    puts,
    calls,
    putShort,
    callShort,
    putCredit + callCredit,
    breakevenWing(putWings.narrowestWidth[p] as number, putWings.largestCreditLessWidth[p] as number, callCredit),
    breakevenWing(callNarrowest, callLessWidth, putCredit),
  );
  const pairPopCeiling = popNeeded ? evaluator.ironPopCeiling : 1;
  // Read once, and again only after an offer: nothing else moves it.
  let threshold = heap.threshold;
  const putEnd = putWings.firstWing[p + 1] as number;
  for (let putWing = putWings.firstWing[p] as number; putWing < putEnd; putWing++) {
    const putLong = putWings.longs[putWing] as number;
    const credit = (puts.sell[putShort] as number) - (puts.buy[putLong] as number);
    const width = putShortStrike - (puts.table.strike[putLong] as number);
    const largestNet = credit + callCredit;
    figures.largestNet = largestNet;
    figures.largestCreditToWidth = creditToWidthBound(credit / width, callRatio, largestNet, width > callNarrowest ? width : callNarrowest);
    figures.largestNetLessWidth = Math.min(credit + callLessWidth, credit - width + callCredit);
    // The put side's value as a vertical (NaN, so +Infinity, without a shared σ).
    const value = putShortValue - (puts.buy[putLong] as number) + (puts.expectedPayoff[putLong] as number);
    figures.largestValue = Number.isNaN(value) ? Infinity : value + callValue;
    figures.largestValuePerRisk = 2 * Math.max(valuePerMargin(value, width, credit), callValuePerMargin);
    figures.smallestBidAskSum = shortsAndCallsBidAsk + bidAsk(puts, putLong);
    figures.popCeiling = pairPopCeiling;
    if (boundLoses(sortKeyBound(query, multiplier, figures), threshold)) {
      search.boundedOut += callCount;
      continue;
    }
    if (popNeeded) {
      // Narrows the evaluator's POP ceiling to this put wing, which its wings' pruning reads too.
      evaluator.beginPutWing(puts, calls, putShort, putLong, callShort, callCredit, breakevenWing(callNarrowest, callLessWidth, credit));
      figures.popCeiling = evaluator.ironPopCeiling;
      if (boundLoses(sortKeyBound(query, multiplier, figures), threshold)) {
        search.boundedOut += callCount;
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

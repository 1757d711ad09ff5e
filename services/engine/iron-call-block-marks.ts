// Before the put blocks of one put super-block of a visited iron pair: which call blocks can
// still rank against the put super-block as a whole. On the widest scans nearly every pair is
// visited and its put block × call block bounds were most of the time (tens of millions a
// scan, nineteen in twenty dropping the two blocks); a call block that loses against the
// whole put super-block (up to 64 put wings) loses against each of its put blocks, so it is
// bounded once per put super-block instead of once per put block.
import { boundLoses, scoreBound } from "./iron-bounds.js";
import { bidAsk, creditToWidthBound, SUPER_BOUND_FROM, type ExpiryIron, type IronPass } from "./iron-block-pass.js";

/**
 * Marks in search.callBlockLive (by call block, from the pair's first) whether each call block
 * of the pair's live call super-blocks can still rank against put super-block `putSuper`, and
 * lists in search.liveSupersHere (by call super-block, from the pair's first) those with a
 * live block, so that a put block skips a super-block with none unbounded (under the pair's
 * POP ceiling and the score: call only when the query sorts by it). Returns
 * false, marking nothing, when the put super-block is too small for the marks to pay (its
 * blocks then bound every call block themselves).
 */
export function markCallBlocks(search: IronPass, iron: ExpiryIron, p: number, c: number, putSuper: number, pairPopCeiling: number, threshold: number): boolean {
  const { puts, calls, putWings, callWings } = iron;
  if ((putWings.superFirstBlock[putSuper + 1] as number) - (putWings.superFirstBlock[putSuper] as number) <= SUPER_BOUND_FROM) return false;
  const query = search.query;
  const firstBlock = callWings.firstBlock[c] as number;
  const blockCount = (callWings.firstBlock[c + 1] as number) - firstBlock;
  if (search.callBlockLive.length < blockCount) search.callBlockLive = new Uint8Array(2 * blockCount);
  const live = search.callBlockLive;
  const superLive = search.callSuperLive;
  const superCount = (callWings.firstSuper[c + 1] as number) - (callWings.firstSuper[c] as number);
  if (search.liveSupersHere.length < superCount) search.liveSupersHere = new Int32Array(2 * superCount);
  const liveHere = search.liveSupersHere;
  let liveHereCount = 0;
  let deadHereWings = search.deadSuperWings;
  const putCredit = putWings.superLargestCredit[putSuper] as number;
  const putNarrowest = putWings.superNarrowestWidth[putSuper] as number;
  const putRatio = putWings.superLargestCreditToWidth[putSuper] as number;
  const putLessWidth = putWings.superLargestCreditLessWidth[putSuper] as number;
  const putValue = putWings.superLargestValue[putSuper] as number;
  const putValuePerMargin = putWings.superLargestValuePerMargin[putSuper] as number;
  const putBidAsk =
    bidAsk(puts, putWings.shorts[p] as number) + bidAsk(calls, callWings.shorts[c] as number) + (putWings.superSmallestBidAsk[putSuper] as number);
  const pop = iron.popNeeded ? pairPopCeiling : 1;
  const superStart = callWings.firstSuper[c] as number;
  const superEnd = callWings.firstSuper[c + 1] as number;
  for (let callSuper = superStart; callSuper < superEnd; callSuper++) {
    const blockEnd = callWings.superFirstBlock[callSuper + 1] as number;
    const blockStart = callWings.superFirstBlock[callSuper] as number;
    // Blocks of a dead super-block are never read.
    if (superLive[callSuper - superStart] === 0) continue;
    let anyLive = 0;
    for (let callBlock = blockStart; callBlock < blockEnd; callBlock++) {
      const callCredit = callWings.blockLargestCredit[callBlock] as number;
      const callNarrowest = callWings.blockNarrowestWidth[callBlock] as number;
      const net = putCredit + callCredit;
      const bound = scoreBound(
        query,
        net,
        creditToWidthBound(
          putRatio,
          callWings.blockLargestCreditToWidth[callBlock] as number,
          net,
          putNarrowest > callNarrowest ? putNarrowest : callNarrowest,
        ),
        Math.min(putCredit + (callWings.blockLargestCreditLessWidth[callBlock] as number), putLessWidth + callCredit),
        putValue + (callWings.blockLargestValue[callBlock] as number),
        2 * Math.max(putValuePerMargin, callWings.blockLargestValuePerMargin[callBlock] as number),
        putBidAsk + (callWings.blockSmallestBidAsk[callBlock] as number),
        pop,
      );
      const blockLive = boundLoses(bound, threshold) ? 0 : 1;
      live[callBlock - firstBlock] = blockLive;
      anyLive |= blockLive;
    }
    if (anyLive !== 0) liveHere[liveHereCount++] = callSuper - superStart;
    else deadHereWings += (callWings.blockFirstWing[blockEnd] as number) - (callWings.blockFirstWing[blockStart] as number);
  }
  search.liveHereCount = liveHereCount;
  search.deadHereWings = deadHereWings;
  return true;
}

// A whole visited iron pair tested at once by its spreads' exact EV per risk, split by which
// side is wider. Under a σ shared by the expiration an iron spread's EV is the sum of its
// sides' (each a vertical: fill less expected payoff), and its max loss is the wider wing less
// the net credit, so at a rate r:
//   put wing at least as wide:  EV − r · max loss = (EV_put − r(w_put − c_put)) + (EV_call + r c_call)
//   call wing wider:            EV − r · max loss = (EV_put + r c_put) + (EV_call − r(w_call − c_call))
// Each is a put term plus a call term; what couples them is only the case, a bound on the
// other side's width. A short's wings are in width order, so "the call wings no wider than
// this put wing" is a prefix: going through the put wings from the narrowest while a pointer
// walks the call wings from the narrowest, the best call term of the prefix is a running
// maximum, and the largest EV − r · max loss over the pair's put wings × call wings comes out of
// one pass over each side (and the same with the sides' roles swapped), not of their product.
// When it is below 0 no spread of the pair reaches r, and the pair is dropped before its
// blocks are bounded. Counted on the widest scan with shorts in the money, this drops about
// 94 % of the pairs the group bounds leave to visit: their bounds mix one wing's EV with
// another's risk, which this test never does (see docs/architecture.md, "Iron spreads
// searched by bounds").
import { requiredValuePerRisk, type GroupFigures } from "./iron-bounds.js";
import type { ExpiryIron } from "./iron-block-pass.js";
import type { CreditWings } from "./iron-candidates.js";
import type { PricedSide } from "./priced-side.js";
import type { ResolvedQuery } from "./resolved-query.js";

/**
 * Each wing's width, EV as a vertical, loss (width less credit) and credit, by wing index
 * of one side of one expiration, filled short by short when a pair of the short is first
 * tested (a short pairs with many call shorts, and reading them from the legs costs several
 * loads each). Kept for one expiration per side: a pair of another refills what it reads.
 * Every wing is taken, even one that can be no side of a spread (credit at or below 0, or at
 * or above its width), as the exact test per put wing takes it (iron-risk-exact.ts): so the
 * pair is dropped only when that test would have dropped each of its put wings, and the six
 * counts stay those of the search without this test.
 */
class SideTerms {
  width = new Float64Array(0);
  value = new Float64Array(0);
  loss = new Float64Array(0);
  credit = new Float64Array(0);
  /** Per short: the largest |EV| + width of its wings that can be a side (no term of the short exceeds it in size, for rates up to 1). */
  scale = new Float64Array(0);
  /** Per short: the generation its wings were filled in. */
  filled = new Int32Array(0);
  owner: CreditWings | undefined = undefined;
  generation = 0;

  /** Makes short s of `wings` (of `side`) readable; allocates only when a larger expiration comes. */
  ensure(side: PricedSide, wings: CreditWings, s: number): void {
    if (this.owner !== wings) {
      this.owner = wings;
      this.generation++;
      const wingCount = wings.firstWing[wings.shortCount] as number;
      if (this.width.length < wingCount) {
        this.width = new Float64Array(wingCount);
        this.value = new Float64Array(wingCount);
        this.loss = new Float64Array(wingCount);
        this.credit = new Float64Array(wingCount);
      }
      if (this.filled.length < wings.shortCount) {
        this.filled = new Int32Array(wings.shortCount);
        this.scale = new Float64Array(wings.shortCount);
      }
    }
    if (this.filled[s] === this.generation) return;
    this.filled[s] = this.generation;
    const short = wings.shorts[s] as number;
    const strikes = side.table.strike;
    const shortStrike = strikes[short] as number;
    const sell = side.sell[short] as number;
    const shortValue = sell - (side.expectedPayoff[short] as number);
    const end = wings.firstWing[s + 1] as number;
    let scale = 0;
    for (let wing = wings.firstWing[s] as number; wing < end; wing++) {
      const long = wings.longs[wing] as number;
      const width = side.isCall ? (strikes[long] as number) - shortStrike : shortStrike - (strikes[long] as number);
      const buy = side.buy[long] as number;
      const credit = sell - buy;
      this.width[wing] = width;
      this.credit[wing] = credit;
      this.loss[wing] = width - credit;
      const value = shortValue - buy + (side.expectedPayoff[long] as number);
      this.value[wing] = value;
      const size = (value < 0 ? -value : value) + Math.max(width, Math.abs(credit), Math.abs(width - credit));
      if (size > scale) scale = size;
    }
    this.scale[s] = scale;
  }
}

/** What an iron search did that the six counts cannot show (see ScanOptions.ironCounts); the search adds to it. */
export interface IronCounts {
  pairsVisited: number;
  /** Visited pairs dropped whole by pairFallsShort. */
  pairsDroppedWhole: number;
}

/** The wing terms of both sides, owned by the search (so that the test allocates nothing per pair). */
export class WingTerms {
  readonly puts = new SideTerms();
  readonly calls = new SideTerms();
}

/**
 * Under the score and a shared σ: true when no iron spread of put short p and call short c
 * can reach `threshold`, its POP at most `popCeiling` and its liquidity at most what the
 * pair's largest net and smallest bid-ask allow (`figures` is written with them). Run only
 * when a short is in the money (see shortInTheMoney); false otherwise.
 */
export function pairFallsShort(
  terms: WingTerms,
  query: ResolvedQuery,
  figures: GroupFigures,
  spot: number,
  iron: ExpiryIron,
  p: number,
  c: number,
  popCeiling: number,
  threshold: number,
): boolean {
  const { puts, calls, putWings, callWings } = iron;
  if (!shortInTheMoney(spot, puts, calls, putWings.shorts[p] as number, callWings.shorts[c] as number)) return false;
  figures.largestNet = (putWings.largestCredit[p] as number) + (callWings.largestCredit[c] as number);
  figures.smallestBidAskSum =
    legBidAsk(puts, putWings.shorts[p] as number) +
    smallestBlockBidAsk(putWings, p) +
    legBidAsk(calls, callWings.shorts[c] as number) +
    smallestBlockBidAsk(callWings, c);
  figures.popCeiling = popCeiling;
  const rate = requiredValuePerRisk(query, figures, threshold);
  if (rate > 1) return true;
  if (!(rate > 0)) return false;
  terms.puts.ensure(puts, putWings, p);
  terms.calls.ensure(calls, callWings, c);
  return wingsFallShort(terms, putWings, callWings, p, c, rate);
}

/**
 * True when every iron spread of put short p's wings and call short c's wings (each side a
 * credit below its width) has EV − rate × max loss below 0, by more than rounding. Put wings
 * are stored widest first (their longs ascend in strike), call wings narrowest first. One
 * merge of the two sides by ascending width, a call wing before a put wing of the same width:
 * a put wing then meets, as the wider side, the best call term (EV + r × credit) of the call
 * wings no wider, and a call wing, as the wider side, the best put term of the put wings
 * strictly narrower. Each wing's figures are read once for both cases (two passes, one per
 * case, read them twice); the checks made are the same, so the answer is too.
 */
export function wingsFallShort(terms: WingTerms, putWings: CreditWings, callWings: CreditWings, p: number, c: number, rate: number): boolean {
  const { width: putWidth, value: putValue, loss: putLoss, credit: putCredit } = terms.puts;
  const { width: callWidth, value: callValue, loss: callLoss, credit: callCredit } = terms.calls;
  const putFirst = putWings.firstWing[p] as number;
  const callEnd = callWings.firstWing[c + 1] as number;
  // Room for rounding, so that a spread exactly at the rate (a tie on the score) is never
  // dropped: at least 1e-9 × (1 + |put term| + |call term|) for every spread of the pair.
  const room = 1e-9 * (1 + (terms.puts.scale[p] as number) + (terms.calls.scale[c] as number));
  // −∞ (no wing of the other side yet) never reaches.
  let callBest = -Infinity;
  let putBest = -Infinity;
  let callWing = callWings.firstWing[c] as number;
  for (let putWing = (putWings.firstWing[p + 1] as number) - 1; putWing >= putFirst; putWing--) {
    const width = putWidth[putWing] as number;
    for (; callWing < callEnd && (callWidth[callWing] as number) <= width; callWing++) {
      const value = callValue[callWing] as number;
      if (value - rate * (callLoss[callWing] as number) + putBest + room >= 0) return false;
      const term = value + rate * (callCredit[callWing] as number);
      if (term > callBest) callBest = term;
    }
    const value = putValue[putWing] as number;
    if (value - rate * (putLoss[putWing] as number) + callBest + room >= 0) return false;
    const term = value + rate * (putCredit[putWing] as number);
    if (term > putBest) putBest = term;
  }
  // The call wings wider than every put wing.
  for (; callWing < callEnd; callWing++) {
    if ((callValue[callWing] as number) - rate * (callLoss[callWing] as number) + putBest + room >= 0) return false;
  }
  return true;
}

/**
 * Whether either short of a pair is in the money: the test pays there (the group bounds are
 * loose where one side leaves almost nothing at risk); with both shorts out of the money it
 * drops as many pairs but costs what their block bounds cost, and is not run.
 */
export function shortInTheMoney(spot: number, puts: PricedSide, calls: PricedSide, putShort: number, callShort: number): boolean {
  return (puts.table.strike[putShort] as number) > spot || (calls.table.strike[callShort] as number) < spot;
}

function smallestBlockBidAsk(wings: CreditWings, short: number): number {
  let smallest = Infinity;
  const end = wings.firstBlock[short + 1] as number;
  for (let block = wings.firstBlock[short] as number; block < end; block++) {
    const bidAsk = wings.blockSmallestBidAsk[block] as number;
    if (bidAsk < smallest) smallest = bidAsk;
  }
  return smallest;
}

function legBidAsk(side: PricedSide, leg: number): number {
  return (side.table.ask[leg] as number) - (side.table.bid[leg] as number);
}

// A test of the EV per dollar at risk of a group of iron spreads that keeps each wing's EV
// tied to its own credit and width (the sides' largest EV over the smallest max loss does
// not: in the money, one side's tiny risk pairs with the other side's best EV).
//
// For an iron spread of put wing i and call wing j, under a σ shared by the expiration,
// EV = EV_i + EV_j and max loss = max(w_i, w_j) − c_i − c_j, so for any r ≥ 0
//   EV − r · max loss ≤ (EV_i − r(w_i − c_i)) + (EV_j + r c_j)     (as if the put wing were the wider)
//   EV − r · max loss ≤ (EV_i + r c_i) + (EV_j − r(w_j − c_j))     (as if the call wing were).
// Each bracket depends on one side only: over a group of wings its largest is a maximum of
// lines in r, convex, kept at ENVELOPE_POINTS values of r in [0, 1] (its "loss" and "credit"
// envelopes). A convex function lies below its chords, so the chords bound it on [0, 1].
// A spread's EV per risk reaches r only if EV − r · max loss ≥ 0: where the smaller sum is
// below 0 at r, no spread of the group reaches r. The envelopes of a group are computed the
// first time a search asks for them (most groups fall to cheaper bounds first).
import type { CreditWings } from "./iron-candidates.js";
import type { PricedSide } from "./priced-side.js";

/** How many values of r the envelopes keep: 0, 1/8, ..., 1. */
export const ENVELOPE_POINTS = 9;
const STEP = 1 / (ENVELOPE_POINTS - 1);

/** The envelopes of one side's groups of wings (blocks, super-blocks, shorts), each at [at, at + ENVELOPE_POINTS). */
export class SideEnvelopes {
  readonly blockLoss: Float64Array;
  readonly blockCredit: Float64Array;
  readonly superLoss: Float64Array;
  readonly superCredit: Float64Array;
  readonly shortLoss: Float64Array;
  readonly shortCredit: Float64Array;
  private readonly blockReady: Uint8Array;
  private readonly superReady: Uint8Array;
  private readonly shortReady: Uint8Array;
  /** Per block: its short's number among the wings' shorts. */
  private readonly blockShort: Int32Array;

  constructor(
    private readonly side: PricedSide,
    private readonly wings: CreditWings,
  ) {
    const blockCount = wings.firstBlock[wings.shortCount] as number;
    const superCount = wings.firstSuper[wings.shortCount] as number;
    this.blockLoss = new Float64Array(blockCount * ENVELOPE_POINTS);
    this.blockCredit = new Float64Array(blockCount * ENVELOPE_POINTS);
    this.superLoss = new Float64Array(superCount * ENVELOPE_POINTS);
    this.superCredit = new Float64Array(superCount * ENVELOPE_POINTS);
    this.shortLoss = new Float64Array(wings.shortCount * ENVELOPE_POINTS);
    this.shortCredit = new Float64Array(wings.shortCount * ENVELOPE_POINTS);
    this.blockReady = new Uint8Array(blockCount);
    this.superReady = new Uint8Array(superCount);
    this.shortReady = new Uint8Array(wings.shortCount);
    this.blockShort = new Int32Array(blockCount);
    for (let i = 0; i < wings.shortCount; i++) this.blockShort.fill(i, wings.firstBlock[i], wings.firstBlock[i + 1]);
  }

  /** Where block b's envelopes start, computing them from its wings the first time. */
  block(b: number): number {
    const at = b * ENVELOPE_POINTS;
    if (this.blockReady[b] === 1) return at;
    const { side, wings } = this;
    const short = wings.shorts[this.blockShort[b] as number] as number;
    const strikes = side.table.strike;
    const shortStrike = strikes[short] as number;
    // The wing's EV as a vertical, as creditWings computes it.
    const shortValue = (side.sell[short] as number) - (side.expectedPayoff[short] as number);
    const end = wings.blockFirstWing[b + 1] as number;
    for (let wing = wings.blockFirstWing[b] as number; wing < end; wing++) {
      const long = wings.longs[wing] as number;
      const credit = (side.sell[short] as number) - (side.buy[long] as number);
      const width = side.isCall ? (strikes[long] as number) - shortStrike : shortStrike - (strikes[long] as number);
      const value = shortValue - (side.buy[long] as number) + (side.expectedPayoff[long] as number);
      addWingLines(this.blockLoss, this.blockCredit, at, wing === (wings.blockFirstWing[b] as number), value, width, credit);
    }
    this.blockReady[b] = 1;
    return at;
  }

  /** Where super-block s's envelopes start, from its blocks'. */
  super(s: number): number {
    const at = s * ENVELOPE_POINTS;
    if (this.superReady[s] === 1) return at;
    const wings = this.wings;
    const end = wings.superFirstBlock[s + 1] as number;
    for (let b = wings.superFirstBlock[s] as number; b < end; b++) {
      raise(this.superLoss, this.superCredit, at, this.blockLoss, this.blockCredit, this.block(b), b === wings.superFirstBlock[s]);
    }
    this.superReady[s] = 1;
    return at;
  }

  /** Where the envelopes of short i (all its wings) start, from its super-blocks'. */
  short(i: number): number {
    const at = i * ENVELOPE_POINTS;
    if (this.shortReady[i] === 1) return at;
    const wings = this.wings;
    const end = wings.firstSuper[i + 1] as number;
    for (let s = wings.firstSuper[i] as number; s < end; s++) {
      raise(this.shortLoss, this.shortCredit, at, this.superLoss, this.superCredit, this.super(s), s === wings.firstSuper[i]);
    }
    this.shortReady[i] = 1;
    return at;
  }
}

/** Raises the envelopes at `at` to one wing's two lines (EV − r(width − credit), EV + r credit); `first` starts them. */
export function addWingLines(loss: Float64Array, credit: Float64Array, at: number, first: boolean, value: number, width: number, wingCredit: number): void {
  const risk = width - wingCredit;
  for (let k = 0; k < ENVELOPE_POINTS; k++) {
    const rate = k * STEP;
    const lossLine = value - rate * risk;
    const creditLine = value + rate * wingCredit;
    if (first || lossLine > (loss[at + k] as number)) loss[at + k] = lossLine;
    if (first || creditLine > (credit[at + k] as number)) credit[at + k] = creditLine;
  }
}

function raise(loss: Float64Array, credit: Float64Array, to: number, fromLoss: Float64Array, fromCredit: Float64Array, from: number, first: boolean): void {
  for (let k = 0; k < ENVELOPE_POINTS; k++) {
    const groupLoss = fromLoss[from + k] as number;
    const groupCredit = fromCredit[from + k] as number;
    if (first || groupLoss > (loss[to + k] as number)) loss[to + k] = groupLoss;
    if (first || groupCredit > (credit[to + k] as number)) credit[to + k] = groupCredit;
  }
}

/** An envelope's chord at r in (0, 1] (beyond 1 a chord bounds nothing). */
export function envelopeAt(envelope: Float64Array, at: number, rate: number): number {
  const scaled = rate / STEP;
  const k = scaled >= ENVELOPE_POINTS - 1 ? ENVELOPE_POINTS - 2 : Math.floor(scaled);
  const low = envelope[at + k] as number;
  return low + (scaled - k) * ((envelope[at + k + 1] as number) - low);
}

/**
 * True when no spread of a put group × call group reaches an EV per risk of `rate` (in
 * (0, 1]): both sums of the chords at `rate` below 0, by more than rounding. The put group is
 * given by its two envelope values at `rate` (for a single wing, its two lines at `rate`, exact).
 */
export function envelopeFallsShort(
  putLossAt: number,
  putCreditAt: number,
  callLoss: Float64Array,
  callCredit: Float64Array,
  callAt: number,
  rate: number,
): boolean {
  const callCreditAt = envelopeAt(callCredit, callAt, rate);
  if (putLossAt + callCreditAt + 1e-9 * (1 + Math.abs(putLossAt) + Math.abs(callCreditAt)) >= 0) {
    const callLossAt = envelopeAt(callLoss, callAt, rate);
    return putCreditAt + callLossAt + 1e-9 * (1 + Math.abs(putCreditAt) + Math.abs(callLossAt)) < 0;
  }
  return true;
}

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
// below 0 at r, no spread of the group reaches r. The envelopes of a block are computed the
// first time the search asks for them (most blocks fall to cheaper bounds first).
import type { CreditWings } from "./iron-candidates.js";
import type { PricedSide } from "./priced-side.js";

/** How many values of r the envelopes keep: 0, 1/8, ..., 1. */
export const ENVELOPE_POINTS = 9;
const STEP = 1 / (ENVELOPE_POINTS - 1);

/**
 * The envelopes of each block of call wings, at [at, at + ENVELOPE_POINTS) of `loss` and
 * `credit`. Only the call blocks need them: the search tests each put wing (whose two lines
 * are exact) against a call block, the one level where measured on the widest scans the test
 * drops what the cheaper bounds let through (above it, a group's POP ceiling is too loose for
 * the EV per risk it needs to bind).
 */
export class CallBlockEnvelopes {
  readonly loss: Float64Array;
  readonly credit: Float64Array;
  private readonly ready: Uint8Array;
  /** Per block: its short's number among the wings' shorts. */
  private readonly blockShort: Int32Array;

  constructor(
    private readonly side: PricedSide,
    private readonly wings: CreditWings,
  ) {
    const blockCount = wings.firstBlock[wings.shortCount] as number;
    this.loss = new Float64Array(blockCount * ENVELOPE_POINTS);
    this.credit = new Float64Array(blockCount * ENVELOPE_POINTS);
    this.ready = new Uint8Array(blockCount);
    this.blockShort = new Int32Array(blockCount);
    for (let i = 0; i < wings.shortCount; i++) this.blockShort.fill(i, wings.firstBlock[i], wings.firstBlock[i + 1]);
  }

  /** Where block b's envelopes start, computing them from its wings the first time. */
  block(b: number): number {
    const at = b * ENVELOPE_POINTS;
    if (this.ready[b] === 1) return at;
    const { side, wings } = this;
    const short = wings.shorts[this.blockShort[b] as number] as number;
    const strikes = side.table.strike;
    const shortStrike = strikes[short] as number;
    // The wing's EV as a vertical, as creditWings computes it.
    const shortValue = (side.sell[short] as number) - (side.expectedPayoff[short] as number);
    const first = wings.blockFirstWing[b] as number;
    const end = wings.blockFirstWing[b + 1] as number;
    for (let wing = first; wing < end; wing++) {
      const long = wings.longs[wing] as number;
      const credit = (side.sell[short] as number) - (side.buy[long] as number);
      const width = side.isCall ? (strikes[long] as number) - shortStrike : shortStrike - (strikes[long] as number);
      const value = shortValue - (side.buy[long] as number) + (side.expectedPayoff[long] as number);
      addWingLines(this.loss, this.credit, at, wing === first, value, width, credit);
    }
    this.ready[b] = 1;
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

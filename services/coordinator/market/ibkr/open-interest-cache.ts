// Open interest changes once a day: OCC publishes it before the open, and TWS's tick 101
// repeats that figure all session. So a contract's open interest, once had, is kept for the
// rest of the New York trading day and its next requests ask TWS for no generic ticks (they
// end sooner, and stream fewer ticks). A new day starts empty.
import { newYorkDate } from "../../../engine/new-york-time.js";

/** Beyond this many contracts in one day the oldest go first (a day of scans touches a few thousand). */
const DEFAULT_MAX_ENTRIES = 50_000;

export class OpenInterestCache {
  private day = "";
  // A Map iterates in insertion order: the first key is the oldest.
  private readonly values = new Map<string, number>();
  private readonly now: () => Date;
  private readonly maxEntries: number;

  constructor(now: () => Date, maxEntries = DEFAULT_MAX_ENTRIES) {
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.now = now;
    this.maxEntries = maxEntries;
  }

  /** Today's open interest of the contract `key`, or undefined when not had today. */
  get(key: string): number | undefined {
    this.rollOver();
    return this.values.get(key);
  }

  set(key: string, openInterest: number): void {
    this.rollOver();
    this.values.delete(key);
    this.values.set(key, openInterest);
    if (this.values.size > this.maxEntries) {
      const oldest = this.values.keys().next();
      if (!oldest.done) this.values.delete(oldest.value);
    }
  }

  get size(): number {
    this.rollOver();
    return this.values.size;
  }

  private rollOver(): void {
    const today = newYorkDate(this.now());
    if (today === this.day) return;
    this.day = today;
    this.values.clear();
  }
}

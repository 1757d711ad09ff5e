// The best N candidates seen so far, kept in a binary heap of preallocated typed arrays
// with the worst at the root, so that offering a candidate allocates nothing and a
// candidate worse than the N-th costs one comparison.
//
// Order (the documented, stable rule): higher sort value first; then higher score; then
// the earlier expiration (a calendar's or diagonal's front one); then the strategy's enum
// order; then the earlier back expiration (calendars and diagonals; NO_EXPIRY otherwise, and
// strategies of one kind never mix the two); then the legs' strikes, lower first, compared
// leg by leg in the order put long, put short, call short, call long (leg indices within a
// strike-sorted side of one expiration: candidates that reach this step share their front
// and back expirations, so comparing indices compares strikes). The legs identify a spread,
// so the order is total and the same input always gives the same output.

export const NO_LEG = -1;
/** The back expiration of a single-expiry spread: none. */
export const NO_EXPIRY = -1;

export class TopCandidates {
  readonly sortValue: Float64Array;
  readonly score: Float64Array;
  readonly expiry: Int32Array;
  readonly strategy: Int32Array;
  /** The back expiration of a calendar or diagonal (its index), NO_EXPIRY for single-expiry spreads. */
  readonly backExpiry: Int32Array;
  /** Four leg slots per candidate: put long, put short, call short, call long (NO_LEG when unused). */
  readonly legs: Int32Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.sortValue = new Float64Array(capacity);
    this.score = new Float64Array(capacity);
    this.expiry = new Int32Array(capacity);
    this.strategy = new Int32Array(capacity);
    this.backExpiry = new Int32Array(capacity);
    this.legs = new Int32Array(capacity * 4);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** Sort value of the worst kept candidate; -Infinity until the heap is full. */
  get threshold(): number {
    return this.size === this.capacity ? (this.sortValue[0] as number) : -Infinity;
  }

  /**
   * Offers a candidate; keeps it if there is room or it beats the worst kept. `backExpiry`:
   * a calendar's or diagonal's back expiration, NO_EXPIRY (the default) for the others.
   */
  offer(sortValue: number, score: number, expiry: number, strategy: number, l0: number, l1: number, l2: number, l3: number, backExpiry = NO_EXPIRY): void {
    if (this.size < this.capacity) {
      this.write(this.size, sortValue, score, expiry, strategy, l0, l1, l2, l3, backExpiry);
      this.siftUp(this.size);
      this.size++;
      return;
    }
    if (this.capacity === 0 || !this.beatsSlot(sortValue, score, expiry, strategy, l0, l1, l2, l3, backExpiry, 0)) return;
    this.write(0, sortValue, score, expiry, strategy, l0, l1, l2, l3, backExpiry);
    this.siftDown(0);
  }

  /** Moves every kept candidate into `target`. */
  drainInto(target: TopCandidates): void {
    const legs = this.legs;
    for (let slot = 0; slot < this.size; slot++) {
      const base = slot * 4;
      target.offer(
        this.sortValue[slot] as number,
        this.score[slot] as number,
        this.expiry[slot] as number,
        this.strategy[slot] as number,
        legs[base] as number,
        legs[base + 1] as number,
        legs[base + 2] as number,
        legs[base + 3] as number,
        this.backExpiry[slot],
      );
    }
    this.size = 0;
  }

  /** Slots from best to worst. */
  rankedSlots(): number[] {
    const slots = Array.from({ length: this.size }, (_, slot) => slot);
    return slots.sort((a, b) => (this.slotBeatsSlot(a, b) ? -1 : this.slotBeatsSlot(b, a) ? 1 : 0));
  }

  private write(
    slot: number,
    sortValue: number,
    score: number,
    expiry: number,
    strategy: number,
    l0: number,
    l1: number,
    l2: number,
    l3: number,
    backExpiry: number,
  ): void {
    this.sortValue[slot] = sortValue;
    this.score[slot] = score;
    this.expiry[slot] = expiry;
    this.strategy[slot] = strategy;
    this.backExpiry[slot] = backExpiry;
    const base = slot * 4;
    this.legs[base] = l0;
    this.legs[base + 1] = l1;
    this.legs[base + 2] = l2;
    this.legs[base + 3] = l3;
  }

  /** True when the given candidate ranks strictly before the one in `slot`. */
  private beatsSlot(
    sortValue: number,
    score: number,
    expiry: number,
    strategy: number,
    l0: number,
    l1: number,
    l2: number,
    l3: number,
    backExpiry: number,
    slot: number,
  ): boolean {
    const otherSort = this.sortValue[slot] as number;
    if (sortValue !== otherSort) return sortValue > otherSort;
    const otherScore = this.score[slot] as number;
    if (score !== otherScore) return score > otherScore;
    const otherExpiry = this.expiry[slot] as number;
    if (expiry !== otherExpiry) return expiry < otherExpiry;
    const otherStrategy = this.strategy[slot] as number;
    if (strategy !== otherStrategy) return strategy < otherStrategy;
    const otherBackExpiry = this.backExpiry[slot] as number;
    if (backExpiry !== otherBackExpiry) return backExpiry < otherBackExpiry;
    const base = slot * 4;
    const legs = this.legs;
    if (l0 !== legs[base]) return l0 < (legs[base] as number);
    if (l1 !== legs[base + 1]) return l1 < (legs[base + 1] as number);
    if (l2 !== legs[base + 2]) return l2 < (legs[base + 2] as number);
    return l3 < (legs[base + 3] as number);
  }

  private slotBeatsSlot(a: number, b: number): boolean {
    const base = a * 4;
    const legs = this.legs;
    return this.beatsSlot(
      this.sortValue[a] as number,
      this.score[a] as number,
      this.expiry[a] as number,
      this.strategy[a] as number,
      legs[base] as number,
      legs[base + 1] as number,
      legs[base + 2] as number,
      legs[base + 3] as number,
      this.backExpiry[a] as number,
      b,
    );
  }

  // The root holds the worst candidate: a parent never beats its children.
  private siftUp(slot: number): void {
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!this.slotBeatsSlot(parent, slot)) break;
      this.swap(parent, slot);
      slot = parent;
    }
  }

  private siftDown(slot: number): void {
    for (;;) {
      const left = 2 * slot + 1;
      const right = left + 1;
      let worst = slot;
      if (left < this.size && this.slotBeatsSlot(worst, left)) worst = left;
      if (right < this.size && this.slotBeatsSlot(worst, right)) worst = right;
      if (worst === slot) return;
      this.swap(slot, worst);
      slot = worst;
    }
  }

  private swap(a: number, b: number): void {
    swapIn(this.sortValue, a, b);
    swapIn(this.score, a, b);
    swapIn(this.expiry, a, b);
    swapIn(this.strategy, a, b);
    swapIn(this.backExpiry, a, b);
    for (let offset = 0; offset < 4; offset++) swapIn(this.legs, a * 4 + offset, b * 4 + offset);
  }
}

function swapIn(array: Float64Array | Int32Array, a: number, b: number): void {
  const held = array[a] as number;
  array[a] = array[b] as number;
  array[b] = held;
}

// Groups of candidates by the bound of their sort key, best first: (bound, group) pairs in
// growable typed arrays, put in order once (a stable radix sort of the bounds' bits, best
// first, equal bounds in the order pushed) and then taken from the front as far as the
// search goes. On the widest scans nearly every group is visited, so a binary heap paid a
// sift of twenty cache-missing levels per group (about a quarter of a microsecond); the sort
// costs a few passes over the groups.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Where a float64's high and low 32 bits lie in a Uint32Array view of it.
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = 1 - HIGH;

export class BoundQueue {
  private bounds = new Float64Array(1024);
  private groups = new Int32Array(1024);
  private count = 0;
  /** The next group to take, once sorted. */
  private next = 0;
  // Scratch of the sort, kept between searches.
  private keyHigh = new Uint32Array(0);
  private keyLow = new Uint32Array(0);
  private order = new Int32Array(0);
  private spare = new Int32Array(0);
  private readonly buckets = new Int32Array(257);

  /** Groups left to take. */
  get size(): number {
    return this.count - this.next;
  }

  /** Adds a group; call sort before the first take. */
  push(bound: number, group: number): void {
    if (this.count === this.bounds.length) {
      const bounds = new Float64Array(this.count * 2);
      bounds.set(this.bounds);
      this.bounds = bounds;
      const groups = new Int32Array(this.count * 2);
      groups.set(this.groups);
      this.groups = groups;
    }
    this.bounds[this.count] = bound;
    this.groups[this.count] = group;
    this.count++;
  }

  /** Puts the groups pushed best bound first (equal bounds in the order pushed). */
  sort(): void {
    const count = this.count;
    if (this.order.length < count) {
      this.keyHigh = new Uint32Array(count);
      this.keyLow = new Uint32Array(count);
      this.order = new Int32Array(count);
      this.spare = new Int32Array(count);
    }
    const bits = new Uint32Array(this.bounds.buffer, 0, 2 * count);
    const keyHigh = this.keyHigh;
    const keyLow = this.keyLow;
    for (let slot = 0; slot < count; slot++) {
      // The float's bits ordered as unsigned integers ascend with it (negatives flipped
      // whole, positives with the sign bit set); complemented, they descend.
      let high = bits[2 * slot + HIGH] as number;
      let low = bits[2 * slot + LOW] as number;
      // −0 is the bound 0 (the search compares them as equal): ties go in push order.
      if (high === 0x80000000 && low === 0) high = 0;
      if ((high & 0x80000000) !== 0) {
        high = ~high;
        low = ~low;
      } else high |= 0x80000000;
      keyHigh[slot] = ~high >>> 0;
      keyLow[slot] = ~low >>> 0;
      this.order[slot] = slot;
    }
    for (let shift = 0; shift < 32; shift += 8) this.radixPass(keyLow, shift);
    for (let shift = 0; shift < 32; shift += 8) this.radixPass(keyHigh, shift);
    const order = this.order;
    const bounds = new Float64Array(this.bounds.length);
    const groups = new Int32Array(this.groups.length);
    for (let slot = 0; slot < count; slot++) {
      const from = order[slot] as number;
      bounds[slot] = this.bounds[from] as number;
      groups[slot] = this.groups[from] as number;
    }
    this.bounds = bounds;
    this.groups = groups;
    this.next = 0;
  }

  /** One stable pass on 8 bits of the keys, skipped when they are all the same. */
  private radixPass(keys: Uint32Array, shift: number): void {
    const count = this.count;
    const buckets = this.buckets;
    buckets.fill(0);
    const order = this.order;
    for (let slot = 0; slot < count; slot++) (buckets[(((keys[order[slot] as number] as number) >>> shift) & 0xff) + 1] as number)++;
    for (let digit = 0; digit < 256; digit++) if (buckets[digit + 1] === count) return;
    for (let digit = 0; digit < 256; digit++) buckets[digit + 1] = (buckets[digit + 1] as number) + (buckets[digit] as number);
    const spare = this.spare;
    for (let slot = 0; slot < count; slot++) {
      const item = order[slot] as number;
      const digit = ((keys[item] as number) >>> shift) & 0xff;
      spare[buckets[digit] as number] = item;
      buckets[digit] = (buckets[digit] as number) + 1;
    }
    this.order = spare;
    this.spare = order;
  }

  /** The best bound left (call only when size > 0). */
  get topBound(): number {
    return this.bounds[this.next] as number;
  }

  get topGroup(): number {
    return this.groups[this.next] as number;
  }

  /** Removes the best group. */
  pop(): void {
    this.next++;
  }

  /** The group in a slot among those left (0 to size − 1): for accounting for what is left unvisited. */
  groupAt(slot: number): number {
    return this.groups[this.next + slot] as number;
  }

  boundAt(slot: number): number {
    return this.bounds[this.next + slot] as number;
  }

  /** Empties the queue for the next search. */
  clear(): void {
    this.count = 0;
    this.next = 0;
  }
}

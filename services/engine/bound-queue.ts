// Groups of candidates by the bound of their sort key, best first: (bound, group) pairs in
// growable typed arrays, put in order once (a stable radix sort of the bounds' bits, best
// first, equal bounds in the order pushed) and then taken from the front as far as the
// search goes. On the widest scans nearly every group is visited, so a binary heap paid a
// sift of twenty cache-missing levels per group (about a quarter of a microsecond); the sort
// costs a few passes over the groups. A small queue is sorted by the engine's built-in sort
// instead (sortByBuiltins): the radix sort's eight interpreted passes are most of what the
// sort costs in a one-shot process, where the search runs before V8 has compiled it.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Where a float64's high and low 32 bits lie in a Uint32Array view of it.
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = 1 - HIGH;

/**
 * Queues of at most this many groups are sorted with the built-in sort and a map from each
 * bound to its place (sortByBuiltins); larger ones by the radix sort, whose passes cost less
 * per group once compiled. Both give the same order.
 */
export const BUILT_IN_SORT_UP_TO = 4096;

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

  /** Queues of at most this many groups are sorted by sortByBuiltins (the tests set it to compare both sorts). */
  constructor(private readonly builtInSortUpTo = BUILT_IN_SORT_UP_TO) {}

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
    if (this.count <= this.builtInSortUpTo && this.sortByBuiltins()) return;
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

  /**
   * The same order as the radix sort, in two interpreted loops over the groups instead of
   * sixteen: the bounds sorted by the typed array's built-in sort (native code, compiled or
   * not), then each group placed at the next free place of its bound's run. −0 and 0 make one
   * run (a Map's keys and === alike treat them as one), as the search compares them. False,
   * with nothing changed, when a bound is NaN: the radix sort orders a NaN by its sign bit.
   */
  private sortByBuiltins(): boolean {
    const count = this.count;
    const ascending = this.bounds.slice(0, count).sort();
    // The built-in sort puts NaN last.
    if (count > 0 && Number.isNaN(ascending[count - 1])) return false;
    // Where each bound's run starts, best bound first.
    const runStart = new Map<number, number>();
    let previous = Number.NaN;
    for (let place = 0; place < count; place++) {
      const bound = ascending[count - 1 - place] as number;
      if (bound !== previous) runStart.set(bound, place);
      previous = bound;
    }
    const bounds = new Float64Array(this.bounds.length);
    const groups = new Int32Array(this.groups.length);
    for (let slot = 0; slot < count; slot++) {
      const bound = this.bounds[slot] as number;
      const place = runStart.get(bound) as number;
      runStart.set(bound, place + 1);
      bounds[place] = bound;
      groups[place] = this.groups[slot] as number;
    }
    this.bounds = bounds;
    this.groups = groups;
    this.next = 0;
    return true;
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

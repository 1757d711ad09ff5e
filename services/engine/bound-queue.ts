// Groups of candidates by the bound of their sort key, best first: a binary max-heap of
// (bound, group) in growable typed arrays. Built in one go (heapify) and popped only as far
// as the search goes, which is usually a small share of the groups.

export class BoundQueue {
  private bounds = new Float64Array(1024);
  private groups = new Int32Array(1024);
  size = 0;

  /** Adds a group; call heapify before the first pop. */
  push(bound: number, group: number): void {
    if (this.size === this.bounds.length) {
      const bounds = new Float64Array(this.size * 2);
      bounds.set(this.bounds);
      this.bounds = bounds;
      const groups = new Int32Array(this.size * 2);
      groups.set(this.groups);
      this.groups = groups;
    }
    this.bounds[this.size] = bound;
    this.groups[this.size] = group;
    this.size++;
  }

  heapify(): void {
    for (let slot = (this.size >> 1) - 1; slot >= 0; slot--) this.siftDown(slot);
  }

  /** The best bound left (call only when size > 0). */
  get topBound(): number {
    return this.bounds[0] as number;
  }

  get topGroup(): number {
    return this.groups[0] as number;
  }

  /** Removes the best group. */
  pop(): void {
    this.size--;
    this.bounds[0] = this.bounds[this.size] as number;
    this.groups[0] = this.groups[this.size] as number;
    this.siftDown(0);
  }

  /** The group in a slot, in no particular order: for accounting for what is left unvisited. */
  groupAt(slot: number): number {
    return this.groups[slot] as number;
  }

  boundAt(slot: number): number {
    return this.bounds[slot] as number;
  }

  private siftDown(slot: number): void {
    const bounds = this.bounds;
    const groups = this.groups;
    const size = this.size;
    const bound = bounds[slot] as number;
    const group = groups[slot] as number;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= size) break;
      // Equal bounds go by group number, so that the order is the same run after run.
      if (child + 1 < size && better(bounds[child + 1] as number, groups[child + 1] as number, bounds[child] as number, groups[child] as number)) child++;
      if (!better(bounds[child] as number, groups[child] as number, bound, group)) break;
      bounds[slot] = bounds[child] as number;
      groups[slot] = groups[child] as number;
      slot = child;
    }
    bounds[slot] = bound;
    groups[slot] = group;
  }
}

function better(bound: number, group: number, otherBound: number, otherGroup: number): boolean {
  return bound > otherBound || (bound === otherBound && group < otherGroup);
}

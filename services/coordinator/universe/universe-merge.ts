// The merged top N of a universe scan: a k-way merge of the symbols' own top Ns. Each
// symbol's list is already in the query's order (the engine ranked it), so the merge only
// compares the heads of the lists, and stops at the query's limit; a symbol that has its
// per-symbol cap of spreads in the merged list gives no more.
import type { SortKey } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { compareSpreads } from "./spread-order.js";

export interface MergeLimits {
  readonly sort: SortKey;
  /** Most spreads in the merged list. */
  readonly limit: number;
  /** Most spreads of one symbol in the merged list; 0 means no cap. */
  readonly perSymbolLimit: number;
}

export interface MergedSpreads {
  readonly spreads: Spread[];
  /** How many of each list's spreads ranked, by the list's index in the input. */
  readonly ranked: number[];
}

/** One list's next spread: the list's index and the spread's position in it. */
interface Head {
  readonly list: number;
  readonly position: number;
}

/** Merges lists, each already in `sort`'s order (a symbol's scan result), into one. */
export function mergeRanked(lists: readonly (readonly Spread[])[], { sort, limit, perSymbolLimit }: MergeLimits): MergedSpreads {
  const cap = perSymbolLimit === 0 ? Infinity : perSymbolLimit;
  const ranked = lists.map(() => 0);
  const spreads: Spread[] = [];
  const spreadAt = (head: Head): Spread => (lists[head.list] as readonly Spread[])[head.position] as Spread;
  const heads = new HeadHeap((a, b) => compareSpreads(spreadAt(a), spreadAt(b), sort) < 0);
  lists.forEach((list, index) => {
    if (list.length > 0 && cap > 0) heads.push({ list: index, position: 0 });
  });
  while (spreads.length < limit) {
    const best = heads.pop();
    if (!best) break;
    spreads.push(spreadAt(best));
    const count = (ranked[best.list] ?? 0) + 1;
    ranked[best.list] = count;
    if (count < cap && best.position + 1 < (lists[best.list] as readonly Spread[]).length) heads.push({ list: best.list, position: best.position + 1 });
  }
  return { spreads, ranked };
}

/** A binary min-heap of heads, the best at the root; at most one head per list. */
class HeadHeap {
  private readonly items: Head[] = [];

  constructor(private readonly before: (a: Head, b: Head) => boolean) {}

  push(head: Head): void {
    const items = this.items;
    let index = items.push(head) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(items[index] as Head, items[parent] as Head)) break;
      [items[index], items[parent]] = [items[parent] as Head, items[index] as Head];
      index = parent;
    }
  }

  pop(): Head | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let index = 0; ;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let best = index;
      if (left < items.length && this.before(items[left] as Head, items[best] as Head)) best = left;
      if (right < items.length && this.before(items[right] as Head, items[best] as Head)) best = right;
      if (best === index) break;
      [items[index], items[best]] = [items[best] as Head, items[index] as Head];
      index = best;
    }
    return top;
  }
}

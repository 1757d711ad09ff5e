// The queries one live feed streams for. Queries that need the same contracts are one
// (chainQueryKey), counted by how many hold it; each is planned once, when the feed first
// adjusts its lines after it came, and forgotten when nobody holds it any more.
import type { ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { chainQueryKey } from "../chain-query-key.js";
import type { ChainPlan } from "./chain-fetch.js";

export interface PlannedQuery {
  readonly query: ScanQuery | undefined;
  readonly plan: ChainPlan;
}

interface HeldQuery {
  readonly query: ScanQuery | undefined;
  holders: number;
  plan: ChainPlan | undefined;
}

export class FeedQueries {
  private readonly held = new Map<string, HeldQuery>();

  /** `changed` is called when a query comes or goes (not when one more holder takes a query already held). */
  constructor(private readonly changed: () => void) {}

  get size(): number {
    return this.held.size;
  }

  /** Holds `query` until the returned function is called (once; later calls do nothing). */
  want(query: ScanQuery | undefined): () => void {
    const key = chainQueryKey(query);
    let entry = this.held.get(key);
    if (!entry) {
      entry = { query, holders: 0, plan: undefined };
      this.held.set(key, entry);
      this.changed();
    }
    const wanted = entry;
    wanted.holders++;
    let holding = true;
    return () => {
      if (!holding) return;
      holding = false;
      wanted.holders--;
      if (wanted.holders > 0 || this.held.get(key) !== wanted) return;
      this.held.delete(key);
      this.changed();
    };
  }

  /** Plans every held query that has no plan yet. */
  async planAll(plan: (query: ScanQuery | undefined) => Promise<ChainPlan>): Promise<void> {
    await Promise.all(
      [...this.held.values()].map(async (entry) => {
        entry.plan ??= await plan(entry.query);
      }),
    );
  }

  /** The held queries that have a plan, oldest first. */
  planned(): PlannedQuery[] {
    return [...this.held.values()].flatMap((entry) => (entry.plan ? [{ query: entry.query, plan: entry.plan }] : []));
  }
}

// The contracts a live feed's queries reach but its lines cannot stream (the line cap, or a
// line cancelled when the query that took it left) are quoted again in turns, the oldest quote
// first, each as a fetch quotes it, so that every quote the feed's chains carry has a bounded
// age rather than the age of the fetch that first got it. The re-quotes go through the same
// line cap and pacer as everything else, after every other message (Priority.REQUOTE), and a
// few at a time, so they spend only what feeds, lookups and fetches leave.
import type { ContractTicks } from "./chain-assembly.js";
import { contractKey, type SelectedContract } from "./chain-selection.js";

/** A contract to keep current without a line, and its latest quote (a re-quote, or its cancelled line's last ticks). */
interface Unstreamed<Plan> {
  readonly option: SelectedContract;
  /** What its quote needs of the query that reaches it (a ChainPlan in the feed). */
  plan: Plan;
  quote: ContractTicks | undefined;
  /** When it was last asked for (or its quote last updated): the oldest goes first. */
  askedAt: number;
  inFlight: boolean;
}

export interface FeedRequotesOptions<Plan> {
  /** One quote of the contract: `entry` undefined when TWS answered nothing usable, `unknown` when it has no such contract. */
  readonly requote: (
    plan: Plan,
    option: SelectedContract,
    signal: AbortSignal,
  ) => Promise<{ readonly entry: ContractTicks | undefined; readonly unknown: boolean }>;
  /** Re-quotes out at once, each holding a line while it waits. */
  readonly concurrency: number;
  /** A contract is not asked for again sooner than this after its last quote, ms: a quiet feed does not hammer TWS. */
  readonly minAgeMs: number;
  /** First wait after a re-quote failed (no session, a competing session...), doubling up to maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** A quote came: the feed's next chain has it. */
  readonly onQuote: () => void;
  /** TWS has no such contract: the feed never asks for it again. */
  readonly onUnknown: (key: string) => void;
  readonly onFailure: (error: unknown) => void;
  /** Milliseconds, monotonic. */
  readonly clock: () => number;
}

export class FeedRequotes<Plan> {
  private readonly contracts = new Map<string, Unstreamed<Plan>>();
  private readonly stop = new AbortController();
  /** The workers waiting for a contract to come due: woken when the contracts change or the feed closes. */
  private readonly sleepers = new Set<() => void>();
  private started = false;

  constructor(private readonly options: FeedRequotesOptions<Plan>) {}

  /** Contracts kept current by re-quotes now. */
  get size(): number {
    return this.contracts.size;
  }

  /**
   * The contracts to keep current from now on. One already kept keeps its quote and its turn.
   * A new one was just quoted (the fetch of its query, before the feed planned it, or its
   * cancelled line's last ticks in `seeds`, which keep their own time): it goes to the back.
   */
  set(wanted: readonly { readonly option: SelectedContract; readonly plan: Plan }[], seeds: ReadonlyMap<string, ContractTicks>): void {
    const next = new Set<string>();
    for (const { option, plan } of wanted) {
      const key = contractKey(option);
      next.add(key);
      const kept = this.contracts.get(key);
      if (kept) {
        kept.plan = plan;
        continue;
      }
      const seed = seeds.get(key);
      this.contracts.set(key, {
        option,
        plan,
        quote: seed,
        askedAt: this.options.clock(),
        inFlight: false,
      });
    }
    for (const key of [...this.contracts.keys()]) if (!next.has(key)) this.contracts.delete(key);
    this.start();
    this.wakeAll();
  }

  /** The latest quote of every contract kept current this way. */
  *quotes(): Iterable<ContractTicks> {
    for (const { quote } of this.contracts.values()) if (quote) yield quote;
  }

  close(): void {
    this.stop.abort(new Error("feed closed"));
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    for (let worker = 0; worker < Math.max(1, this.options.concurrency); worker++) void this.work();
  }

  /** One of `concurrency` loops: quote the oldest contract nobody is quoting, or wait until one is due. */
  private async work(): Promise<void> {
    const { signal } = this.stop;
    let backoffMs = this.options.backoffMs;
    while (!this.closed()) {
      const [key, next] = this.oldest();
      const dueInMs = next ? next.askedAt + this.options.minAgeMs - this.options.clock() : Number.POSITIVE_INFINITY;
      if (!next || key === undefined || dueInMs > 0) {
        await this.sleep(dueInMs);
        continue;
      }
      next.inFlight = true;
      next.askedAt = this.options.clock();
      try {
        const { entry, unknown } = await this.options.requote(next.plan, next.option, signal);
        backoffMs = this.options.backoffMs;
        if (this.contracts.get(key) !== next) continue;
        if (unknown) {
          this.contracts.delete(key);
          this.options.onUnknown(key);
          continue;
        }
        if (entry) {
          next.quote = entry;
          this.options.onQuote();
        }
      } catch (error) {
        if (this.closed()) return;
        this.options.onFailure(error);
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, this.options.maxBackoffMs);
      } finally {
        next.inFlight = false;
      }
    }
  }

  /** A method, so a check after an await is not narrowed away by the loop's. */
  private closed(): boolean {
    return this.stop.signal.aborted;
  }

  private oldest(): [string | undefined, Unstreamed<Plan> | undefined] {
    let found: [string | undefined, Unstreamed<Plan> | undefined] = [undefined, undefined];
    for (const [key, contract] of this.contracts) {
      if (contract.inFlight) continue;
      if (!found[1] || contract.askedAt < found[1].askedAt) found = [key, contract];
    }
    return found;
  }

  /** Waits `ms` (forever when infinite), or until the contracts change or the feed closes. */
  private sleep(ms: number): Promise<void> {
    if (this.stop.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(1, ms)) : undefined;
    });
  }
}

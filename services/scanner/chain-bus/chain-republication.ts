// A replica's latest chains owed to a new stream (NATS restarted with an empty store): each
// symbol it holds is republished until the stream holds a whole version of it at least as new
// as the replica's, whatever came first. The first replica to republish is not always the one
// with the newest chain (a lagging one may hold an older version), and a republication may
// fail (a publish timeout right after NATS came back): a replica that gave up on either would
// leave a symbol never updated again missing from the stream, or older there than on the
// replicas holding it, for every replica that joins later (or lags).
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "../../common/logger.js";
import type { ChainStore } from "../chain-store.js";
import type { ChainBusMetrics } from "./chain-bus-metrics.js";
import { isConflict, type ChainPublications } from "./chain-publications.js";
import { subjectTip } from "./chain-subjects.js";

/** Conflicts met in one pass over a symbol before it waits for the next pass. */
const CONFLICTS_PER_PASS = 3;

export interface ChainRepublicationOptions {
  readonly store: ChainStore;
  readonly publications: ChainPublications;
  readonly metrics: ChainBusMetrics;
  readonly logger: Logger;
  /** Versions of the symbol wait in the outbox: they go out after whatever the stream holds, newer. */
  readonly queued: (symbol: string) => boolean;
}

export class ChainRepublication {
  private readonly owed = new Set<string>();
  /** Per symbol, an unfinished whole chain found last on its subject at the previous pass. */
  private readonly unfinished = new Map<string, number>();

  constructor(private readonly options: ChainRepublicationOptions) {}

  /** The stream is new: every symbol held is owed to it. */
  oweEverySymbol(): void {
    for (const symbol of this.options.store.symbols()) this.owed.add(symbol);
    this.unfinished.clear();
  }

  /** The symbol is owed again: this replica took a newer version of it than it last settled. */
  owe(symbol: string): void {
    this.owed.add(symbol);
  }

  get pending(): boolean {
    return this.owed.size > 0;
  }

  /** One pass over the owed symbols; those not settled (a failure, conflicts) wait for the next pass. Never throws. */
  async pass(js: JetStreamClient, jsm: JetStreamManager, connected: () => boolean): Promise<void> {
    for (const symbol of [...this.owed]) {
      if (!connected()) return;
      try {
        for (let conflicts = 0; conflicts < CONFLICTS_PER_PASS; conflicts++) {
          const settled = await this.republish(js, jsm, symbol);
          if (settled === "conflict") continue;
          if (settled) {
            this.owed.delete(symbol);
            this.unfinished.delete(symbol);
          }
          break;
        }
      } catch (error) {
        this.options.metrics.republishFailures.inc();
        this.options.logger.warn({ err: error, symbol }, "latest chain not republished on the new stream: trying again");
      }
    }
  }

  /** Whether the stream now holds the symbol at least as new as here: true, false (look again later) or "conflict". */
  private async republish(js: JetStreamClient, jsm: JetStreamManager, symbol: string): Promise<boolean | "conflict"> {
    const stored = this.options.store.get(symbol);
    if (!stored || this.options.queued(symbol)) return true;
    const tip = await subjectTip(jsm, symbol);
    if (tip?.complete && tip.version >= stored.version) return true;
    // An unfinished chain as new as this one is most likely another replica's republication
    // under way: left alone once, published after if it is still there at the next pass.
    if (tip && !tip.complete && tip.version >= stored.version && this.unfinished.get(symbol) !== tip.sequence) {
      this.unfinished.set(symbol, tip.sequence);
      return false;
    }
    try {
      await this.options.publications.whole(js, symbol, stored.version, stored.fingerprint, "republished", tip?.sequence ?? 0);
    } catch (error) {
      if (isConflict(error)) return "conflict";
      throw error;
    }
    this.options.metrics.republished.inc();
    return true;
  }
}

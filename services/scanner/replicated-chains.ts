// What the chain bus does to this replica's store: versions other replicas published (whole
// chains, or deltas merged onto the version before), applied in turn with this replica's own
// updates of the symbol (one SymbolQueue), and this replica's chain published again as the
// next version when NATS's return showed that two replicas took updates of a symbol while
// they were cut off.
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { prepareChain } from "../engine/index.js";
import { sharePreparedChain } from "../engine/shared-prepared-chain.js";
import type { ApplyOutcome, ReplicaChains } from "./chain-bus/chain-bus.js";
import type { ChainStore } from "./chain-store.js";
import type { ScanPool } from "./scan-pool.js";
import type { ChainReplication } from "./spread-scanner.js";
import type { SymbolQueue } from "./symbol-queue.js";

export interface ReplicatedChainsOptions {
  readonly store: ChainStore;
  readonly pool: ScanPool;
  /** The scanner's queue of updates per symbol. */
  readonly updating: SymbolQueue;
  readonly replication: ChainReplication;
}

export class ReplicatedChains implements ReplicaChains {
  private preparations = 0;

  constructor(private readonly options: ReplicatedChainsOptions) {}

  /**
   * Applies a version another replica published (`chainBytes`: the whole chain); a version
   * this replica holds already is skipped ("held"). The chain is prepared on a pool thread and
   * decoded here only if a merge needs it. `then` hears the outcome before the next update of
   * the symbol starts.
   */
  applyReplicated(symbol: string, version: bigint, chainBytes: Uint8Array, then: (outcome: ApplyOutcome) => void): Promise<unknown> {
    const { store, pool, updating } = this.options;
    const preparing = version > store.latestVersion(symbol) ? pool.prepare(chainBytes, `${symbol}@bus#${++this.preparations}`) : undefined;
    // Settled here too, so that a version found held meanwhile leaves no rejection unheard.
    preparing?.catch(() => undefined);
    return updating.run(symbol, async () => {
      let outcome: ApplyOutcome = "held";
      try {
        if (preparing && version > store.latestVersion(symbol)) {
          const prepared = await preparing;
          // Checked again: an update of this replica's own may have come first meanwhile.
          if (version > store.latestVersion(symbol)) {
            store.commitEncoded(symbol, version, chainBytes, prepared);
            outcome = "applied";
          }
        }
      } catch {
        outcome = "failed";
      }
      then(outcome);
    });
  }

  /**
   * Applies a delta another replica published (`sentBytes`: the quotes a MERGE sent, onto
   * version `base`): merged and prepared here, on this thread (a merge of a few quotes and a
   * preparation cost less than decoding the whole chain), when this replica holds exactly
   * `base`; "skipped" when it does not (it waits for the next whole chain), "held" when it
   * holds `version` already.
   */
  applyDelta(symbol: string, version: bigint, base: bigint, sentBytes: Uint8Array, then: (outcome: ApplyOutcome) => void): Promise<unknown> {
    const { store, updating } = this.options;
    return updating.run(symbol, () => {
      let outcome: ApplyOutcome = "held";
      try {
        if (version > store.latestVersion(symbol)) {
          const chain = store.mergedOnto(symbol, base, OptionChain.decode(sentBytes));
          if (chain) {
            store.commitMerged(symbol, version, chain, sharePreparedChain(prepareChain(chain), `${symbol}@bus#${++this.preparations}`));
            outcome = "applied";
          } else {
            outcome = "skipped";
          }
        }
      } catch {
        outcome = "failed";
      }
      then(outcome);
    });
  }

  /**
   * Publishes this replica's chain of the symbol again, as the version after `after` (the
   * stream's latest) and after its own, and stores it under that version: every replica then
   * holds this chain, under one version, with versions still rising everywhere.
   */
  reassert(symbol: string, after: bigint): Promise<void> {
    const { store, updating, replication } = this.options;
    return updating.run(symbol, async () => {
      const stored = store.get(symbol);
      if (!stored) return;
      const held = store.latestVersion(symbol);
      const version = (after > held ? after : held) + 1n;
      // A conflict means another replica moved on meanwhile: its newer version reaches every replica.
      if ((await replication.publish(symbol, version, stored.fingerprint)) === "conflict") return;
      store.commit({ symbol, chain: stored.chain, fingerprint: stored.fingerprint }, stored.prepared, version);
    });
  }
}

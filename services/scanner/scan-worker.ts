// Work for the scan pool's threads (see scan-pool.ts): preparing a stored chain version once
// into shared memory, and scanning a prepared version or an inline chain. Results go back
// encoded; the engine's refusals go back as their violations.
import { LRUCache } from "lru-cache";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { EngineInputError, prepareChain, scanPrepared, type InputViolation, type PreparedChain } from "./engine/index.js";
import { openSharedPreparedChain, sharePreparedChain, type SharedPreparedChain } from "./engine/shared-prepared-chain.js";

export type WorkerTask =
  /** Prepare a chain given in its wire form into shared memory, under `key`. */
  | { readonly kind: "prepare"; readonly chain: Uint8Array; readonly key: string }
  /** Scan a prepared (shared) chain, or an inline chain in its wire form. */
  | { readonly kind: "scan"; readonly chain: SharedPreparedChain | Uint8Array; readonly chainVersion: string; readonly query: Uint8Array };

export type WorkerOutcome =
  | { readonly prepared: SharedPreparedChain }
  | { readonly result: Uint8Array }
  /** The engine refused the task: fields under "chain." or "query.". */
  | { readonly violations: readonly InputViolation[] };

// Versions this worker has opened: scans of one version reuse its views.
const openedChains = new LRUCache<string, PreparedChain>({ max: 16 });

function prepare(chain: Uint8Array): PreparedChain {
  try {
    return prepareChain(OptionChain.decode(chain));
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("chain.") : error;
  }
}

export default function work(task: WorkerTask): WorkerOutcome {
  try {
    if (task.kind === "prepare") return { prepared: sharePreparedChain(prepare(task.chain), task.key) };
    let prepared: PreparedChain;
    let prepareMs = 0;
    if (task.chain instanceof Uint8Array) {
      const started = performance.now();
      prepared = prepare(task.chain);
      prepareMs = performance.now() - started;
    } else {
      const shared = task.chain;
      prepared = openedChains.get(shared.key) ?? openSharedPreparedChain(shared);
      openedChains.set(shared.key, prepared);
    }
    const result = scanPrepared(prepared, ScanQuery.decode(task.query), { chainVersion: BigInt(task.chainVersion), prepareMs });
    return { result: ScanResult.encode(result).finish() };
  } catch (error) {
    // Errors cross threads as plain messages; the violations are what the caller needs.
    if (error instanceof EngineInputError) return { violations: error.violations };
    throw error;
  }
}

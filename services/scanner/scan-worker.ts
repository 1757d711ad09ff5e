// A scan on a worker thread (see scan-pool.ts). Stored chains arrive as their wire bytes in
// shared memory and are prepared once per worker and version; results go back encoded.
import { LRUCache } from "lru-cache";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { EngineInputError, prepareChain, scanPrepared, type InputViolation, type PreparedChain } from "./engine/index.js";

export interface ScanTask {
  /** "SYMBOL:VERSION" of a stored chain, or absent for an inline chain (not kept). */
  readonly chainKey?: string;
  readonly chainVersion: string;
  /** The chain in its wire form. */
  readonly chain: Uint8Array;
  /** The query in its wire form. */
  readonly query: Uint8Array;
}

/** The encoded ScanResult, or why the engine refused the task (fields under "chain." or "query."). */
export type ScanOutcome = { readonly result: Uint8Array } | { readonly violations: readonly InputViolation[] };

// A few versions of a few symbols: watchers scan the latest, scans may trail by one.
const preparedChains = new LRUCache<string, PreparedChain>({ max: 16 });

export default function scan(task: ScanTask): ScanOutcome {
  try {
    let prepared = task.chainKey === undefined ? undefined : preparedChains.get(task.chainKey);
    let prepareMs = 0;
    if (!prepared) {
      const started = performance.now();
      try {
        prepared = prepareChain(OptionChain.decode(task.chain));
      } catch (error) {
        throw error instanceof EngineInputError ? error.under("chain.") : error;
      }
      prepareMs = performance.now() - started;
      if (task.chainKey !== undefined) preparedChains.set(task.chainKey, prepared);
    }
    const result = scanPrepared(prepared, ScanQuery.decode(task.query), { chainVersion: BigInt(task.chainVersion), prepareMs });
    return { result: ScanResult.encode(result).finish() };
  } catch (error) {
    // Errors cross threads as plain messages; the violations are what the caller needs.
    if (error instanceof EngineInputError) return { violations: error.violations };
    throw error;
  }
}

// What the scanner runs on each of its pool's threads before it listens (main.ts): a scan of
// a synthetic chain like the ones it will be sent, for the query a user sends without flags
// (every single-expiry strategy). A thread's first scans run the engine before the
// JavaScript engine has compiled it and take several times as long as later ones; done
// here, that cost is paid before the service says it is ready, not by its first callers.
// The chain also goes once through the main thread's decoder and encoder, which every
// inline scan passes through.
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { generateSyntheticChain } from "../market-model/synthetic-chain.js";
import type { ScanPool } from "./scan-pool.js";

/** The underlying the warm-up chain is listed for: a liquid index ETF, as many strikes as any. */
const WARM_UP_SYMBOL = "SPY";
/**
 * Expirations of the warm-up chain: its first few, enough for the engine's loops to run hot
 * (every strategy over thousands of candidates) at a fraction of the whole chain's cost.
 */
const WARM_UP_EXPIRATIONS = 4;

export async function warmUpPool(pool: ScanPool, now = new Date()): Promise<{ readonly ms: number; readonly quotes: number; readonly threads: number }> {
  const started = performance.now();
  const listed = generateSyntheticChain({ symbol: WARM_UP_SYMBOL, seed: 1, asOf: now });
  const expirations = new Set([...new Set(listed.quotes.map((quote) => quote.expiryDate))].sort().slice(0, WARM_UP_EXPIRATIONS));
  const chain = { ...listed, quotes: listed.quotes.filter((quote) => expirations.has(quote.expiryDate)) };
  const wire = OptionChain.encode(OptionChain.decode(OptionChain.encode(chain).finish())).finish();
  const threads = await pool.warmUp(wire, [ScanQuery.fromPartial({})]);
  return { ms: performance.now() - started, quotes: chain.quotes.length, threads };
}

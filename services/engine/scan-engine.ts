// The spread engine: every candidate of the requested strategies in every expiration the
// query allows, filtered, scored and ranked into the top N. Pure: no I/O, no gRPC. Each
// expiration's distribution (its σ, by the query's probability model) is chosen first.
//
// The query is first completed with the defaults for what the caller left unset
// (query-defaults.ts), and the result says what was applied. No query is refused for its
// size: groups of candidates whose upper bound cannot beat the N-th kept spread are dropped
// whole, leg-level filters are folded into one flag byte per leg per query, and a candidate
// that cannot beat the N-th kept one is dropped before its costly figures are computed. What
// became of every candidate is counted; a scan stopped by its work budget says so.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { EngineInputError } from "./input-errors.js";
import { withEventContext } from "./market-context/event-context.js";
import { marketContext } from "./market-context/market-context.js";
import { rejectionsByFilter } from "./filter-rejections.js";
import { firstSymbolFilterFailed, passesSymbolFilters } from "./market-context/symbol-filters.js";
import { prepareChain, type ExpirySlice, type PreparedChain } from "./prepared-chain.js";
import { effectiveQuery, type ChainOutline } from "./query-defaults.js";
import { resolveQuery, type ResolvedQuery } from "./resolved-query.js";
import type { IronCounts } from "./iron-risk-split.js";
import { ScanRun } from "./scan-run.js";
import { reportedSkips } from "./skip-reasons.js";

export interface ScanOptions {
  /** Version of the stored chain, reported back; 0 for an inline chain. */
  readonly chainVersion?: bigint;
  /** Milliseconds this scan spent preparing the chain; 0 when it reuses a prepared one. */
  readonly prepareMs?: number;
  /**
   * Most candidates the scan may go through one by one (DEFAULT_WORK_BUDGET when unset): a
   * safety valve, deterministic, far above what a full chain needs. A scan that reaches it
   * returns the best it found, saying work_budget_exhausted, with what it never reached
   * counted in candidates_unexplored.
   */
  readonly workBudget?: number;
  /**
   * How many queued pairs of iron shorts are visited best first before the rest go in the
   * order planned (see IronSearch.run); unset, the larger of 64 and a sixteenth of the
   * queue. It changes how much is gone through one by one, never the top N: a tuning knob,
   * which the tests set to 0 and to Infinity to compare the two orders.
   */
  readonly bestFirstPairs?: number;
  /**
   * Where the iron search adds what it did that the result's six counts cannot show (pairs
   * visited, and those dropped whole by their exact EV per risk): for tests and benchmarks.
   */
  readonly ironCounts?: IronCounts;
}

/** Prepares and scans a chain in one go. Throws EngineInputError for a bad chain (fields under "chain.") or query (under "query."). */
export function scanChain(chain: OptionChain, query: ScanQuery | undefined, options: ScanOptions = {}): ScanResult {
  const started = performance.now();
  let prepared: PreparedChain;
  try {
    // Prepared for this scan alone: an expiration's columns are built when the scan reads them.
    prepared = prepareChain(chain, { buildOnRead: true });
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("chain.") : error;
  }
  return scanPrepared(prepared, query, { ...options, prepareMs: performance.now() - started });
}

/**
 * Scans a prepared chain with the caller's query completed by the defaults. Throws
 * EngineInputError listing every bad query field (under "query.", as the caller named it).
 */
export function scanPrepared(prepared: PreparedChain, query: ScanQuery | undefined, options: ScanOptions = {}): ScanResult {
  const started = performance.now();
  let applied: ScanQuery;
  let resolved: ResolvedQuery;
  try {
    // The caller's query is checked as given, so that a refusal names what the caller sent.
    resolveQuery(query);
    applied = effectiveQuery(query, chainOutline(prepared));
    resolved = resolveQuery(applied);
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("query.") : error;
  }
  const context = marketContext(prepared);
  const scanned = passesSymbolFilters(context, resolved)
    ? resolved
    : { ...resolved, everyLegBarred: true, barringFilter: firstSymbolFilterFailed(context, resolved) };
  const run = new ScanRun(prepared, scanned, options.workBudget, options.bestFirstPairs, options.ironCounts);
  run.evaluateAll();
  const spreads = run.ranked();
  const evaluateMs = performance.now() - started;
  const { evaluator } = run;
  return {
    symbol: prepared.symbol,
    spreads,
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- still filled in, for the clients that read it
    candidatesEvaluated: BigInt(run.considered),
    candidatesPassed: BigInt(evaluator.passed),
    candidatesConsidered: BigInt(run.considered),
    candidatesRejectedByLegFilters: BigInt(run.rejectedByLegFilters),
    candidatesRejectedBySpreadFilters: BigInt(evaluator.rejectedBySpreadFilters),
    rejectionsByFilter: rejectionsByFilter(run.legRejections, evaluator.spreadRejections),
    candidatesRankedOut: BigInt(evaluator.rankedOut),
    candidatesFullyEvaluated: BigInt(evaluator.fullyEvaluated),
    candidatesBoundedOut: BigInt(run.boundedOut + run.verticalsBoundedOut),
    workBudgetExhausted: run.workBudgetExhausted,
    candidatesUnexplored: BigInt(run.unexplored),
    effectiveQuery: applied,
    expiryDistributions: run.distributions,
    skippedQuotes: reportedSkips(run.skipped),
    quotesWithComputedGreeks: BigInt(prepared.quotesWithComputedGreeks),
    chainAsOf: new Date(prepared.asOfMs),
    chainVersion: options.chainVersion ?? 0n,
    underlyingPrice: prepared.spot,
    rate: prepared.rate,
    dividendYield: prepared.dividendYield,
    delayed: prepared.delayed,
    frozen: prepared.frozen,
    // The volatility context, with the events' part filled in (market-context/event-context.ts).
    marketContext: withEventContext(prepared, context),
    timings: { prepareMs: options.prepareMs ?? 0, evaluateMs, totalMs: (options.prepareMs ?? 0) + evaluateMs },
  };
}

/**
 * The underlying price and, per expiration, the strikes of its usable quotes: what the
 * defaults read of a chain. The strikes are read in place, and only if a default needs them.
 */
function chainOutline(prepared: PreparedChain): ChainOutline {
  return {
    spot: prepared.spot,
    expirations: prepared.expiries.map((expiry) => ({
      dte: expiry.dte,
      strikes: { [Symbol.iterator]: () => bothSides(expiry) },
    })),
  };
}

/** Read only when iterated: the columns of an expiration prepared to be built on read are then built. */
function* bothSides(expiry: ExpirySlice): Generator<number> {
  yield* expiry.calls.strike.subarray(0, expiry.calls.count);
  yield* expiry.puts.strike.subarray(0, expiry.puts.count);
}

// ScanUniverse: one query over many symbols, answered as one merged top N. Each symbol is
// scanned as Scan scans it (CoordinatorScans.scan: the cache, single-flight, the market data
// pacing, the jobs' concurrency limit and stale results all apply), by a few workers that take
// the symbols in turn, as ScanBatch's do. A symbol that fails is reported failed with its
// status; only a bad request, a missing watchlist, or the call's own cancel or deadline fail
// the call.
import { status } from "@grpc/grpc-js";
import { SymbolScanState, type ScanUniverseRequest, type ScanUniverseResponse, type SymbolScan } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import type { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { RpcError, unimplemented } from "../../common/errors.js";
import type { CallContext } from "../../common/handlers.js";
import type { CoordinatorScans, ScanAnswer } from "../coordinator-scans.js";
import { errorStatusOf } from "../jobs/scan-job.js";
import { ownerOf } from "../owner.js";
import { ageField, asRpcError, scanKey } from "../scan-request.js";
import type { WatchlistLookup } from "../watchlists/watchlist-lookup.js";
import { mergeRanked } from "./universe-merge.js";
import { validUniverseRequest, type ValidUniverseRequest } from "./universe-request.js";

export interface UniverseScanParts {
  readonly scans: Pick<CoordinatorScans, "scan">;
  /** Where a named watchlist is read; absent while the coordinator keeps none (a watchlist request is then UNIMPLEMENTED). */
  readonly watchlists: WatchlistLookup | undefined;
  /** Symbols scanned at once (the jobs' own limit still applies across every caller). */
  readonly concurrency: number;
}

/** What became of one symbol: its answer, or why it has none. */
type Outcome = { readonly answer: ScanAnswer } | { readonly error: RpcError };

export async function scanUniverse(
  parts: UniverseScanParts,
  request: ScanUniverseRequest,
  context: Pick<CallContext, "caller" | "signal" | "logger">,
): Promise<ScanUniverseResponse> {
  const valid = validUniverseRequest(request);
  const symbols = valid.symbols ?? (await watchlistSymbols(parts.watchlists, valid.watchlist ?? "", context));
  const outcomes = await scanEach(parts, valid, symbols, context);
  const lists = outcomes.map((outcome): readonly Spread[] => ("answer" in outcome ? outcome.answer.result.spreads : []));
  const merged = mergeRanked(lists, valid);
  return {
    spreads: merged.spreads,
    symbols: symbols.map((symbol, index) => symbolScan(symbol, outcomes[index] as Outcome, merged.ranked[index] ?? 0)),
    watchlist: valid.watchlist ?? "",
  };
}

export async function watchlistSymbols(
  watchlists: WatchlistLookup | undefined,
  name: string,
  context: Pick<CallContext, "caller">,
): Promise<readonly string[]> {
  if (!watchlists) throw unimplemented("this coordinator keeps no watchlists yet; list the symbols instead");
  const watchlist = await watchlists.get(ownerOf(context.caller), name);
  if (!watchlist) {
    throw new RpcError(status.NOT_FOUND, `there is no watchlist named ${JSON.stringify(name)}`, {
      fieldViolations: [{ field: "watchlist", description: `names no watchlist of yours; ListWatchlists shows them` }],
    });
  }
  return watchlist.symbols;
}

/** Every symbol's outcome, by its index; rejects only when the call itself is cancelled or out of time. */
async function scanEach(
  parts: UniverseScanParts,
  valid: ValidUniverseRequest,
  symbols: readonly string[],
  context: Pick<CallContext, "signal" | "logger" | "caller">,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < symbols.length; index = next++) {
      const symbol = symbols[index] as string;
      context.signal.throwIfAborted();
      try {
        const answer = await parts.scans.scan(symbol, valid.query.query, scanKey(symbol, valid.query.key), {
          bypassCache: valid.bypassCache,
          signal: context.signal,
          askedBy: ownerOf(context.caller),
        });
        outcomes[index] = { answer };
      } catch (error) {
        context.signal.throwIfAborted();
        if (!(error instanceof RpcError)) context.logger.error({ err: error, symbol }, "a universe scan's symbol failed unexpectedly");
        outcomes[index] = { error: asRpcError(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, parts.concurrency), symbols.length) }, worker));
  return outcomes;
}

function symbolScan(symbol: string, outcome: Outcome, spreadsRanked: number): SymbolScan {
  if ("error" in outcome) {
    return { symbol, state: SymbolScanState.SYMBOL_SCAN_STATE_FAILED, error: errorStatusOf(outcome.error), cacheHit: false, jobId: "", spreadsRanked: 0 };
  }
  const { answer } = outcome;
  return {
    symbol,
    state: answer.stale ? SymbolScanState.SYMBOL_SCAN_STATE_STALE : SymbolScanState.SYMBOL_SCAN_STATE_SCANNED,
    cacheHit: answer.cacheHit,
    ...ageField(answer),
    jobId: answer.jobId,
    spreadsRanked,
    // Its spreads are in the merged list when they ranked; the rest of its result stays.
    result: { ...answer.result, spreads: [] },
  };
}

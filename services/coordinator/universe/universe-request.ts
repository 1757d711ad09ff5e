// A ScanUniverseRequest checked field by field: exactly one of `symbols` and `watchlist`,
// each listed symbol a ticker and named once, the per-symbol cap and the query as Scan checks
// it. Every bad field is named at once, as INVALID_ARGUMENT with field violations.
//
// A symbol listed twice ("SPY" and "spy" alike) is refused, not folded: the contract says each
// at most once, and the response's `symbols` answer the request's one to one, in its order.
import type { ScanUniverseRequest } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import type { SortKey } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { invalidArgument, type FieldViolation } from "../../common/errors.js";
import { tickerOf } from "../../common/ticker.js";
import { MAX_LIMIT, resolveQuery } from "../../engine/index.js";
import { collect, validQuery, type ValidQuery } from "../scan-request.js";

/** Most symbols one universe scan names. */
export const MAX_UNIVERSE_SYMBOLS = 500;
/** A watchlist's name, as watchlist.proto defines it. */
const WATCHLIST_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface ValidUniverseRequest {
  /** The listed tickers, upper-cased, in the order given; undefined when a watchlist is named. */
  readonly symbols: readonly string[] | undefined;
  /** The watchlist's name when one is named. */
  readonly watchlist: string | undefined;
  readonly query: ValidQuery;
  /** The query's sort key and limit as the engine resolves them (the defaults for unset fields). */
  readonly sort: SortKey;
  readonly limit: number;
  readonly perSymbolLimit: number;
  readonly bypassCache: boolean;
}

export function validUniverseRequest(request: ScanUniverseRequest): ValidUniverseRequest {
  const violations: FieldViolation[] = [];
  const named = request.watchlist !== "";
  const listed = request.symbols.length > 0;
  if (named === listed) {
    const description = named ? "must be empty when symbols are listed: set exactly one of symbols and watchlist" : "set exactly one of symbols and watchlist";
    violations.push({ field: named ? "watchlist" : "symbols", description });
  }
  if (named && !WATCHLIST_NAME.test(request.watchlist)) {
    violations.push({
      field: "watchlist",
      description: `must be a watchlist's name: 1 to 64 letters, digits, "-", "_" or "."; got ${JSON.stringify(request.watchlist.slice(0, 80))}`,
    });
  }
  const symbols = listed ? listedSymbols(request.symbols, violations) : undefined;
  if (request.perSymbolLimit > MAX_LIMIT) {
    violations.push({ field: "per_symbol_limit", description: `must be at most ${MAX_LIMIT} spreads (0 for no cap); got ${request.perSymbolLimit}` });
  }
  const query = collect(violations, () => validQuery(request.query));
  if (violations.length > 0 || query === undefined) throw invalidArgument(violations);
  const { sort, limit } = resolveQuery(query.query);
  return {
    symbols,
    watchlist: named ? request.watchlist : undefined,
    query,
    sort,
    limit,
    perSymbolLimit: request.perSymbolLimit,
    bypassCache: request.bypassCache,
  };
}

/** The listed tickers, each checked and named once; past the bound none is looked at (a 4 MiB request holds a million). */
function listedSymbols(raw: readonly string[], violations: FieldViolation[]): string[] {
  if (raw.length > MAX_UNIVERSE_SYMBOLS) {
    violations.push({ field: "symbols", description: `must name at most ${MAX_UNIVERSE_SYMBOLS} symbols; got ${raw.length}` });
    return [];
  }
  const firstIndex = new Map<string, number>();
  const symbols: string[] = [];
  raw.forEach((entry, index) => {
    const symbol = collect(violations, () => tickerOf(entry, `symbols[${index}]`));
    if (symbol === undefined) return;
    const first = firstIndex.get(symbol);
    if (first !== undefined) {
      violations.push({ field: `symbols[${index}]`, description: `repeats symbols[${first}] (${symbol}); name each symbol once` });
      return;
    }
    firstIndex.set(symbol, index);
    symbols.push(symbol);
  });
  return symbols;
}

// What WatchlistService accepts from the wire: names, symbol lists and page tokens, each
// refused with a field violation naming what is wrong.
import { invalidArgument, RpcError, type FieldViolation } from "../../common/errors.js";
import { tickerOf } from "../../common/ticker.js";
import { namePageTokens } from "../storage/name-page-tokens.js";

export const MAX_WATCHLIST_SYMBOLS = 500;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The name as given (names are case-sensitive); throws INVALID_ARGUMENT naming `field`. */
export function watchlistNameOf(raw: string, field: string): string {
  if (!NAME.test(raw)) {
    throw invalidArgument([{ field, description: `must be 1 to 64 letters, digits, ".", "_" or "-"; got ${JSON.stringify(raw.slice(0, 80))}` }]);
  }
  return raw;
}

/**
 * The symbols upper-cased, each once in the order first given: a repeat (SPY and spy) is
 * folded into the first rather than refused, as the list means a set of underlyings in an
 * order. Throws INVALID_ARGUMENT naming each bad entry (`field[i]`) or the list's size.
 */
export function watchlistSymbolsOf(raw: readonly string[], field: string): string[] {
  if (raw.length === 0 || raw.length > MAX_WATCHLIST_SYMBOLS) {
    throw invalidArgument([{ field, description: `must hold 1 to ${MAX_WATCHLIST_SYMBOLS} symbols; got ${raw.length}` }]);
  }
  const violations: FieldViolation[] = [];
  const symbols = new Set<string>();
  raw.forEach((entry, index) => {
    try {
      symbols.add(tickerOf(entry, `${field}[${index}]`));
    } catch (error) {
      if (!(error instanceof RpcError) || !error.details.fieldViolations) throw error;
      violations.push(...error.details.fieldViolations);
    }
  });
  if (violations.length > 0) throw invalidArgument(violations);
  return [...symbols];
}

const PAGE_TOKENS = namePageTokens("w1", "ListWatchlists");

/** The token that resumes a list after the watchlist named `name`. Opaque to callers. */
export const pageTokenAfter = (name: string): string => PAGE_TOKENS.after(name);

/** The name a page token resumes after ("" for none); throws INVALID_ARGUMENT for a token we never gave. */
export const nameAfterToken = (token: string): string => PAGE_TOKENS.nameAfter(token);

// Tickers as both services accept them: upper-cased, 1 to 10 letters, digits or dots (BRK.B).
import { invalidArgument } from "./errors.js";

const TICKER = /^[A-Z][A-Z0-9.]{0,9}$/;

/** The ticker in `raw`, upper-cased; throws INVALID_ARGUMENT naming `field` when it is not one. */
export function tickerOf(raw: string, field = "symbol"): string {
  const symbol = raw.trim().toUpperCase();
  if (!TICKER.test(symbol)) {
    throw invalidArgument([
      { field, description: `must be a ticker of 1 to 10 letters, digits or dots, starting with a letter; got ${JSON.stringify(raw.slice(0, 40))}` },
    ]);
  }
  return symbol;
}

// What one expiration says of the coming move (scan_result.proto, ExpiryContext): its
// at-the-money strike and σ as PROBABILITY_MODEL_EXPIRY_ATM_IV picks them, whatever the
// query, and the expected move read two ways: the at-the-money straddle's price, and one
// standard deviation S·σ·√T.
import type { ExpiryContext } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { AtTheMoneyQuotes } from "../at-the-money-peek.js";
import { atTheMoneyVolatility } from "../expiry-volatility.js";
import type { ExpirySlice, LegTable } from "../prepared-chain.js";
import { lowerBound } from "../strike-search.js";
import { forward } from "../terminal-distribution.js";

/** The chain's market, as the expected moves need it. */
export interface ContextMarket {
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
}

/** Every quote the chain kept is usable here: the context does not depend on a query's max_quote_age. */
const ANY_QUOTE_TIME = -Infinity;

export function expiryContext(market: ContextMarket, expiry: ExpirySlice): ExpiryContext {
  const forwardPrice = forward(market.spot, market.rate, market.dividendYield, expiry.years);
  // An expiration left to be built on read answers without building its columns.
  const atTheMoney = expiry.peekAtTheMoney?.(forwardPrice) ?? fromColumns(expiry, forwardPrice);
  const known = !Number.isNaN(atTheMoney.volatility);
  const straddle = known ? atTheMoney.callMid + atTheMoney.putMid : Number.NaN;
  return {
    expiryDate: expiry.expiryDate,
    dte: expiry.dte,
    timeToExpiryYears: expiry.years,
    atmStrike: known ? atTheMoney.strike : undefined,
    atmImpliedVolatility: known ? atTheMoney.volatility : undefined,
    straddleExpectedMove: Number.isNaN(straddle) ? undefined : straddle,
    oneSigmaExpectedMove: known ? market.spot * atTheMoney.volatility * Math.sqrt(Math.max(0, expiry.years)) : undefined,
    // The events helper fills these; unknown events leave them absent.
    earningsBeforeExpiry: undefined,
    exDividendBeforeExpiry: undefined,
  };
}

/** The at-the-money quotes as the built columns give them. */
function fromColumns(expiry: ExpirySlice, forwardPrice: number): AtTheMoneyQuotes {
  const { volatility, strike } = atTheMoneyVolatility(expiry, forwardPrice, ANY_QUOTE_TIME);
  const known = !Number.isNaN(volatility);
  return { strike, volatility, callMid: known ? midAt(expiry.calls, strike) : Number.NaN, putMid: known ? midAt(expiry.puts, strike) : Number.NaN };
}

/** The mid of the side's quote at `strike`; NaN when the side has none there (a prepared side holds only usable quotes). */
function midAt(table: LegTable, strike: number): number {
  const at = lowerBound(table.strike, table.count, strike, 0);
  return at < table.count && table.strike[at] === strike ? (table.mid[at] as number) : Number.NaN;
}

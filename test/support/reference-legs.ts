// The reference scanner's legs: every quote the definitions allow as a leg, by expiration,
// with its implied volatility and delta (the chain's, or computed from its mid) and its fill
// prices under the query's pricing.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { CALL, impliedVolatility, optionGreeks, PUT } from "../../services/engine/black-scholes.js";
import { epochDay, expiryInstant, MS_PER_YEAR, newYorkDate } from "../../services/engine/new-york-time.js";

export interface Leg {
  isCall: boolean;
  strike: number;
  bid: number;
  ask: number;
  mid: number;
  sell: number;
  buy: number;
  iv: number;
  delta: number;
  openInterest: number;
  volume: number;
  quoteTimeMs: number;
}

export interface Expiry {
  date: string;
  dte: number;
  years: number;
  calls: Leg[];
  puts: Leg[];
}

/** The legs of a chain by expiration, earliest first, each side by ascending strike; `natural` fills at bid and ask. */
export function referenceExpiries(chain: OptionChain, natural: boolean): Expiry[] {
  const spot = chain.underlyingPrice;
  const { rate, dividendYield: q } = chain;
  const asOfMs = (chain.asOf as Date).getTime();
  const asOfDay = epochDay(newYorkDate(chain.asOf as Date));

  // The legs, by expiry, exactly as the definitions allow them.
  const byExpiry = new Map<string, Expiry>();
  const seen = new Set<string>();
  for (const quote of chain.quotes) {
    const isCall = quote.right === OptionRight.OPTION_RIGHT_CALL;
    if (!isCall && quote.right !== OptionRight.OPTION_RIGHT_PUT) continue;
    const day = epochDay(quote.expiryDate);
    if (Number.isNaN(day) || !(quote.strike > 0) || !Number.isFinite(quote.strike)) continue;
    const closeMs = expiryInstant(quote.expiryDate).getTime();
    if (day < asOfDay || closeMs <= asOfMs) continue;
    const key = `${quote.expiryDate}|${quote.strike}|${quote.right}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!(Number.isFinite(quote.bid) && Number.isFinite(quote.ask) && quote.bid > 0 && quote.ask > quote.bid)) continue;
    const years = (closeMs - asOfMs) / MS_PER_YEAR;
    const market = { spot, rate, dividendYield: q, years };
    const mid = (quote.bid + quote.ask) / 2;
    const iv =
      quote.impliedVolatility && quote.impliedVolatility > 0 ? quote.impliedVolatility : impliedVolatility(isCall ? CALL : PUT, quote.strike, mid, market);
    if (Number.isNaN(iv)) continue;
    const delta = quote.greeks
      ? quote.greeks.delta
      : optionGreeks(isCall ? CALL : PUT, quote.strike, iv, market, { delta: 0, gamma: 0, theta: 0, vega: 0 }).delta;
    const expiry = byExpiry.get(quote.expiryDate) ?? { date: quote.expiryDate, dte: day - asOfDay, years, calls: [], puts: [] };
    byExpiry.set(quote.expiryDate, expiry);
    (isCall ? expiry.calls : expiry.puts).push({
      isCall,
      strike: quote.strike,
      bid: quote.bid,
      ask: quote.ask,
      mid,
      sell: natural ? quote.bid : mid,
      buy: natural ? quote.ask : mid,
      iv,
      delta,
      openInterest: Number(quote.openInterest),
      volume: Number(quote.volume),
      quoteTimeMs: quote.quoteTime ? quote.quoteTime.getTime() : Number.NaN,
    });
  }
  const expiries = [...byExpiry.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  for (const expiry of expiries) {
    expiry.calls.sort((a, b) => a.strike - b.strike);
    expiry.puts.sort((a, b) => a.strike - b.strike);
  }
  return expiries;
}

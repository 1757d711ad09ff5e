// The chain preparation as plainly as it can be written, to check the engine's columnar one
// against: one quote at a time, expirations in a Map, duplicates in a Set, each side sorted by
// a comparator, every column pushed to a plain array. Slow and obviously right. It shares the
// engine's Black–Scholes (tested on its own in black-scholes.test.ts) and its New York
// calendar, not its preparation.
import type { OptionChain, OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SkipReason } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, impliedVolatility, optionGreeks, PUT, type MarketInputs } from "../../services/engine/black-scholes.js";
import { epochDay, expiryInstant, MS_PER_YEAR, newYorkDate } from "../../services/engine/new-york-time.js";

export interface ReferenceLeg {
  strike: number;
  logStrike: number;
  bid: number;
  ask: number;
  mid: number;
  impliedVolatility: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  openInterest: number;
  volume: number;
  quoteTimeMs: number;
  brokerContractId: number;
  /** 1: IV solved here; 2: greeks computed here. */
  computed: number;
}

export interface ReferenceExpiry {
  expiryDate: string;
  dte: number;
  years: number;
  calls: ReferenceLeg[];
  puts: ReferenceLeg[];
}

export interface ReferencePrepared {
  expiries: ReferenceExpiry[];
  /** Count per SkipReason, only the non-zero ones. */
  skipped: Map<number, number>;
  quotesWithComputedGreeks: number;
}

const usable = (value: number): boolean => Number.isFinite(value) && value >= 0;

/** The reason a quote can never be a leg, checked in the definitions' order, after duplicates. */
function priceProblem(quote: OptionQuote): SkipReason | undefined {
  if (!usable(quote.bid) || !usable(quote.ask)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  if (quote.impliedVolatility !== undefined && !usable(quote.impliedVolatility)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  const greeks = quote.greeks;
  if (greeks && [greeks.delta, greeks.gamma, greeks.theta, greeks.vega].some((value) => !Number.isFinite(value))) return SkipReason.SKIP_REASON_INVALID_PRICE;
  if (quote.bid === 0) return SkipReason.SKIP_REASON_NO_BID;
  if (quote.ask === 0) return SkipReason.SKIP_REASON_NO_ASK;
  if (quote.bid > quote.ask) return SkipReason.SKIP_REASON_CROSSED;
  if (quote.bid === quote.ask) return SkipReason.SKIP_REASON_LOCKED;
  return undefined;
}

/** Prepares a chain whose chain-wide fields are valid (the engine refuses the others). */
export function referencePrepare(chain: OptionChain): ReferencePrepared {
  const asOfMs = (chain.asOf as Date).getTime();
  const asOfDay = epochDay(newYorkDate(chain.asOf as Date));
  const skipped = new Map<number, number>();
  const skip = (reason: SkipReason): void => void skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  const sides = new Map<string, { calls: OptionQuote[]; puts: OptionQuote[] }>();
  const seen = new Set<string>();
  for (const quote of chain.quotes) {
    const isCall = quote.right === OptionRight.OPTION_RIGHT_CALL;
    const day = epochDay(quote.expiryDate);
    if (!isCall && quote.right !== OptionRight.OPTION_RIGHT_PUT) skip(SkipReason.SKIP_REASON_UNKNOWN_RIGHT);
    else if (Number.isNaN(day)) skip(SkipReason.SKIP_REASON_INVALID_EXPIRY_DATE);
    else if (!(Number.isFinite(quote.strike) && quote.strike > 0)) skip(SkipReason.SKIP_REASON_INVALID_STRIKE);
    else if (day < asOfDay || expiryInstant(quote.expiryDate).getTime() <= asOfMs) skip(SkipReason.SKIP_REASON_EXPIRED);
    else if (seen.has(`${quote.expiryDate} ${quote.right} ${quote.strike}`)) skip(SkipReason.SKIP_REASON_DUPLICATE_CONTRACT);
    else {
      seen.add(`${quote.expiryDate} ${quote.right} ${quote.strike}`);
      const problem = priceProblem(quote);
      if (problem !== undefined) skip(problem);
      else {
        const side = sides.get(quote.expiryDate) ?? { calls: [], puts: [] };
        sides.set(quote.expiryDate, side);
        (isCall ? side.calls : side.puts).push(quote);
      }
    }
  }
  let quotesWithComputedGreeks = 0;
  const expiries: ReferenceExpiry[] = [];
  for (const expiryDate of [...sides.keys()].sort()) {
    const side = sides.get(expiryDate) as { calls: OptionQuote[]; puts: OptionQuote[] };
    const years = (expiryInstant(expiryDate).getTime() - asOfMs) / MS_PER_YEAR;
    const market: MarketInputs = { spot: chain.underlyingPrice, rate: chain.rate, dividendYield: chain.dividendYield, years };
    const legs = (quotes: OptionQuote[], sign: typeof CALL | typeof PUT): ReferenceLeg[] =>
      [...quotes]
        .sort((a, b) => a.strike - b.strike)
        .flatMap((quote) => {
          const mid = (quote.bid + quote.ask) / 2;
          let computed = 0;
          let volatility = quote.impliedVolatility ?? 0;
          if (!(volatility > 0)) {
            volatility = impliedVolatility(sign, quote.strike, mid, market);
            computed |= 1;
            if (Number.isNaN(volatility)) {
              skip(SkipReason.SKIP_REASON_NO_IMPLIED_VOLATILITY);
              return [];
            }
          }
          let greeks = quote.greeks;
          if (!greeks) {
            greeks = optionGreeks(sign, quote.strike, volatility, market, { delta: 0, gamma: 0, theta: 0, vega: 0 });
            computed |= 2;
          }
          if (computed !== 0) quotesWithComputedGreeks++;
          return [
            {
              strike: quote.strike,
              logStrike: Math.log(quote.strike),
              bid: quote.bid,
              ask: quote.ask,
              mid,
              impliedVolatility: volatility,
              delta: greeks.delta,
              gamma: greeks.gamma,
              theta: greeks.theta,
              vega: greeks.vega,
              openInterest: quote.openInterestUnknown ? Number.NaN : Number(quote.openInterest),
              volume: Number(quote.volume),
              quoteTimeMs: quote.quoteTime ? quote.quoteTime.getTime() : Number.NaN,
              brokerContractId: Number(quote.brokerContractId),
              computed,
            },
          ];
        });
    expiries.push({ expiryDate, dte: epochDay(expiryDate) - asOfDay, years, calls: legs(side.calls, CALL), puts: legs(side.puts, PUT) });
  }
  return { expiries, skipped, quotesWithComputedGreeks };
}

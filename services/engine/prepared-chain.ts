// A chain checked and indexed once, so that any number of queries can scan it: per
// expiration, calls and puts in ascending strike order as columns of typed arrays.
import type { OptionChain, OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SkipReason } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, impliedVolatility, optionGreeks, PUT, type MarketInputs, type OptionGreeks } from "./black-scholes.js";
import { EngineInputError, type InputViolation } from "./input-errors.js";
import { epochDay, expiryInstant, MS_PER_YEAR, newYorkDate } from "./new-york-time.js";
import { newSkipCounts, type SkipCounts } from "./skip-reasons.js";

export const IV_COMPUTED = 1;
export const GREEKS_COMPUTED = 2;

/** One side (calls or puts) of one expiration, sorted by strike. Prices per share. */
export interface LegTable {
  readonly count: number;
  readonly strike: Float64Array;
  /** ln(strike), for the lognormal formulas. */
  readonly logStrike: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly mid: Float64Array;
  readonly impliedVolatility: Float64Array;
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly theta: Float64Array;
  readonly vega: Float64Array;
  readonly openInterest: Float64Array;
  readonly volume: Float64Array;
  /** Epoch milliseconds of the quote time; NaN when the quote has none. */
  readonly quoteTimeMs: Float64Array;
  /** The broker's contract id (IBKR conId), 0 when none. */
  readonly brokerContractId: Float64Array;
  /** IV_COMPUTED | GREEKS_COMPUTED bits. */
  readonly computed: Uint8Array;
}

export interface ExpirySlice {
  readonly expiryDate: string;
  /** Calendar days from the chain's as-of date in New York. */
  readonly dte: number;
  /** From the as-of instant to 16:00 New York time on the expiry date, years of 365 days. */
  readonly years: number;
  readonly calls: LegTable;
  readonly puts: LegTable;
}

export interface PreparedChain {
  readonly symbol: string;
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
  /** Shares per contract. */
  readonly multiplier: number;
  readonly asOfMs: number;
  readonly delayed: boolean;
  /** The quotes are the last ones from before the market closed, not live. */
  readonly frozen: boolean;
  /** Ascending by expiry date. */
  readonly expiries: readonly ExpirySlice[];
  /** Quotes that can never form a leg, by reason (staleness is judged per query). */
  readonly skipped: SkipCounts;
  readonly quotesWithComputedGreeks: number;
}

/**
 * Quotes a chain may hold: a full SPY chain has about 15,000. The 4 MiB message limit alone
 * would let through 200,000 bare quotes, each costing the store and every scan.
 */
export const MAX_CHAIN_QUOTES = 100_000;
const MAX_SOURCE_LENGTH = 64;
const MAX_QUOTE_VIOLATIONS = 20;
const PRINTABLE = /^[\p{L}\p{N}\p{P}\p{S} ]*$/u;

/** The range google.protobuf.Timestamp defines: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. */
const EARLIEST_TIMESTAMP_MS = -62_135_596_800_000;
const LATEST_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const TIMESTAMP_RANGE = "must be a time from 0001-01-01 to 9999-12-31 UTC, as google.protobuf.Timestamp allows";

/** Any int64 of seconds is valid on the wire; one past JavaScript's dates decodes to an Invalid Date, which fails this too. */
function withinTimestampRange(time: Date): boolean {
  const ms = time.getTime();
  return ms >= EARLIEST_TIMESTAMP_MS && ms <= LATEST_TIMESTAMP_MS;
}

/** What makes a chain as a whole unusable, one violation per field (relative to the chain). */
export function chainViolations(chain: OptionChain): InputViolation[] {
  const violations: InputViolation[] = [];
  if (!(Number.isFinite(chain.underlyingPrice) && chain.underlyingPrice > 0)) {
    violations.push({ field: "underlying_price", description: "must be a positive finite price" });
  }
  if (!chain.asOf) {
    violations.push({ field: "as_of", description: "must be set: DTE and time to expiry are measured from it" });
  } else if (!withinTimestampRange(chain.asOf)) {
    violations.push({ field: "as_of", description: TIMESTAMP_RANGE });
  }
  if (!(Number.isFinite(chain.rate) && Math.abs(chain.rate) < 1)) {
    violations.push({ field: "rate", description: "must be a finite annualised fraction between -1 and 1" });
  }
  if (!(Number.isFinite(chain.dividendYield) && chain.dividendYield >= 0 && chain.dividendYield < 1)) {
    violations.push({ field: "dividend_yield", description: "must be a finite annualised fraction from 0 to 1" });
  }
  if (chain.multiplier > 100_000) {
    violations.push({ field: "multiplier", description: "must be at most 100000 shares per contract" });
  }
  if (chain.source.length > MAX_SOURCE_LENGTH || !PRINTABLE.test(chain.source)) {
    violations.push({ field: "source", description: `must be at most ${MAX_SOURCE_LENGTH} printable characters, like "ibkr" or "file"` });
  }
  if (chain.quotes.length > MAX_CHAIN_QUOTES) {
    violations.push({ field: "quotes", description: `must hold at most ${MAX_CHAIN_QUOTES} quotes; got ${chain.quotes.length}` });
    return violations;
  }
  // A bad quote is skipped and counted, but not one that cannot even be encoded again.
  const firstQuoteViolation = violations.length;
  for (let index = 0; index < chain.quotes.length && violations.length - firstQuoteViolation < MAX_QUOTE_VIOLATIONS; index++) {
    const quoteTime = chain.quotes[index]?.quoteTime;
    if (quoteTime && !withinTimestampRange(quoteTime)) violations.push({ field: `quotes[${index}].quote_time`, description: TIMESTAMP_RANGE });
  }
  return violations;
}

const finiteNonNegative = (value: number): boolean => Number.isFinite(value) && value >= 0;

/** Why a quote cannot be a leg whatever the query, or UNSPECIFIED when it can. */
function marketProblem(quote: OptionQuote): SkipReason {
  if (!finiteNonNegative(quote.bid) || !finiteNonNegative(quote.ask)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  if (quote.impliedVolatility !== undefined && !finiteNonNegative(quote.impliedVolatility)) {
    return SkipReason.SKIP_REASON_INVALID_PRICE;
  }
  const greeks = quote.greeks;
  if (greeks && ![greeks.delta, greeks.gamma, greeks.theta, greeks.vega].every(Number.isFinite)) {
    return SkipReason.SKIP_REASON_INVALID_PRICE;
  }
  if (quote.bid === 0) return SkipReason.SKIP_REASON_NO_BID;
  if (quote.ask === 0) return SkipReason.SKIP_REASON_NO_ASK;
  if (quote.bid > quote.ask) return SkipReason.SKIP_REASON_CROSSED;
  if (quote.bid === quote.ask) return SkipReason.SKIP_REASON_LOCKED;
  return SkipReason.SKIP_REASON_UNSPECIFIED;
}

interface ExpiryGroup {
  /** Days since 1970-01-01 of the expiry date; NaN when the date is not a real one. */
  readonly epochDay: number;
  /** 16:00 New York on the expiry date, epoch milliseconds (NaN for a bad date). */
  readonly closeMs: number;
  readonly calls: number[];
  readonly puts: number[];
  /** Strikes seen per side, to find duplicate contracts. */
  readonly callStrikes: Set<number>;
  readonly putStrikes: Set<number>;
}

/**
 * Checks and indexes a chain. Throws EngineInputError when the chain as a whole is unusable;
 * bad rows are skipped and counted by reason, never thrown.
 */
export function prepareChain(chain: OptionChain): PreparedChain {
  const violations = chainViolations(chain);
  if (violations.length > 0) throw new EngineInputError(violations);
  const asOfMs = (chain.asOf as Date).getTime();
  const asOfDay = epochDay(newYorkDate(chain.asOf as Date));
  const skipped = newSkipCounts();
  // Quotes are grouped by expiry first: date arithmetic then runs once per expiry, not once
  // per quote, and duplicates are found by strike within their side.
  const groups = new Map<string, ExpiryGroup>();

  chain.quotes.forEach((quote, index) => {
    let group = groups.get(quote.expiryDate);
    if (!group) {
      const day = epochDay(quote.expiryDate);
      group = {
        epochDay: day,
        closeMs: Number.isNaN(day) ? Number.NaN : expiryInstant(quote.expiryDate).getTime(),
        calls: [],
        puts: [],
        callStrikes: new Set(),
        putStrikes: new Set(),
      };
      groups.set(quote.expiryDate, group);
    }
    const isCall = quote.right === OptionRight.OPTION_RIGHT_CALL;
    let reason = SkipReason.SKIP_REASON_UNSPECIFIED;
    if (!isCall && quote.right !== OptionRight.OPTION_RIGHT_PUT) {
      reason = SkipReason.SKIP_REASON_UNKNOWN_RIGHT;
    } else if (Number.isNaN(group.epochDay)) {
      reason = SkipReason.SKIP_REASON_INVALID_EXPIRY_DATE;
    } else if (!(Number.isFinite(quote.strike) && quote.strike > 0)) {
      reason = SkipReason.SKIP_REASON_INVALID_STRIKE;
    } else if (group.epochDay < asOfDay || group.closeMs <= asOfMs) {
      reason = SkipReason.SKIP_REASON_EXPIRED;
    } else {
      const strikes = isCall ? group.callStrikes : group.putStrikes;
      if (strikes.has(quote.strike)) reason = SkipReason.SKIP_REASON_DUPLICATE_CONTRACT;
      else {
        strikes.add(quote.strike);
        reason = marketProblem(quote);
      }
    }
    if (reason !== SkipReason.SKIP_REASON_UNSPECIFIED) {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
      return;
    }
    (isCall ? group.calls : group.puts).push(index);
  });

  let quotesWithComputedGreeks = 0;
  const expiries: ExpirySlice[] = [];
  for (const expiryDate of [...groups.keys()].sort()) {
    const group = groups.get(expiryDate) as ExpiryGroup;
    if (group.calls.length === 0 && group.puts.length === 0) continue;
    const market: MarketInputs = {
      spot: chain.underlyingPrice,
      rate: chain.rate,
      dividendYield: chain.dividendYield,
      years: (group.closeMs - asOfMs) / MS_PER_YEAR,
    };
    const calls = buildLegTable(chain.quotes, group.calls, CALL, market, skipped);
    const puts = buildLegTable(chain.quotes, group.puts, PUT, market, skipped);
    quotesWithComputedGreeks += countComputed(calls) + countComputed(puts);
    expiries.push({ expiryDate, dte: group.epochDay - asOfDay, years: market.years, calls, puts });
  }

  return {
    symbol: chain.symbol,
    spot: chain.underlyingPrice,
    rate: chain.rate,
    dividendYield: chain.dividendYield,
    multiplier: chain.multiplier === 0 ? 100 : chain.multiplier,
    asOfMs,
    delayed: chain.delayed,
    frozen: chain.frozen,
    expiries,
    skipped,
    quotesWithComputedGreeks,
  };
}

function countComputed(table: LegTable): number {
  let count = 0;
  for (let leg = 0; leg < table.count; leg++) if (table.computed[leg] !== 0) count++;
  return count;
}

function buildLegTable(quotes: readonly OptionQuote[], indices: number[], sign: typeof CALL | typeof PUT, market: MarketInputs, skipped: SkipCounts): LegTable {
  indices.sort((a, b) => (quotes[a] as OptionQuote).strike - (quotes[b] as OptionQuote).strike);
  const capacity = indices.length;
  const table = {
    count: 0,
    strike: new Float64Array(capacity),
    logStrike: new Float64Array(capacity),
    bid: new Float64Array(capacity),
    ask: new Float64Array(capacity),
    mid: new Float64Array(capacity),
    impliedVolatility: new Float64Array(capacity),
    delta: new Float64Array(capacity),
    gamma: new Float64Array(capacity),
    theta: new Float64Array(capacity),
    vega: new Float64Array(capacity),
    openInterest: new Float64Array(capacity),
    volume: new Float64Array(capacity),
    quoteTimeMs: new Float64Array(capacity),
    brokerContractId: new Float64Array(capacity),
    computed: new Uint8Array(capacity),
  };
  const greeks: OptionGreeks = { delta: 0, gamma: 0, theta: 0, vega: 0 };
  let leg = 0;
  for (const index of indices) {
    const quote = quotes[index] as OptionQuote;
    const mid = 0.5 * (quote.bid + quote.ask);
    let computed = 0;
    let volatility = quote.impliedVolatility ?? 0;
    if (!(volatility > 0)) {
      volatility = impliedVolatility(sign, quote.strike, mid, market);
      computed |= IV_COMPUTED;
      if (Number.isNaN(volatility)) {
        skipped[SkipReason.SKIP_REASON_NO_IMPLIED_VOLATILITY] = (skipped[SkipReason.SKIP_REASON_NO_IMPLIED_VOLATILITY] ?? 0) + 1;
        continue;
      }
    }
    if (quote.greeks) {
      greeks.delta = quote.greeks.delta;
      greeks.gamma = quote.greeks.gamma;
      greeks.theta = quote.greeks.theta;
      greeks.vega = quote.greeks.vega;
    } else {
      optionGreeks(sign, quote.strike, volatility, market, greeks);
      computed |= GREEKS_COMPUTED;
    }
    table.strike[leg] = quote.strike;
    table.logStrike[leg] = Math.log(quote.strike);
    table.bid[leg] = quote.bid;
    table.ask[leg] = quote.ask;
    table.mid[leg] = mid;
    table.impliedVolatility[leg] = volatility;
    table.delta[leg] = greeks.delta;
    table.gamma[leg] = greeks.gamma;
    table.theta[leg] = greeks.theta;
    table.vega[leg] = greeks.vega;
    // NaN: the source could not say (not the same as none open).
    table.openInterest[leg] = quote.openInterestUnknown ? Number.NaN : Number(quote.openInterest);
    table.volume[leg] = Number(quote.volume);
    table.quoteTimeMs[leg] = quote.quoteTime ? quote.quoteTime.getTime() : Number.NaN;
    table.brokerContractId[leg] = Number(quote.brokerContractId);
    table.computed[leg] = computed;
    leg++;
  }
  table.count = leg;
  return table;
}

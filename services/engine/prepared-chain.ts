// A chain checked and indexed once, so that any number of queries can scan it: per
// expiration, calls and puts in ascending strike order as columns of typed arrays.
import type { OptionChain, OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SkipReason } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, PUT, type MarketInputs } from "./black-scholes.js";
import { EngineInputError, type InputViolation } from "./input-errors.js";
import { epochDay, expiryInstant, MS_PER_YEAR, newYorkDate } from "./new-york-time.js";
import { bucketQuotes, buildLegTable, countSkip, type LegTable, type QuoteFacts } from "./leg-tables.js";
import { newSkipCounts, type SkipCounts } from "./skip-reasons.js";

export { GREEKS_COMPUTED, IV_COMPUTED, type LegTable } from "./leg-tables.js";

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

/** Any int64 of seconds is valid on the wire; one past JavaScript's dates decodes to an Invalid Date (NaN), which fails this too. */
function withinTimestampRange(ms: number): boolean {
  return ms >= EARLIEST_TIMESTAMP_MS && ms <= LATEST_TIMESTAMP_MS;
}

/** What makes a chain as a whole unusable, one violation per field (relative to the chain). */
export function chainViolations(chain: OptionChain): InputViolation[] {
  const violations = chainFieldViolations(chain);
  if (chain.quotes.length <= MAX_CHAIN_QUOTES) {
    // A bad quote is skipped and counted, but not one that cannot even be encoded again.
    const quotes = chain.quotes;
    let found = 0;
    for (let index = 0; index < quotes.length && found < MAX_QUOTE_VIOLATIONS; index++) {
      const quoteTime = (quotes[index] as OptionQuote).quoteTime;
      if (quoteTime && !withinTimestampRange(quoteTime.getTime())) {
        violations.push(quoteTimeViolation(index));
        found++;
      }
    }
  }
  return violations;
}

/** The chain's own fields, and the number of its quotes (last). */
function chainFieldViolations(chain: OptionChain): InputViolation[] {
  const violations: InputViolation[] = [];
  if (!(Number.isFinite(chain.underlyingPrice) && chain.underlyingPrice > 0)) {
    violations.push({ field: "underlying_price", description: "must be a positive finite price" });
  }
  if (!chain.asOf) {
    violations.push({ field: "as_of", description: "must be set: DTE and time to expiry are measured from it" });
  } else if (!withinTimestampRange(chain.asOf.getTime())) {
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
  }
  return violations;
}

function quoteTimeViolation(index: number): InputViolation {
  return { field: `quotes[${index}].quote_time`, description: TIMESTAMP_RANGE };
}

const finiteNonNegative = (value: number): boolean => Number.isFinite(value) && value >= 0;

/** Why a quote cannot be a leg whatever its strike's place, or UNSPECIFIED when it can. */
function marketProblem(quote: OptionQuote): SkipReason {
  const bid = quote.bid;
  const ask = quote.ask;
  if (!finiteNonNegative(bid) || !finiteNonNegative(ask)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  const volatility = quote.impliedVolatility;
  if (volatility !== undefined && !finiteNonNegative(volatility)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  const greeks = quote.greeks;
  if (greeks && !(Number.isFinite(greeks.delta) && Number.isFinite(greeks.gamma) && Number.isFinite(greeks.theta) && Number.isFinite(greeks.vega))) {
    return SkipReason.SKIP_REASON_INVALID_PRICE;
  }
  if (bid === 0) return SkipReason.SKIP_REASON_NO_BID;
  if (ask === 0) return SkipReason.SKIP_REASON_NO_ASK;
  if (bid > ask) return SkipReason.SKIP_REASON_CROSSED;
  if (bid === ask) return SkipReason.SKIP_REASON_LOCKED;
  return SkipReason.SKIP_REASON_UNSPECIFIED;
}

/** The expirations the quotes name, each dated once: quotes of one expiration come in runs. */
class ExpiryGroups {
  readonly dates: string[] = [];
  /** Days since 1970-01-01 of each expiry date; NaN when the date is not a real one. */
  readonly epochDays: number[] = [];
  /** 16:00 New York on each expiry date, epoch milliseconds (NaN for a bad date). */
  readonly closeMs: number[] = [];
  private readonly byDate = new Map<string, number>();
  private lastDate: string | undefined;
  private lastGroup = -1;

  groupOf(date: string): number {
    if (date === this.lastDate) return this.lastGroup;
    let group = this.byDate.get(date);
    if (group === undefined) {
      group = this.dates.length;
      const day = epochDay(date);
      this.dates.push(date);
      this.epochDays.push(day);
      this.closeMs.push(Number.isNaN(day) ? Number.NaN : expiryInstant(date).getTime());
      this.byDate.set(date, group);
    }
    this.lastDate = date;
    this.lastGroup = group;
    return group;
  }
}

/**
 * Checks and indexes a chain. Throws EngineInputError when the chain as a whole is unusable;
 * bad rows are skipped and counted by reason, never thrown.
 */
export function prepareChain(chain: OptionChain): PreparedChain {
  const violations = chainFieldViolations(chain);
  if (violations.length > 0) throw new EngineInputError(chainViolations(chain));
  const asOfMs = (chain.asOf as Date).getTime();
  const asOfDay = epochDay(newYorkDate(chain.asOf as Date));
  const skipped = newSkipCounts();
  const quotes = chain.quotes;
  const count = quotes.length;
  const facts: QuoteFacts = {
    bucket: new Int32Array(count),
    strike: new Float64Array(count),
    quoteTimeMs: new Float64Array(count),
    marketProblem: new Uint8Array(count),
  };
  const groups = new ExpiryGroups();
  // One pass over the quotes: what can be judged of each alone, and its bucket (expiry, side).
  for (let index = 0; index < count; index++) {
    const quote = quotes[index] as OptionQuote;
    const quoteTime = quote.quoteTime;
    const quoteTimeMs = quoteTime ? quoteTime.getTime() : Number.NaN;
    if (quoteTime && !withinTimestampRange(quoteTimeMs) && violations.length < MAX_QUOTE_VIOLATIONS) violations.push(quoteTimeViolation(index));
    facts.quoteTimeMs[index] = quoteTimeMs;
    const group = groups.groupOf(quote.expiryDate);
    const right = quote.right;
    const strike = quote.strike;
    facts.strike[index] = strike;
    facts.bucket[index] = -1;
    const day = groups.epochDays[group] as number;
    let reason: SkipReason;
    if (right !== OptionRight.OPTION_RIGHT_CALL && right !== OptionRight.OPTION_RIGHT_PUT) reason = SkipReason.SKIP_REASON_UNKNOWN_RIGHT;
    else if (Number.isNaN(day)) reason = SkipReason.SKIP_REASON_INVALID_EXPIRY_DATE;
    else if (!(Number.isFinite(strike) && strike > 0)) reason = SkipReason.SKIP_REASON_INVALID_STRIKE;
    else if (day < asOfDay || (groups.closeMs[group] as number) <= asOfMs) reason = SkipReason.SKIP_REASON_EXPIRED;
    else {
      facts.bucket[index] = 2 * group + (right === OptionRight.OPTION_RIGHT_CALL ? 0 : 1);
      facts.marketProblem[index] = marketProblem(quote);
      continue;
    }
    countSkip(skipped, reason);
  }
  if (violations.length > 0) throw new EngineInputError(violations);

  const { order, start, kept } = bucketQuotes(facts, 2 * groups.dates.length, skipped);
  let quotesWithComputedGreeks = 0;
  const expiries: ExpirySlice[] = [];
  const byDate = groups.dates.map((date, group) => ({ date, group })).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const { date: expiryDate, group } of byDate) {
    const callsFrom = start[2 * group] as number;
    const putsFrom = start[2 * group + 1] as number;
    const keptCalls = kept[2 * group] as number;
    const keptPuts = kept[2 * group + 1] as number;
    if (keptCalls === 0 && keptPuts === 0) continue;
    const market: MarketInputs = {
      spot: chain.underlyingPrice,
      rate: chain.rate,
      dividendYield: chain.dividendYield,
      years: ((groups.closeMs[group] as number) - asOfMs) / MS_PER_YEAR,
    };
    const calls = buildLegTable(quotes, order.subarray(callsFrom, callsFrom + keptCalls), facts, CALL, market, skipped);
    const puts = buildLegTable(quotes, order.subarray(putsFrom, putsFrom + keptPuts), facts, PUT, market, skipped);
    quotesWithComputedGreeks += calls.computedLegs + puts.computedLegs;
    expiries.push({ expiryDate, dte: (groups.epochDays[group] as number) - asOfDay, years: market.years, calls: calls.table, puts: puts.table });
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

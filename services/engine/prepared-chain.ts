// A chain checked and indexed once, so that any number of queries can scan it: per
// expiration, calls and puts in ascending strike order as columns of typed arrays.
import type { EventCalendar, ImpliedVolatilityHistory, OptionChain, OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { peekAtTheMoney, type AtTheMoneyQuotes, type KeptQuotes } from "./at-the-money-peek.js";
import type { MarketInputs } from "./black-scholes.js";
import { EngineInputError, type InputViolation } from "./input-errors.js";
import { historyViolations } from "./market-context/history-violations.js";
import { bucketQuotes, buildLegTables, newColumns, type BuiltTables, type LegTable } from "./leg-tables.js";
import { eventCalendarViolations } from "./market-context/event-calendar-checks.js";
import { epochDay, MS_PER_YEAR, newYorkDate } from "./new-york-time.js";
import { ExpiryGroups, judgeQuotes, withinTimestampRange } from "./quote-facts.js";
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
  /**
   * The at-the-money quotes for a forward, every kept quote usable, read without building the
   * columns (at-the-money-peek.ts): the same answer the columns give. Undefined once the
   * columns are built (read them); only an expiration left to be built on read has it.
   */
  peekAtTheMoney?(forwardPrice: number): AtTheMoneyQuotes | undefined;
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
  /** The underlying's coming earnings and ex-dividend dates (OptionChain.events); absent: unknown. */
  readonly events?: EventCalendar | undefined;
  /** The underlying's daily implied volatility before the chain (OptionChain.implied_volatility_history); undefined when unknown. */
  readonly impliedVolatilityHistory: ImpliedVolatilityHistory | undefined;
}

/**
 * Quotes a chain may hold: a full SPY chain has about 15,000. The 4 MiB message limit alone
 * would let through 200,000 bare quotes, each costing the store and every scan.
 */
export const MAX_CHAIN_QUOTES = 100_000;
const MAX_SOURCE_LENGTH = 64;
const MAX_QUOTE_VIOLATIONS = 20;
const PRINTABLE = /^[\p{L}\p{N}\p{P}\p{S} ]*$/u;

/**
 * PRINTABLE's answer, without compiling its Unicode tables for text in printable ASCII (every
 * character from space to ~ is a letter, digit, punctuation, symbol or the space): that
 * compilation costs a one-shot process more than the rest of the chain's checks.
 */
function printable(text: string): boolean {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x20 || code > 0x7e) return PRINTABLE.test(text);
  }
  return true;
}

const TIMESTAMP_RANGE = "must be a time from 0001-01-01 to 9999-12-31 UTC, as google.protobuf.Timestamp allows";

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
  if (chain.source.length > MAX_SOURCE_LENGTH || !printable(chain.source)) {
    violations.push({ field: "source", description: `must be at most ${MAX_SOURCE_LENGTH} printable characters, like "ibkr" or "file"` });
  }
  violations.push(...eventCalendarViolations(chain.events));
  if (chain.quotes.length > MAX_CHAIN_QUOTES) {
    violations.push({ field: "quotes", description: `must hold at most ${MAX_CHAIN_QUOTES} quotes; got ${chain.quotes.length}` });
  }
  violations.push(...historyViolations(chain.impliedVolatilityHistory));
  return violations;
}

function quoteTimeViolation(index: number): InputViolation {
  return { field: `quotes[${index}].quote_time`, description: TIMESTAMP_RANGE };
}

/**
 * An expiration whose columns are built when first read. Only an expiration whose quotes all
 * carry implied volatility and greeks is left to be built so (buildNow for the others): its
 * building skips no quote and computes nothing, so the chain's counts do not wait for it.
 */
class ExpiryBuiltOnRead implements ExpirySlice {
  private tables: readonly (LegTable | undefined)[] | undefined;

  constructor(
    readonly expiryDate: string,
    readonly dte: number,
    readonly years: number,
    private readonly build: () => BuiltTables,
    private readonly kept: KeptQuotes,
    private readonly group: number,
  ) {}

  /** Only while unbuilt: an expiration built at once (a quote lacked IV or greeks) may have skipped a kept quote. */
  peekAtTheMoney(forwardPrice: number): AtTheMoneyQuotes | undefined {
    return this.tables === undefined ? peekAtTheMoney(this.kept, this.group, forwardPrice) : undefined;
  }

  get calls(): LegTable {
    return (this.tables ?? this.built())[0] as LegTable;
  }

  get puts(): LegTable {
    return (this.tables ?? this.built())[1] as LegTable;
  }

  /** Builds the columns now; the legs whose IV or greeks were computed doing it. */
  buildNow(): number {
    const { tables, computedLegs } = this.build();
    this.tables = tables;
    return computedLegs;
  }

  private built(): readonly (LegTable | undefined)[] {
    this.buildNow();
    return this.tables as readonly (LegTable | undefined)[];
  }
}

/** How a chain is prepared. */
export interface PrepareOptions {
  /**
   * Build an expiration's columns when they are first read, not before (a one-shot scan,
   * which reads only the expirations of its DTE range). The chain is the same either way:
   * an expiration with a quote lacking implied volatility or greeks is built at once, since
   * building it may skip a quote or compute its greeks, and the counts must say so.
   */
  readonly buildOnRead?: boolean;
}

/**
 * Checks and indexes a chain. Throws EngineInputError when the chain as a whole is unusable;
 * bad rows are skipped and counted by reason, never thrown.
 */
export function prepareChain(chain: OptionChain, options: PrepareOptions = {}): PreparedChain {
  const violations = chainFieldViolations(chain);
  if (violations.length > 0) throw new EngineInputError(chainViolations(chain));
  const asOfMs = (chain.asOf as Date).getTime();
  const asOfDay = epochDay(newYorkDate(chain.asOf as Date));
  const skipped = newSkipCounts();
  const quotes = chain.quotes;
  const groups = new ExpiryGroups();
  const facts = judgeQuotes(quotes, groups, asOfDay, asOfMs, skipped, MAX_QUOTE_VIOLATIONS);
  if (facts.badQuoteTimes.length > 0) throw new EngineInputError(facts.badQuoteTimes.map(quoteTimeViolation));

  const bucketed = bucketQuotes(facts, skipped);
  // An expiration with no quote left on either side is left out.
  const markets = groups.closeMs.map((closeMs, group): MarketInputs | undefined =>
    (bucketed.kept[2 * group] as number) + (bucketed.kept[2 * group + 1] as number) === 0
      ? undefined
      : { spot: chain.underlyingPrice, rate: chain.rate, dividendYield: chain.dividendYield, years: (closeMs - asOfMs) / MS_PER_YEAR },
  );
  const columns = newColumns(bucketed.order.length);
  const buckets = bucketed.kept.length;
  const build = (from: number, end: number) => buildLegTables(quotes, bucketed, facts, markets, skipped, columns, from, end);
  const incomplete = facts.bucketIncomplete;
  let computedLegs = 0;
  let tables: readonly (LegTable | undefined)[] = [];
  if (options.buildOnRead !== true) ({ tables, computedLegs } = build(0, buckets));
  const kept: KeptQuotes = { quotes, bucketed, strikes: facts.strike };
  const expiries: ExpirySlice[] = [];
  const byDate = groups.dates.map((date, group) => ({ date, group })).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const { date: expiryDate, group } of byDate) {
    const market = markets[group];
    if (market === undefined) continue;
    const dte = (groups.epochDays[group] as number) - asOfDay;
    if (options.buildOnRead !== true) {
      expiries.push({ expiryDate, dte, years: market.years, calls: tables[2 * group] as LegTable, puts: tables[2 * group + 1] as LegTable });
      continue;
    }
    const expiry = new ExpiryBuiltOnRead(expiryDate, dte, market.years, () => build(2 * group, 2 * group + 2), kept, group);
    if (incomplete[2 * group] === 1 || incomplete[2 * group + 1] === 1) computedLegs += expiry.buildNow();
    expiries.push(expiry);
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
    quotesWithComputedGreeks: computedLegs,
    events: chain.events,
    impliedVolatilityHistory: chain.impliedVolatilityHistory,
  };
}

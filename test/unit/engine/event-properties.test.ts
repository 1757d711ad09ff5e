// The event flags and the two exclude filters on random chains, calendars and queries: the
// engine's top N and its counts are the brute-force reference's (which leaves out the legs of
// an expiration with an event before it, test/support/reference-events.ts), and every spread's
// and every expiration's flags are what the reference reads from the calendar by its own
// arithmetic of instants.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CorporateEventKind, EventCalendar, EventTimeOfDay, OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { CALL, optionPrice, PUT } from "../../../services/engine/black-scholes.js";
import { scanChain } from "../../../services/engine/index.js";
import { ALL_STRATEGIES, SORT_KEYS } from "../../../services/engine/resolved-query.js";
import { referenceEarningsBefore, referenceExDividendBefore, referenceSpreadEventFlags } from "../../support/reference-events.js";
import { referenceCounts, referenceScan } from "../../support/reference-scanner.js";
import { expectRejectionsByFilter } from "../../support/rejections-check.js";
import { sortValueOf } from "../../support/sort-value.js";

const EXPIRIES = ["2026-11-27", "2026-12-04", "2026-12-18", "2027-01-15"];
const STRIKES = [90, 92.5, 95, 97.5, 100, 102.5, 105, 107.5, 110];
const TWO_EXPIRY = [Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_CALENDAR, Strategy.STRATEGY_CALL_DIAGONAL, Strategy.STRATEGY_PUT_DIAGONAL];
// Friday 20 November 2026 in New York (EST, UTC−5): 09:00 before the open, 10:00 after it, 17:00 after the close.
const AS_OFS = [new Date("2026-11-20T14:00:00Z"), new Date("2026-11-20T15:00:00Z"), new Date("2026-11-20T22:00:00Z")];
// Event dates around the as-of date and on and between the expirations.
const EVENT_DATES = ["2026-11-19", "2026-11-20", "2026-11-23", "2026-11-27", "2026-12-01", "2026-12-04", "2026-12-18", "2027-01-15", "2027-02-01"];

const eventArbitrary = fc.record({
  date: fc.constantFrom(...EVENT_DATES),
  kind: fc.constantFrom(
    CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS,
    CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND,
    CorporateEventKind.CORPORATE_EVENT_KIND_UNSPECIFIED,
  ),
  timeOfDay: fc.constantFrom(
    EventTimeOfDay.EVENT_TIME_OF_DAY_UNSPECIFIED,
    EventTimeOfDay.EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN,
    EventTimeOfDay.EVENT_TIME_OF_DAY_DURING_MARKET,
    EventTimeOfDay.EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE,
  ),
});

/** Unknown events a fifth of the time; otherwise up to three events (none: a known, clear calendar). */
const calendarArbitrary = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.array(eventArbitrary, { maxLength: 3 }).map((events) => EventCalendar.fromPartial({ source: "prop", events })), weight: 4 },
);

function quoteFor(asOf: Date, spot: number, expiry: string, strike: number, isCall: boolean, volatility: number): OptionQuote {
  const years = (Date.parse(`${expiry}T21:00:00Z`) - asOf.getTime()) / (365 * 86_400_000);
  const price = optionPrice(isCall ? CALL : PUT, strike, volatility, { spot, rate: 0.04, dividendYield: 0.01, years });
  const bid = Math.max(0.01, Math.round((price - 0.02) * 100) / 100);
  const ask = Math.max(bid + 0.01, Math.round((price + 0.02) * 100) / 100);
  const delta = isCall ? 0.5 + (spot - strike) / 40 : -0.5 + (spot - strike) / 40;
  return OptionQuote.fromPartial({
    expiryDate: expiry,
    strike,
    right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    bid,
    ask,
    volume: 10n,
    openInterest: 100n,
    impliedVolatility: volatility,
    greeks: { delta: Math.max(-1, Math.min(1, delta)), gamma: 0.02, theta: -0.02, vega: 0.1 },
  });
}

const chainArbitrary = fc
  .record({
    asOf: fc.constantFrom(...AS_OFS),
    spot: fc.double({ min: 95, max: 105, noNaN: true }),
    expiries: fc.subarray(EXPIRIES, { minLength: 2, maxLength: 3 }),
    strikes: fc.subarray(STRIKES, { minLength: 4 }),
    volatilities: fc.array(fc.double({ min: 0.12, max: 0.6, noNaN: true }), { minLength: 2 * 3 * STRIKES.length, maxLength: 2 * 3 * STRIKES.length }),
    events: calendarArbitrary,
  })
  .map(({ asOf, spot, expiries, strikes, volatilities, events }) => {
    const quotes: OptionQuote[] = [];
    let next = 0;
    for (const expiry of expiries) {
      for (const strike of strikes)
        for (const isCall of [false, true]) quotes.push(quoteFor(asOf, spot, expiry, strike, isCall, volatilities[next++] as number));
    }
    return OptionChain.fromPartial({ symbol: "EVT", underlyingPrice: spot, asOf, rate: 0.04, dividendYield: 0.01, multiplier: 100, quotes, events });
  });

const queryArbitrary = fc
  .record({
    strategies: fc.subarray([...ALL_STRATEGIES, ...TWO_EXPIRY], { minLength: 1 }),
    excludeEarningsBeforeExpiry: fc.option(fc.boolean(), { nil: undefined }),
    excludeExDividendBeforeExpiry: fc.option(fc.boolean(), { nil: undefined }),
    sort: fc.constantFrom(...SORT_KEYS),
    limit: fc.integer({ min: 1, max: 25 }),
  })
  .map(({ strategies, excludeEarningsBeforeExpiry, excludeExDividendBeforeExpiry, sort, limit }) =>
    ScanQuery.fromPartial({
      strategies,
      sort,
      limit,
      pricing: PricingMode.PRICING_MODE_MID,
      filters: { minDte: 0, maxDte: 60, excludeEarningsBeforeExpiry, excludeExDividendBeforeExpiry },
    }),
  );

// Calendars' figures come from numerical integration, to 1e-6 relative (docs/architecture.md):
// the engine's and the reference's integrations may differ by that much.
const close = (a: number, b: number, tolerance: number): boolean => a === b || Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));

describe("earnings and ex-dividend dates on random chains and queries", () => {
  it("flag every spread and expiration as the reference reads the calendar, and filter to exactly the reference's top N and counts", () => {
    let leftOutRuns = 0;
    let flaggedRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, queryArbitrary, (chain, query) => {
        const result = scanChain(chain, query);
        const applied = result.effectiveQuery as ScanQuery;
        const reference = referenceScan(chain, applied);
        const counts = referenceCounts(chain, applied);
        expectRejectionsByFilter(result, counts);
        expect(Number(result.candidatesConsidered)).toBe(counts.considered);
        expect(Number(result.candidatesRejectedByLegFilters)).toBe(counts.rejectedByLegFilters);
        expect(result.spreads.length).toBe(reference.length);
        result.spreads.forEach((spread, rank) => {
          const [engineValue, referenceValue] = [sortValueOf(spread, applied.sort), (reference[rank] as { sortValue: number }).sortValue];
          expect(close(engineValue, referenceValue, spread.backExpiryDate === "" ? 1e-9 : 1e-6), `${spread.id}: ${engineValue} vs ${referenceValue}`).toBe(
            true,
          );
          const flags = referenceSpreadEventFlags(chain, spread);
          expect(
            { earnings: spread.earningsBeforeExpiry, exDividend: spread.exDividendBeforeExpiry, assignment: spread.earlyAssignmentRisk },
            spread.id,
          ).toEqual({ earnings: flags.earningsBeforeExpiry, exDividend: flags.exDividendBeforeExpiry, assignment: flags.earlyAssignmentRisk });
          if (spread.earningsBeforeExpiry === true || spread.earlyAssignmentRisk === true) flaggedRuns++;
        });
        const context = result.marketContext;
        expect(context?.eventsSource).toBe(chain.events ? "prop" : "");
        for (const expiry of context?.expiries ?? []) {
          expect(expiry.earningsBeforeExpiry, expiry.expiryDate).toBe(referenceEarningsBefore(chain, expiry.expiryDate));
          expect(expiry.exDividendBeforeExpiry, expiry.expiryDate).toBe(referenceExDividendBefore(chain, expiry.expiryDate));
        }
        if (
          (applied.filters?.excludeEarningsBeforeExpiry === true || applied.filters?.excludeExDividendBeforeExpiry === true) &&
          counts.rejectedByLegFilters > 0
        )
          leftOutRuns++;
      }),
      { numRuns: 120, seed: 19 },
    );
    // Both the filters and the flags must have bitten, or the property would not test them.
    expect(leftOutRuns).toBeGreaterThan(30);
    expect(flaggedRuns).toBeGreaterThan(30);
  });
});

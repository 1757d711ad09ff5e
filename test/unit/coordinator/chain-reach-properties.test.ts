// The predictive invalidation rule on random chains, queries and updates: whenever an update
// leaves a query's reach digest as it was (chain-reach.ts), the engine's result for the updated
// chain equals its result for the old one, timings aside. So a cached result kept on such an
// update equals a fresh scan of the updated chain. The updates mix what the rule keeps (volume
// and open interest of any quote) with what it must not (prices, IVs, the underlying, the clock,
// events, a delisted contract), and the run checks both kinds occur.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CorporateEventKind, EventCalendar, OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, optionPrice, PUT } from "../../../services/engine/black-scholes.js";
import { scanChain } from "../../../services/engine/index.js";
import { ALL_STRATEGIES, SORT_KEYS } from "../../../services/engine/resolved-query.js";
import { ChainReach } from "../../../services/coordinator/warming/chain-reach.js";

// Friday 20 November 2026, 10:00 in New York; expirations 7 to 56 days out.
const AS_OF = new Date("2026-11-20T15:00:00Z");
const EXPIRIES = ["2026-11-27", "2026-12-04", "2026-12-18", "2027-01-15"];
const STRIKES = [90, 92.5, 95, 97.5, 100, 102.5, 105, 107.5, 110];
const TWO_EXPIRY = [Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_DIAGONAL];

function quoteFor(spot: number, expiry: string, strike: number, isCall: boolean, volatility: number, activity: number): OptionQuote {
  const years = (Date.parse(`${expiry}T21:00:00Z`) - AS_OF.getTime()) / (365 * 86_400_000);
  const price = optionPrice(isCall ? CALL : PUT, strike, volatility, { spot, rate: 0.04, dividendYield: 0.01, years });
  const bid = Math.max(0.01, Math.round((price - 0.03) * 100) / 100);
  const ask = Math.max(bid + 0.01, Math.round((price + 0.03) * 100) / 100);
  const delta = isCall ? 0.5 + (spot - strike) / 40 : -0.5 + (spot - strike) / 40;
  return OptionQuote.fromPartial({
    expiryDate: expiry,
    strike,
    right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    bid,
    ask,
    volume: BigInt(activity),
    openInterest: BigInt(activity * 7),
    impliedVolatility: volatility,
    greeks: { delta: Math.max(-1, Math.min(1, delta)), gamma: 0.02, theta: -0.02, vega: 0.1 },
  });
}

const QUOTES = EXPIRIES.length * STRIKES.length * 2;

const chainArbitrary = fc
  .record({
    spot: fc.double({ min: 95, max: 105, noNaN: true }),
    expiries: fc.subarray(EXPIRIES, { minLength: 2 }),
    volatilities: fc.array(fc.double({ min: 0.12, max: 0.6, noNaN: true }), { minLength: QUOTES, maxLength: QUOTES }),
    activity: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: QUOTES, maxLength: QUOTES }),
  })
  .map(({ spot, expiries, volatilities, activity }) => {
    const quotes: OptionQuote[] = [];
    let next = 0;
    for (const expiry of expiries)
      for (const strike of STRIKES)
        for (const isCall of [false, true]) {
          quotes.push(quoteFor(spot, expiry, strike, isCall, volatilities[next] as number, activity[next] as number));
          next++;
        }
    return OptionChain.fromPartial({ symbol: "RCH", underlyingPrice: spot, asOf: AS_OF, rate: 0.04, dividendYield: 0.01, multiplier: 100, quotes });
  });

const queryArbitrary = fc
  .record({
    strategies: fc.oneof(
      { arbitrary: fc.subarray([...ALL_STRATEGIES], { minLength: 1 }), weight: 5 },
      { arbitrary: fc.subarray([...ALL_STRATEGIES, ...TWO_EXPIRY], { minLength: 1 }), weight: 1 },
    ),
    dte: fc.constantFrom(
      { minDte: 0, maxDte: 10 },
      { minDte: 5, maxDte: 20 },
      { minDte: 10, maxDte: 40 },
      { minDte: 0, maxDte: 60 },
      { minDte: 20, maxDte: 60 },
    ),
    minVolume: fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined }),
    minOpenInterest: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    sort: fc.constantFrom(...SORT_KEYS),
    limit: fc.integer({ min: 1, max: 15 }),
  })
  .map(({ strategies, dte: { minDte, maxDte }, minVolume, minOpenInterest, sort, limit }) =>
    ScanQuery.fromPartial({
      strategies,
      sort,
      limit,
      pricing: PricingMode.PRICING_MODE_MID,
      filters: {
        minDte,
        maxDte,
        minShortDelta: 0,
        maxWidth: 20,
        ...(minVolume === undefined ? {} : { minVolume: BigInt(minVolume) }),
        ...(minOpenInterest === undefined ? {} : { minOpenInterest: BigInt(minOpenInterest) }),
      },
    }),
  );

/** One change a chain update may carry; `at` picks the quote (modulo the chain's size). */
const changeArbitrary = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("activity" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 400 }) }), weight: 16 },
  { arbitrary: fc.record({ kind: fc.constant("price" as const), at: fc.nat(), value: fc.double({ min: -0.2, max: 0.2, noNaN: true }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("iv" as const), at: fc.nat(), value: fc.double({ min: 0.1, max: 0.7, noNaN: true }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("spot" as const), at: fc.constant(0), value: fc.double({ min: -1, max: 1, noNaN: true }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("clock" as const), at: fc.constant(0), value: fc.integer({ min: 1, max: 600 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("events" as const), at: fc.constant(0), value: fc.integer({ min: 0, max: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("delist" as const), at: fc.nat(), value: fc.constant(0) }), weight: 1 },
  // A volatility shift of one whole expiration: moves its at-the-money σ, which the market context reports.
  { arbitrary: fc.record({ kind: fc.constant("expiryIv" as const), at: fc.nat(), value: fc.double({ min: 0.8, max: 1.25, noNaN: true }) }), weight: 1 },
  // A crossed or one-sided quote: skipped, and counted by reason.
  { arbitrary: fc.record({ kind: fc.constant("unusable" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 1 }) }), weight: 1 },
);

type Change = typeof changeArbitrary extends fc.Arbitrary<infer T> ? T : never;

function updated(chain: OptionChain, changes: readonly Change[]): OptionChain {
  const next: OptionChain = { ...chain, quotes: chain.quotes.map((quote) => ({ ...quote })) };
  for (const change of changes) {
    const index = change.at % next.quotes.length;
    const quote = next.quotes[index] as OptionQuote;
    switch (change.kind) {
      case "activity":
        next.quotes[index] = { ...quote, volume: BigInt(change.value), openInterest: BigInt(change.value * 3) };
        break;
      case "price":
        next.quotes[index] = { ...quote, bid: Math.max(0.01, quote.bid + change.value), ask: Math.max(0.02, quote.ask + change.value) + 0.01 };
        break;
      case "iv":
        next.quotes[index] = { ...quote, impliedVolatility: change.value };
        break;
      case "spot":
        next.underlyingPrice += change.value;
        break;
      case "clock":
        next.asOf = new Date((next.asOf as Date).getTime() + change.value * 60_000);
        break;
      case "events":
        next.events = EventCalendar.fromPartial({
          source: "prop",
          events: [{ date: EXPIRIES[change.value] as string, kind: CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS }],
        });
        break;
      case "expiryIv":
        next.quotes = next.quotes.map((each) =>
          each.expiryDate === quote.expiryDate && each.impliedVolatility !== undefined
            ? { ...each, impliedVolatility: each.impliedVolatility * change.value }
            : each,
        );
        break;
      case "unusable":
        next.quotes[index] = change.value === 0 ? { ...quote, bid: quote.ask + 0.05 } : { ...quote, bid: 0 };
        break;
      case "delist":
        next.quotes.splice(index, 1);
        break;
    }
  }
  return next;
}

/** The result without how long it took: the part a cached answer and a fresh scan must share. */
function answer(result: ScanResult): Omit<ScanResult, "timings"> {
  const { timings: _timings, ...rest } = result;
  return rest;
}

describe("predictive invalidation: the reach digest of a query", () => {
  it("is unchanged only by updates after which a fresh scan equals the cached result", () => {
    let kept = 0;
    let dropped = 0;
    fc.assert(
      fc.property(chainArbitrary, queryArbitrary, fc.array(changeArbitrary, { minLength: 1, maxLength: 4 }), (chain, query, changes) => {
        const next = updated(chain, changes);
        const before = new ChainReach(chain).of(query);
        const after = new ChainReach(next).of(query);
        expect(before).toBeDefined();
        if (before !== after) {
          dropped++;
          return;
        }
        kept++;
        expect(answer(scanChain(next, query))).toEqual(answer(scanChain(chain, query)));
      }),
      { numRuns: 300 },
    );
    // Not vacuous: both verdicts were reached often.
    // About one run in eight keeps its digest (31 to 51 of 300 over six seeds).
    expect(kept).toBeGreaterThanOrEqual(15);
    expect(dropped).toBeGreaterThan(30);
  });

  it("changes when a quote's volume changes inside the DTE window, and not outside it", () => {
    const chain = OptionChain.fromPartial({
      symbol: "RCH",
      underlyingPrice: 100,
      asOf: AS_OF,
      quotes: [quoteFor(100, "2026-11-27", 100, true, 0.2, 10), quoteFor(100, "2027-01-15", 100, true, 0.2, 10)],
    });
    const query = ScanQuery.fromPartial({ filters: { minDte: 0, maxDte: 10 } });
    const inside = { ...chain, quotes: [{ ...(chain.quotes[0] as OptionQuote), volume: 11n }, chain.quotes[1] as OptionQuote] };
    const outside = { ...chain, quotes: [chain.quotes[0] as OptionQuote, { ...(chain.quotes[1] as OptionQuote), volume: 11n }] };
    const digest = new ChainReach(chain).of(query);
    expect(new ChainReach(inside).of(query)).not.toBe(digest);
    expect(new ChainReach(outside).of(query)).toBe(digest);
  });
});

// Bad rows are skipped and counted by reason, never a crash; a bad query or chain is an
// EngineInputError that names every offending field.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, ScanFilters, ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { SkipReason } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { EngineInputError, scanChain } from "../../../services/engine/index.js";
import { MAX_CHAIN_QUOTES } from "../../../services/engine/prepared-chain.js";
import { MAX_QUERY_STRATEGIES } from "../../../services/engine/resolved-query.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");

function quote(overrides: Partial<OptionQuote>): OptionQuote {
  return OptionQuote.fromPartial({
    expiryDate: "2026-12-18",
    strike: 95,
    right: OptionRight.OPTION_RIGHT_PUT,
    bid: 1,
    ask: 1.1,
    openInterest: 10n,
    volume: 10n,
    ...overrides,
  });
}

function chainOf(quotes: OptionQuote[], overrides: Partial<OptionChain> = {}): OptionChain {
  return OptionChain.fromPartial({ symbol: "BAD", underlyingPrice: 100, asOf: AS_OF, rate: 0.04, quotes, ...overrides });
}

/** A number the enum does not name, as proto3's open enums can carry off the wire. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the enum it forges a value of
function unnamed<Enum>(value: number): Enum {
  return value as unknown as Enum;
}

function violationsOf(run: () => unknown): { field: string; description: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineInputError) return [...error.violations];
    throw error;
  }
  throw new Error("expected an EngineInputError");
}

describe("bad chain rows", () => {
  it("are skipped and counted by reason, and the good rows still scan", () => {
    const chain = chainOf([
      quote({ strike: 95 }),
      quote({ strike: 90, bid: 0.4, ask: 0.5 }),
      quote({ strike: -5 }),
      quote({ strike: Number.NaN }),
      quote({ strike: 80, bid: Number.NaN }),
      quote({ strike: 81, ask: Number.POSITIVE_INFINITY }),
      quote({ strike: 82, bid: -1 }),
      quote({ strike: 83, right: OptionRight.OPTION_RIGHT_UNSPECIFIED }),
      quote({ strike: 84, right: unnamed<OptionRight>(7) }),
      quote({ strike: 85, expiryDate: "2026-11-19" }),
      quote({ strike: 86, expiryDate: "2026-02-30" }),
      quote({ strike: 87, expiryDate: "Dec 18" }),
      quote({ strike: 88, bid: 0 }),
      quote({ strike: 89, ask: 0 }),
      quote({ strike: 91, bid: 1.2, ask: 1.1 }),
      quote({ strike: 92, bid: 1.1, ask: 1.1 }),
      quote({ strike: 95, bid: 2, ask: 3 }),
      quote({ strike: 93, impliedVolatility: Number.NaN }),
      quote({ strike: 94, greeks: { delta: Number.NaN, gamma: 0, theta: 0, vega: 0 } }),
      // Cheaper than its intrinsic value: no volatility gives that price.
      quote({ strike: 150, bid: 1, ask: 1.1 }),
    ]);
    const result = scanChain(chain, ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT] }));
    expect(result.skippedQuotes).toEqual([
      { reason: SkipReason.SKIP_REASON_NO_BID, count: 1n },
      { reason: SkipReason.SKIP_REASON_NO_ASK, count: 1n },
      { reason: SkipReason.SKIP_REASON_CROSSED, count: 1n },
      { reason: SkipReason.SKIP_REASON_LOCKED, count: 1n },
      { reason: SkipReason.SKIP_REASON_INVALID_STRIKE, count: 2n },
      { reason: SkipReason.SKIP_REASON_INVALID_PRICE, count: 5n },
      { reason: SkipReason.SKIP_REASON_UNKNOWN_RIGHT, count: 2n },
      { reason: SkipReason.SKIP_REASON_INVALID_EXPIRY_DATE, count: 2n },
      { reason: SkipReason.SKIP_REASON_EXPIRED, count: 1n },
      { reason: SkipReason.SKIP_REASON_DUPLICATE_CONTRACT, count: 1n },
      { reason: SkipReason.SKIP_REASON_NO_IMPLIED_VOLATILITY, count: 1n },
    ]);
    expect(result.spreads.map((spread) => spread.id)).toEqual(["BAD:2026-12-18:BULL_PUT:90/95"]);
    // Neither leg carried IV or greeks: both were computed from the mid, and said so.
    expect(result.quotesWithComputedGreeks).toBe(2n);
    expect(result.spreads[0]?.legs.every((leg) => leg.impliedVolatilityComputed && leg.greeksComputed)).toBe(true);
  });

  it("counts quotes older than max_quote_age as stale and keeps them out of spreads", () => {
    const fresh = new Date(AS_OF.getTime() - 10_000);
    const old = new Date(AS_OF.getTime() - 600_000);
    const chain = chainOf([
      quote({ strike: 95, quoteTime: fresh }),
      quote({ strike: 90, bid: 0.4, ask: 0.5, quoteTime: old }),
      quote({ strike: 85, bid: 0.2, ask: 0.3 }),
    ]);
    const query = ScanQuery.fromPartial({
      strategies: [Strategy.STRATEGY_BULL_PUT],
      filters: ScanFilters.fromPartial({ maxQuoteAge: { seconds: 60n, nanos: 0 } }),
    });
    const result = scanChain(chain, query);
    expect(result.skippedQuotes).toEqual([{ reason: SkipReason.SKIP_REASON_STALE, count: 1n }]);
    expect(result.spreads.map((spread) => spread.id)).toEqual(["BAD:2026-12-18:BULL_PUT:85/95"]);
  });

  it("never reads unknown open interest as 0: it meets no floor, is counted as its own skip, and is said on the leg", () => {
    const old = new Date(AS_OF.getTime() - 600_000);
    const chain = chainOf([
      quote({ strike: 95, openInterest: 10n }),
      quote({ strike: 90, bid: 0.4, ask: 0.5, openInterest: 0n, openInterestUnknown: true }),
      quote({ strike: 85, bid: 0.2, ask: 0.3, openInterest: 7n }),
      // Stale and of unknown open interest: counted once, under the first reason it fails.
      quote({ strike: 80, bid: 0.1, ask: 0.2, openInterestUnknown: true, quoteTime: old }),
    ]);
    const strategies = [Strategy.STRATEGY_BULL_PUT];
    const floored = scanChain(
      chain,
      ScanQuery.fromPartial({ strategies, filters: ScanFilters.fromPartial({ minOpenInterest: 1n, maxQuoteAge: { seconds: 60n, nanos: 0 } }) }),
    );
    expect(floored.skippedQuotes).toEqual([
      { reason: SkipReason.SKIP_REASON_STALE, count: 1n },
      { reason: SkipReason.SKIP_REASON_OPEN_INTEREST_UNKNOWN, count: 1n },
    ]);
    expect(floored.spreads.map((spread) => spread.id)).toEqual(["BAD:2026-12-18:BULL_PUT:85/95"]);

    // No floor: the leg of unknown open interest forms spreads and says so.
    const unfloored = scanChain(chainOf(chain.quotes.slice(0, 2)), ScanQuery.fromPartial({ strategies }));
    expect(unfloored.skippedQuotes).toEqual([]);
    const [spread] = unfloored.spreads;
    expect(spread?.id).toBe("BAD:2026-12-18:BULL_PUT:90/95");
    expect(spread?.legs.map((leg) => [leg.strike, leg.openInterest, leg.openInterestUnknown])).toEqual([
      [90, 0n, true],
      [95, 10n, false],
    ]);
    expect(spread?.liquidity).toMatchObject({ minLegOpenInterest: 10n, openInterestUnknown: true });
  });

  it("never crash on a chain of nothing but bad rows", () => {
    const result = scanChain(chainOf([quote({ strike: -1 }), quote({ bid: 0 })]), ScanQuery.fromPartial({}));
    expect(result.spreads).toEqual([]);
    expect(result.candidatesConsidered).toBe(0n);
  });
});

describe("a bad chain", () => {
  it("names each unusable chain-level field under chain.", () => {
    expect(
      violationsOf(() =>
        scanChain(chainOf([], { underlyingPrice: Number.NaN, asOf: undefined, rate: Number.POSITIVE_INFINITY, dividendYield: -0.1 }), undefined),
      ).map((violation) => violation.field),
    ).toEqual(["chain.underlying_price", "chain.as_of", "chain.rate", "chain.dividend_yield"]);
  });

  it("refuses times google.protobuf.Timestamp cannot hold, and the Invalid Date one past JavaScript's range decodes to", () => {
    const fieldsOf = (chain: OptionChain): string[] => violationsOf(() => scanChain(chain, undefined)).map((violation) => violation.field);
    expect(fieldsOf(chainOf([quote({})], { asOf: new Date(Number.NaN) }))).toEqual(["chain.as_of"]);
    expect(fieldsOf(chainOf([quote({})], { asOf: new Date("+010000-01-01T00:00:00Z") }))).toEqual(["chain.as_of"]);
    expect(fieldsOf(chainOf([quote({})], { asOf: new Date("0000-12-31T23:59:59Z") }))).toEqual(["chain.as_of"]);
    expect(fieldsOf(chainOf([quote({}), quote({ strike: 90, quoteTime: new Date(Number.NaN) })]))).toEqual(["chain.quotes[1].quote_time"]);
    // The range's own ends are times like any other.
    expect(() =>
      scanChain(chainOf([quote({ quoteTime: new Date("0001-01-01T00:00:00Z") })], { asOf: new Date("9999-12-31T23:59:59.999Z") }), undefined),
    ).not.toThrow();
  });

  it("names at most 20 bad quote times, however many there are", () => {
    const quotes = Array.from({ length: 500 }, (_, index) => quote({ strike: 50 + index, quoteTime: new Date(Number.NaN) }));
    expect(violationsOf(() => scanChain(chainOf(quotes), undefined))).toHaveLength(20);
  });

  it("refuses more quotes than MAX_CHAIN_QUOTES, and a source that is not a short printable name", () => {
    const many = Array.from({ length: MAX_CHAIN_QUOTES + 1 }, () => quote({}));
    expect(violationsOf(() => scanChain(chainOf(many), undefined))).toEqual([
      { field: "chain.quotes", description: `must hold at most ${MAX_CHAIN_QUOTES} quotes; got ${MAX_CHAIN_QUOTES + 1}` },
    ]);
    expect(violationsOf(() => scanChain(chainOf([quote({})], { source: "x".repeat(65) }), undefined)).map((violation) => violation.field)).toEqual([
      "chain.source",
    ]);
    expect(violationsOf(() => scanChain(chainOf([quote({})], { source: "ibkr\u0000" }), undefined)).map((violation) => violation.field)).toEqual([
      "chain.source",
    ]);
    expect(() => scanChain(chainOf([quote({})], { source: "ibkr (delayed) · ünïcode" }), undefined)).not.toThrow();
  });
});

describe("a bad query", () => {
  const chain = chainOf([quote({})]);
  const fieldsOf = (query: Partial<ScanQuery>): string[] =>
    violationsOf(() => scanChain(chain, ScanQuery.fromPartial(query))).map((violation) => violation.field);

  it("names every offending field at once", () => {
    expect(
      fieldsOf({
        strategies: [Strategy.STRATEGY_BULL_PUT, unnamed<Strategy>(42)],
        limit: 0,
        filters: ScanFilters.fromPartial({
          minDte: 30,
          maxDte: 10,
          minWidth: -5,
          minPop: Number.NaN,
          maxProbabilityOfTouch: Number.POSITIVE_INFINITY,
          minShortDelta: 0.4,
          maxShortDelta: 0.2,
        }),
      }),
    ).toEqual([
      "query.strategies[1]",
      "query.limit",
      "query.filters.min_dte",
      "query.filters.min_short_delta",
      "query.filters.min_width",
      "query.filters.min_pop",
      "query.filters.max_probability_of_touch",
    ]);
  });

  it.each([
    [{ limit: 1001 }, "query.limit"],
    [{ sort: unnamed<SortKey>(99) }, "query.sort"],
    [{ pricing: PricingMode.UNRECOGNIZED }, "query.pricing"],
    [{ filters: ScanFilters.fromPartial({ maxWidth: -1 }) }, "query.filters.max_width"],
    [{ filters: ScanFilters.fromPartial({ maxShortDelta: 1.5 }) }, "query.filters.max_short_delta"],
    [{ filters: ScanFilters.fromPartial({ maxPerExpiry: 0 }) }, "query.filters.max_per_expiry"],
    [{ filters: ScanFilters.fromPartial({ maxQuoteAge: { seconds: -1n, nanos: 0 } }) }, "query.filters.max_quote_age"],
    [{ scoreWeights: { pop: -1 } }, "query.score_weights.pop"],
    [{ scoreWeights: { pop: 0, expectedValuePerRisk: 0, liquidity: 0 } }, "query.score_weights"],
  ] as [Partial<ScanQuery>, string][])("refuses bad query %# naming exactly its field", (query, field) => {
    expect(fieldsOf(query)).toEqual([field]);
  });

  it("refuses a volatility the probability model contradicts, and the caller's model without one", () => {
    const CALLER = ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY;
    const refused = (query: Partial<ScanQuery>) => violationsOf(() => scanChain(chain, ScanQuery.fromPartial(query)));
    expect(refused({ probabilityModel: CALLER })).toEqual([
      { field: "query.volatility", description: "must be set with probability_model PROBABILITY_MODEL_CALLER_VOLATILITY: the annualised σ to apply, like 0.2" },
    ]);
    expect(refused({ volatility: 0.2 })).toEqual([
      {
        field: "query.volatility",
        description:
          "applies only with probability_model PROBABILITY_MODEL_CALLER_VOLATILITY; the query's is PROBABILITY_MODEL_UNSPECIFIED (meaning PROBABILITY_MODEL_EXPIRY_ATM_IV)",
      },
    ]);
    expect(refused({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV, volatility: 0.2 }).map((violation) => violation.field)).toEqual([
      "query.volatility",
    ]);
    expect(refused({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV, volatility: 0.2 }).map((violation) => violation.field)).toEqual([
      "query.volatility",
    ]);
    for (const volatility of [0, -0.2, 10.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refused({ probabilityModel: CALLER, volatility }), String(volatility)).toEqual([
        { field: "query.volatility", description: `must be an annualised fraction above 0 and at most 10; got ${volatility}` },
      ]);
    }
    expect(refused({ probabilityModel: unnamed<ProbabilityModel>(9) }).map((violation) => violation.field)).toEqual(["query.probability_model"]);
    expect(() => scanChain(chain, ScanQuery.fromPartial({ probabilityModel: CALLER, volatility: 10 }))).not.toThrow();
    expect(() => scanChain(chain, ScanQuery.fromPartial({ probabilityModel: CALLER, volatility: 1e-6 }))).not.toThrow();
  });

  it("refuses more strategies than MAX_QUERY_STRATEGIES with one violation, not one per entry", () => {
    const strategies = Array.from({ length: 1_000_000 }, () => unnamed<Strategy>(99));
    expect(violationsOf(() => scanChain(chain, ScanQuery.fromPartial({ strategies })))).toEqual([
      { field: "query.strategies", description: `must list at most ${MAX_QUERY_STRATEGIES} strategies (there are 10); got 1000000` },
    ]);
  });

  it("takes repeated strategies up to the bound as the strategies they name", () => {
    const repeated = Array.from({ length: MAX_QUERY_STRATEGIES }, () => Strategy.STRATEGY_BULL_PUT);
    const result = scanChain(chainOf([quote({}), quote({ strike: 90, bid: 0.4, ask: 0.5 })]), ScanQuery.fromPartial({ strategies: repeated }));
    expect(result.spreads.map((spread) => spread.id)).toEqual(["BAD:2026-12-18:BULL_PUT:90/95"]);
  });

  it("accepts the limits themselves", () => {
    expect(() => scanChain(chain, ScanQuery.fromPartial({ limit: 1 }))).not.toThrow();
    expect(() => scanChain(chain, ScanQuery.fromPartial({ limit: 1000 }))).not.toThrow();
  });
});

// Values that break things, as fast-check arbitraries: odd and huge strings, non-finite and
// extreme numbers, enums far outside their range, and the queries, chains and ids built of
// them that the fuzz suite sends to every RPC.
import fc from "fast-check";
import { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";

export const option = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arbitrary, { nil: undefined, freq: 3 });

const oddStrings = fc.constantFrom(
  "",
  " ",
  "SPY",
  "spy",
  "  iwm  ",
  "BRK.B",
  "ZZZZ",
  "SPY\u0000",
  "\u202eYPS",
  "ＳＰＹ",
  "S\u0301PY",
  "😀",
  "\ud800",
  "\udfff\ud800",
  "A".repeat(11),
  "../../etc/passwd",
  "%s%s%n",
  "' OR 1=1 --",
  "\u0000\u0001\u0002\u007f",
  "\r\n\t",
  "null",
  "NaN",
  "-1",
);

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: oddStrings },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  // Lone surrogates and control characters: what TextEncoder turns into U+FFFD.
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1000, maxLength: 20_000 }) },
);

export const nastyDouble = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.EPSILON,
    2 ** 53,
    -(2 ** 53),
    1e308,
    -1e-308,
  ),
  fc.double(),
  fc.double({ min: -10, max: 10, noNaN: true }),
);

export const uint32 = fc.oneof(fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1), fc.nat({ max: 1000 }), fc.nat({ max: 2 ** 32 - 1 }));
export const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const int64 = fc.oneof(fc.constantFrom(-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
/** Any int32: the defined values and far outside them. */
export const enumValue = fc.oneof(fc.integer({ min: -1, max: 10 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 99, 1000));
const instant = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(new Date(0), new Date(-8.64e15), new Date(8.64e15), new Date("2026-11-20T15:00:00Z")),
);

export const scanQuery = fc
  .record({
    strategies: fc.array(enumValue, { maxLength: 12 }),
    filters: option(
      fc.record({
        minDte: option(uint32),
        maxDte: option(uint32),
        minShortDelta: option(nastyDouble),
        maxShortDelta: option(nastyDouble),
        maxLongDelta: option(nastyDouble),
        minWidth: option(nastyDouble),
        maxWidth: option(nastyDouble),
        minCredit: option(nastyDouble),
        maxDebit: option(nastyDouble),
        minCreditToWidth: option(nastyDouble),
        maxMaxLoss: option(nastyDouble),
        minPop: option(nastyDouble),
        minExpectedValue: option(nastyDouble),
        maxProbabilityOfTouch: option(nastyDouble),
        minReturnOnRisk: option(nastyDouble),
        minOpenInterest: option(uint64),
        minVolume: option(uint64),
        maxLegBidAskWidth: option(nastyDouble),
        maxLegBidAskWidthFraction: option(nastyDouble),
        minShortImpliedVolatility: option(nastyDouble),
        maxShortImpliedVolatility: option(nastyDouble),
        shortStrikesOutOfTheMoney: option(fc.boolean()),
        maxWingWidthDifference: option(nastyDouble),
        maxPerExpiry: option(uint32),
        maxQuoteAge: option(fc.record({ seconds: int64, nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) })),
      }),
    ),
    sort: enumValue,
    pricing: enumValue,
    limit: option(uint32),
    scoreWeights: option(fc.record({ expectedValuePerRisk: option(nastyDouble), pop: option(nastyDouble), liquidity: option(nastyDouble) })),
  })
  .map((query) => ScanQuery.fromPartial(query));

const expiryString = fc.oneof(fc.constantFrom("2026-12-18", "2027-01-15", "1970-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "", "tomorrow"), nastyString);

const quote = fc.record({
  expiryDate: expiryString,
  strike: nastyDouble,
  right: enumValue,
  bid: nastyDouble,
  ask: nastyDouble,
  last: nastyDouble,
  volume: uint64,
  openInterest: uint64,
  impliedVolatility: option(nastyDouble),
  greeks: option(fc.record({ delta: nastyDouble, gamma: nastyDouble, theta: nastyDouble, vega: nastyDouble })),
  quoteTime: option(instant),
  brokerContractId: int64,
});

export const chain = fc
  .record({
    symbol: fc.oneof(fc.constantFrom("AAPL", "IWM", "Q", "ZZZZZZZZZZ"), nastyString),
    underlyingPrice: nastyDouble,
    asOf: option(instant),
    rate: nastyDouble,
    dividendYield: nastyDouble,
    multiplier: uint32,
    delayed: fc.boolean(),
    quotes: fc.array(quote, { maxLength: 20 }),
    source: nastyString,
  })
  .map((fields) => OptionChain.fromPartial(fields));

export const symbol = fc.oneof(fc.constantFrom("SPY", "IWM", "AAPL", "qqq", "NOPE"), nastyString);
export const jobId = fc.oneof(fc.uuid(), nastyString);

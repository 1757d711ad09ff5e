// The engine's columnar chain preparation against the plain one in test/support: the same
// legs in the same order with the same columns, the same skip counts, on chains a broker
// would send and on chains made messy on purpose (shuffled, duplicated, missing IV or greeks,
// bad rows of every kind); and the same refusals of a chain that cannot be prepared.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionRight, type OptionQuote } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SkipReason } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { chainViolations, EngineInputError, prepareChain } from "../../../services/engine/index.js";
import type { LegTable, PreparedChain } from "../../../services/engine/prepared-chain.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { referencePrepare, type ReferenceLeg, type ReferencePrepared } from "../../support/reference-prepared-chain.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const COLUMNS = [
  "strike",
  "logStrike",
  "bid",
  "ask",
  "mid",
  "impliedVolatility",
  "delta",
  "gamma",
  "theta",
  "vega",
  "openInterest",
  "volume",
  "quoteTimeMs",
  "brokerContractId",
  "computed",
] as const;

function tableRows(table: LegTable): ReferenceLeg[] {
  const rows: ReferenceLeg[] = [];
  for (let leg = 0; leg < table.count; leg++) {
    rows.push(Object.fromEntries(COLUMNS.map((column) => [column, table[column][leg] as number])) as unknown as ReferenceLeg);
  }
  return rows;
}

/** The prepared chain in the reference's shape. */
function asReference(prepared: PreparedChain): ReferencePrepared {
  const skipped = new Map<number, number>();
  prepared.skipped.forEach((count, reason) => {
    if (count > 0) skipped.set(reason, count);
  });
  return {
    expiries: prepared.expiries.map(({ expiryDate, dte, years, calls, puts }) => ({ expiryDate, dte, years, calls: tableRows(calls), puts: tableRows(puts) })),
    skipped,
    quotesWithComputedGreeks: prepared.quotesWithComputedGreeks,
  };
}

/** A small deterministic generator, so that every run tries the same chains. */
function randomOf(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A chain from the market model, then damaged and reordered as `seed` says. */
function messyChain(seed: number): OptionChain {
  const random = randomOf(seed);
  const chain = generateSyntheticChain({ symbol: "IWM", spot: 230, seed, asOf: AS_OF });
  const quotes: OptionQuote[] = chain.quotes.filter(() => random() < 0.35);
  const pick = (): OptionQuote => quotes[Math.floor(random() * quotes.length)] as OptionQuote;
  const damaged: OptionQuote[] = [];
  for (const quote of quotes) {
    const roll = random();
    if (roll < 0.05) damaged.push({ ...quote, impliedVolatility: undefined });
    else if (roll < 0.1) damaged.push({ ...quote, greeks: undefined });
    else if (roll < 0.13) damaged.push({ ...quote, impliedVolatility: undefined, greeks: undefined, bid: quote.ask * 4 + 1 });
    else if (roll < 0.15) damaged.push({ ...quote, bid: 0 });
    else if (roll < 0.17) damaged.push({ ...quote, ask: 0 });
    else if (roll < 0.19) damaged.push({ ...quote, bid: quote.ask + 0.05 });
    else if (roll < 0.2) damaged.push({ ...quote, bid: quote.ask });
    else if (roll < 0.21) damaged.push({ ...quote, bid: Number.NaN });
    else if (roll < 0.22) damaged.push({ ...quote, impliedVolatility: -0.2 });
    else if (roll < 0.23) damaged.push({ ...quote, greeks: { delta: Number.POSITIVE_INFINITY, gamma: 0, theta: 0, vega: 0 } });
    else if (roll < 0.24) damaged.push({ ...quote, right: OptionRight.OPTION_RIGHT_UNSPECIFIED });
    else if (roll < 0.25) damaged.push({ ...quote, strike: -quote.strike });
    else if (roll < 0.26) damaged.push({ ...quote, expiryDate: "2027-02-30" });
    else if (roll < 0.27) damaged.push({ ...quote, expiryDate: "2026-11-13" });
    else if (roll < 0.28) damaged.push({ ...quote, openInterestUnknown: true, openInterest: 0n });
    else if (roll < 0.29) damaged.push({ ...quote, quoteTime: new Date(AS_OF.getTime() - 90_000), brokerContractId: 123_456n });
    else damaged.push(quote);
    // A second quote of a contract already listed: a different price, listed before or after.
    if (random() < 0.06) {
      const twin = { ...pick(), bid: 0.01, ask: 0.02 };
      if (random() < 0.5) damaged.push(twin);
      else damaged.unshift(twin);
    }
  }
  // Broker order (by expiry, then strike) or any order at all.
  if (seed % 2 === 1) {
    for (let at = damaged.length - 1; at > 0; at--) {
      const other = Math.floor(random() * (at + 1));
      [damaged[at], damaged[other]] = [damaged[other] as OptionQuote, damaged[at] as OptionQuote];
    }
  }
  return { ...chain, quotes: damaged };
}

describe("chain preparation", () => {
  it("prepares a broker's chain (IV and greeks on every quote) exactly as the plain preparation does", () => {
    const chain = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: AS_OF });
    const prepared = prepareChain(chain);
    expect(asReference(prepared)).toEqual(referencePrepare(chain));
    expect(prepared.quotesWithComputedGreeks).toBe(0);
  });

  it("prepares messy chains, in broker order and shuffled, exactly as the plain preparation does", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const chain = messyChain(seed);
      const expected = referencePrepare(chain);
      expect(asReference(prepareChain(chain)), `seed ${seed}`).toEqual(expected);
      // Every kind of skip the damage makes is there, so each path was taken.
      for (const reason of [SkipReason.SKIP_REASON_DUPLICATE_CONTRACT, SkipReason.SKIP_REASON_INVALID_PRICE, SkipReason.SKIP_REASON_CROSSED]) {
        expect(expected.skipped.get(reason), `seed ${seed}, reason ${reason}`).toBeGreaterThan(0);
      }
    }
  });

  it("prepares a chain in broker order whose duplicates are listed next to their first exactly as the plain preparation does", () => {
    // Every side of every expiration stays in strike order, so each quote is judged as it is
    // placed (no bucket is sorted): the twin after a quote is its duplicate, the twin before
    // one is the first of its strike and judged on its own prices.
    for (let seed = 1; seed <= 4; seed++) {
      const random = randomOf(seed);
      const chain = generateSyntheticChain({ symbol: "IWM", spot: 230, seed, asOf: AS_OF });
      const quotes: OptionQuote[] = [];
      for (const quote of chain.quotes) {
        const roll = random();
        const twin = { ...quote, bid: roll < 0.05 ? quote.ask + 0.05 : 0.01, ask: roll < 0.05 ? quote.ask : 0.02 };
        if (roll < 0.1) quotes.push(twin, quote);
        else if (roll < 0.2) quotes.push(quote, twin);
        else if (roll < 0.23) quotes.push({ ...quote, bid: quote.ask });
        else quotes.push(quote);
      }
      const damaged = { ...chain, quotes };
      const expected = referencePrepare(damaged);
      expect(asReference(prepareChain(damaged)), `seed ${seed}`).toEqual(expected);
      for (const reason of [SkipReason.SKIP_REASON_DUPLICATE_CONTRACT, SkipReason.SKIP_REASON_LOCKED, SkipReason.SKIP_REASON_CROSSED]) {
        expect(expected.skipped.get(reason), `seed ${seed}, reason ${reason}`).toBeGreaterThan(0);
      }
    }
  });

  it("prepares the same chain when each expiration's columns are built on first read, counts read before any column", () => {
    const chains = [generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: AS_OF })];
    for (let seed = 1; seed <= 12; seed++) chains.push(messyChain(seed));
    for (const [at, chain] of chains.entries()) {
      // asReference reads the skip counts and computed greeks first, then every column.
      expect(asReference(prepareChain(chain, { buildOnRead: true })), `chain ${at}`).toEqual(referencePrepare(chain));
    }
  });

  it("keeps the first listed of duplicate contracts and judges it alone on its prices", () => {
    const chain = generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 5, asOf: AS_OF });
    const first = chain.quotes[40] as OptionQuote;
    // Listed later in the chain but first of its strike: the crossed one occupies the strike.
    const crossed = { ...first, bid: first.ask + 1 };
    const quotes = [...chain.quotes.slice(0, 30), crossed, ...chain.quotes.slice(30)];
    const prepared = prepareChain(OptionChain.fromPartial({ ...chain, quotes }));
    expect(prepared.skipped[SkipReason.SKIP_REASON_CROSSED]).toBe(1);
    expect(prepared.skipped[SkipReason.SKIP_REASON_DUPLICATE_CONTRACT]).toBe(1);
    const expiry = prepared.expiries.find((each) => each.expiryDate === first.expiryDate);
    const side = first.right === OptionRight.OPTION_RIGHT_CALL ? expiry?.calls : expiry?.puts;
    expect(side && [...side.strike.subarray(0, side.count)]).not.toContain(first.strike);
  });

  it("refuses a chain with quote times out of range, naming the first 20 by index, as chainViolations does", () => {
    const chain = generateSyntheticChain({ symbol: "AAPL", spot: 230, seed: 1, asOf: AS_OF });
    const quotes = chain.quotes.map((quote, index) => (index % 7 === 3 ? { ...quote, quoteTime: new Date(Number.NaN) } : quote));
    let refusal: unknown;
    try {
      prepareChain({ ...chain, quotes });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(EngineInputError);
    const fields = (refusal as EngineInputError).violations.map((violation) => violation.field);
    expect(fields).toEqual(Array.from({ length: 20 }, (_, at) => `quotes[${at * 7 + 3}].quote_time`));
  });

  it("takes a source of letters, digits, punctuation, symbols and spaces, in ASCII or not, and no other", () => {
    const chain = generateSyntheticChain({ symbol: "AAPL", spot: 230, seed: 1, asOf: AS_OF });
    const printable = /^[\p{L}\p{N}\p{P}\p{S} ]*$/u;
    for (let code = 0; code < 0x3100; code++) {
      const source = `ib${String.fromCharCode(code)}kr`;
      const refused = chainViolations({ ...chain, quotes: [], source }).some((violation) => violation.field === "source");
      expect(refused, `U+${code.toString(16)}`).toBe(!printable.test(source));
    }
  });
});

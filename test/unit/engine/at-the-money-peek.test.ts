// The market context of a chain prepared to build on read, whose expirations answer the
// at-the-money question from their kept quotes (at-the-money-peek.ts), against the one of the
// same chain fully built, which reads the columns: equal to the last bit on many generated
// chains, among them chains whose forward lies exactly between two strikes and expirations
// missing a side's at-the-money quote; and the peek builds no expiration's columns.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionRight, type OptionQuote } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { prepareChain } from "../../../services/engine/index.js";
import { marketContext } from "../../../services/engine/market-context/market-context.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");

/** A small deterministic generator, so that every run tries the same chains. */
function randomOf(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The chain's distinct strikes of one side of one expiration, ascending. */
function strikesOf(quotes: readonly OptionQuote[], expiryDate: string, right: OptionRight): number[] {
  const strikes = quotes.filter((quote) => quote.expiryDate === expiryDate && quote.right === right).map((quote) => quote.strike);
  return [...new Set(strikes)].sort((a, b) => a - b);
}

/**
 * A synthetic chain made harder for the peek: with `tie`, no carry (the forward is the spot) and
 * the spot halfway between two listed strikes; per expiration, at random, one side's quotes
 * near the money dropped or made unusable, a side emptied, duplicates, a quote lacking greeks
 * or IV (that expiration is built at once), and the whole chain shuffled or not.
 */
function generatedChain(seed: number, tie: boolean): OptionChain {
  const random = randomOf(seed);
  const spots = [27.3, 95, 230, 412.7, 600];
  const base = generateSyntheticChain({ symbol: "GEN", spot: spots[seed % spots.length], seed, asOf: AS_OF });
  const dates = [...new Set(base.quotes.map((quote) => quote.expiryDate))];
  let spot = base.underlyingPrice;
  if (tie) {
    const strikes = strikesOf(base.quotes, dates[Math.floor(random() * dates.length)] ?? "", OptionRight.OPTION_RIGHT_CALL);
    const below = strikes.findLastIndex((strike) => strike <= spot);
    spot = 0.5 * ((strikes[below] as number) + (strikes[below + 1] as number));
  }
  const quotes: OptionQuote[] = [];
  for (const date of dates) {
    const mode = random();
    // A side and, for some modes, a window around the spot where that side's quotes go.
    const side = random() < 0.5 ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT;
    const reach = spot * (0.002 + 0.03 * random());
    for (const quote of base.quotes) {
      if (quote.expiryDate !== date) continue;
      const near = quote.right === side && Math.abs(quote.strike - spot) <= reach;
      if (mode < 0.15 && near) continue;
      if (mode < 0.25 && near) quotes.push({ ...quote, bid: 0 });
      else if (mode < 0.3 && quote.right === side) continue;
      else if (mode < 0.35 && near) quotes.push({ ...quote, greeks: undefined });
      // No IV: solved from the mid, or, for a mid no volatility gives, skipped as the columns are built.
      else if (mode < 0.4 && near)
        quotes.push({ ...quote, impliedVolatility: undefined, ...(random() < 0.3 ? { bid: quote.ask * 4 + 1, ask: quote.ask * 4 + 2 } : {}) });
      else quotes.push(quote);
      // A second, later-listed quote of the same contract: a duplicate, skipped.
      if (random() < 0.03) quotes.push({ ...quote, bid: 0.01, ask: 0.02, impliedVolatility: 3 });
    }
  }
  if (random() < 0.4) {
    for (let at = quotes.length - 1; at > 0; at--) {
      const other = Math.floor(random() * (at + 1));
      [quotes[at], quotes[other]] = [quotes[other] as OptionQuote, quotes[at] as OptionQuote];
    }
  }
  return OptionChain.fromPartial({ ...base, underlyingPrice: spot, ...(tie ? { rate: 0, dividendYield: 0 } : {}), quotes });
}

const CHAINS = Array.from({ length: 40 }, (_, seed) => ({ seed, tie: seed % 2 === 1, chain: generatedChain(seed + 1, seed % 2 === 1) }));

describe("the market context of a chain built on read", () => {
  it("equals, to the last bit, the one of the chain fully built, on generated chains with ties and missing quotes", () => {
    let ties = 0;
    let oneSided = 0;
    for (const { seed, tie, chain } of CHAINS) {
      const expected = marketContext(prepareChain(chain));
      expect(marketContext(prepareChain(chain, { buildOnRead: true })), `seed ${seed}`).toEqual(expected);
      for (const expiry of expected.expiries) {
        if (tie && expiry.atmStrike !== undefined && Math.abs(expiry.atmStrike - chain.underlyingPrice) > 0 && expiry.atmStrike < chain.underlyingPrice) {
          // The lower strike chosen at equal distance, when the upper one is listed too.
          if (strikesOf(chain.quotes, expiry.expiryDate, OptionRight.OPTION_RIGHT_CALL).includes(2 * chain.underlyingPrice - expiry.atmStrike)) ties++;
        }
        if (expiry.atmImpliedVolatility !== undefined && expiry.straddleExpectedMove === undefined) oneSided++;
      }
    }
    // The generated chains do reach the cases the peek could get wrong.
    expect(ties).toBeGreaterThan(20);
    expect(oneSided).toBeGreaterThan(20);
  });

  it("builds no expiration's columns: it reads a few quotes per expiration, not each of their quotes", () => {
    for (const { seed, chain } of CHAINS.slice(0, 6)) {
      let reads = 0;
      const counted = new Proxy(chain.quotes, {
        get(target, key, receiver) {
          if (typeof key === "string" && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      const prepared = prepareChain({ ...chain, quotes: counted }, { buildOnRead: true });
      const afterPrepare = reads;
      marketContext(prepared);
      // At most the call and the put at the money of each expiration.
      expect(reads - afterPrepare, `seed ${seed}`).toBeLessThanOrEqual(2 * prepared.expiries.length);
      // Reading the columns of an expiration still unbuilt (one that still peeks) builds them, quote by quote: the count sees it.
      const unbuilt = prepared.expiries.findLast((expiry) => expiry.peekAtTheMoney?.(prepared.spot) !== undefined);
      const before = reads;
      const legs = (unbuilt?.calls.count ?? 0) + (unbuilt?.puts.count ?? 0);
      expect(reads - before, `seed ${seed}`).toBeGreaterThanOrEqual(legs);
      expect(legs).toBeGreaterThan(2);
    }
  });
});

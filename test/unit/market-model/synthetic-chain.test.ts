// The synthetic market: deterministic, the size of a real SPY chain, and priced as a
// market maker would quote it: inside a whole-tick spread around a skewed-smile model price.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionRight, type OptionQuote } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { CALL, PUT, impliedVolatility, optionGreeks, optionPrice, type MarketInputs, type OptionGreeks } from "../../../services/engine/black-scholes.js";
import { daysToExpiry, yearsToExpiry } from "../../../services/engine/new-york-time.js";
import { SYMBOL_PROFILES, profileFor } from "../../../services/market-model/symbol-profiles.js";
import { generateSyntheticChain, listSyntheticContracts, priceSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { forwardPrice, smileVolatility } from "../../../services/market-model/volatility-smile.js";

const AS_OF = new Date("2025-06-02T14:30:00Z"); // a Monday, 10:30 in New York
const spy = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: AS_OF });

function bytesOf(chain: OptionChain): Uint8Array {
  return OptionChain.encode(chain).finish();
}

function marketOf(chain: OptionChain, quote: OptionQuote): MarketInputs {
  return {
    spot: chain.underlyingPrice,
    rate: chain.rate,
    dividendYield: chain.dividendYield,
    years: yearsToExpiry(chain.asOf ?? AS_OF, quote.expiryDate),
  };
}

function signOf(quote: OptionQuote): typeof CALL | typeof PUT {
  return quote.right === OptionRight.OPTION_RIGHT_CALL ? CALL : PUT;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe("determinism", () => {
  it("gives byte-identical chains for the same inputs and seed", () => {
    const again = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date(AS_OF) });
    expect(Buffer.from(bytesOf(again)).equals(Buffer.from(bytesOf(spy)))).toBe(true);
    expect(JSON.stringify(OptionChain.toJSON(again))).toBe(JSON.stringify(OptionChain.toJSON(spy)));
  });

  it("gives different volume and open interest for a different seed, at the same prices", () => {
    const other = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 43, asOf: AS_OF });
    expect(Buffer.from(bytesOf(other)).equals(Buffer.from(bytesOf(spy)))).toBe(false);
    expect(other.quotes.map((quote) => [quote.strike, quote.bid, quote.ask])).toEqual(spy.quotes.map((quote) => [quote.strike, quote.bid, quote.ask]));
    const differing = other.quotes.filter((quote, index) => quote.openInterest !== spy.quotes[index]?.openInterest);
    expect(differing.length).toBeGreaterThan(spy.quotes.length / 2);
  });

  it("keeps a contract's noise when the same contracts are repriced at a new spot and time", () => {
    const profile = SYMBOL_PROFILES.SPY;
    if (!profile) throw new Error("no SPY profile");
    const contracts = listSyntheticContracts({ profile, spot: 600, asOf: AS_OF });
    const later = new Date(AS_OF.getTime() + 60 * 60 * 1000);
    const tick = priceSyntheticChain({ symbol: "SPY", profile, spot: 603.5, asOf: later, seed: 42, contracts });
    expect(tick.quotes).toHaveLength(spy.quotes.length);
    expect(tick.quotes.map((quote) => quote.strike)).toEqual(spy.quotes.map((quote) => quote.strike));
    const call600 = (chain: OptionChain): OptionQuote | undefined =>
      chain.quotes.find((quote) => quote.expiryDate === "2025-07-18" && quote.strike === 600 && quote.right === OptionRight.OPTION_RIGHT_CALL);
    expect(call600(tick)?.bid).toBeGreaterThan(call600(spy)?.bid ?? Infinity);
    expect(tick.asOf).toEqual(later);
  });
});

describe("the SPY chain at 600, seed 42", () => {
  it("is the size of a real SPY chain: 15,000 to 20,000 contracts over 18 expirations", () => {
    expect(spy.quotes.length).toBeGreaterThanOrEqual(15_000);
    expect(spy.quotes.length).toBeLessThanOrEqual(20_000);
    expect(spy.quotes.length).toBe(16_608);
    expect(new Set(spy.quotes.map((quote) => quote.expiryDate)).size).toBe(18);
  });

  it("describes the chain as a broker feed would", () => {
    expect(spy).toMatchObject({ symbol: "SPY", underlyingPrice: 600, rate: 0.045, dividendYield: 0.013, multiplier: 100, delayed: false, source: "simulated" });
    expect(spy.asOf).toEqual(AS_OF);
    const unlike = spy.quotes.filter(
      (quote) =>
        quote.quoteTime?.getTime() !== AS_OF.getTime() || quote.brokerContractId !== 0n || !((quote.impliedVolatility ?? 0) > 0) || quote.greeks === undefined,
    );
    expect(unlike).toEqual([]);
  });

  it("lists calls and puts in pairs at strikes $1 apart near the money and $5 apart far from it", () => {
    const calls = spy.quotes.filter((quote) => quote.right === OptionRight.OPTION_RIGHT_CALL);
    const puts = spy.quotes.filter((quote) => quote.right === OptionRight.OPTION_RIGHT_PUT);
    expect(calls.map((quote) => [quote.expiryDate, quote.strike])).toEqual(puts.map((quote) => [quote.expiryDate, quote.strike]));
    const front = calls.filter((quote) => quote.expiryDate === "2025-07-18").map((quote) => quote.strike);
    for (let strike = 540; strike <= 660; strike++) expect(front).toContain(strike);
    // One run of $1 strikes around the money, $5 strikes either side of it.
    const fine = front.filter((strike, index) => front[index + 1] === strike + 1 || front[index - 1] === strike - 1);
    const [fineLow = NaN, fineHigh = NaN] = [fine[0], fine.at(-1)];
    expect(fine).toHaveLength(fineHigh - fineLow + 1);
    expect(front.filter((strike) => strike < fineLow || strike > fineHigh).every((strike) => strike % 5 === 0)).toBe(true);
    expect(front.some((strike) => strike < fineLow) && front.some((strike) => strike > fineHigh)).toBe(true);
    const strikesPerExpiry = [...new Set(calls.map((quote) => quote.expiryDate))].map((expiry) => calls.filter((quote) => quote.expiryDate === expiry).length);
    // The listed range widens with time to expiry.
    expect(strikesPerExpiry.at(-1)).toBeGreaterThan(3 * (strikesPerExpiry[0] ?? Infinity));
  });

  it("quotes every contract in whole cents with ask > bid >= 0, the mid within half the spread of the model price", () => {
    const wholeCents = (price: number): boolean => Math.round(price * 100) / 100 === price;
    const badQuotes = spy.quotes.filter((quote) => {
      const model = optionPrice(signOf(quote), quote.strike, quote.impliedVolatility ?? NaN, marketOf(spy, quote));
      const mid = (quote.bid + quote.ask) / 2;
      return !(
        quote.bid >= 0 &&
        quote.ask > quote.bid &&
        wholeCents(quote.bid) &&
        wholeCents(quote.ask) &&
        Math.abs(mid - model) <= (quote.ask - quote.bid) / 2 + 1e-9
      );
    });
    expect(badQuotes).toEqual([]);
    // Deep out-of-the-money options exist that nobody bids for.
    expect(spy.quotes.some((quote) => quote.bid === 0)).toBe(true);
  });

  it("carries the implied volatility that recovers the model price, and the greeks at it", () => {
    const profile = profileFor("SPY", 600);
    if (!profile) throw new Error("no SPY profile");
    const greeks: OptionGreeks = { delta: 0, gamma: 0, theta: 0, vega: 0 };
    const mismatches: unknown[] = [];
    let checked = 0;
    for (const quote of spy.quotes) {
      const market = marketOf(spy, quote);
      const volatility = smileVolatility(profile, Math.log(quote.strike / forwardPrice(profile, 600, market.years)), market.years);
      const expected = optionGreeks(signOf(quote), quote.strike, volatility, market, greeks);
      if (quote.impliedVolatility !== volatility || JSON.stringify(quote.greeks) !== JSON.stringify(expected)) mismatches.push(quote);
      const model = optionPrice(signOf(quote), quote.strike, volatility, market);
      // A price of a fraction of a cent, or one that is all intrinsic value, carries too
      // little of the volatility to invert.
      const intrinsic = Math.max(0, signOf(quote) * (600 * Math.exp(-0.013 * market.years) - quote.strike * Math.exp(-0.045 * market.years)));
      if (model < 0.001 || model - intrinsic < 1e-6 * model) continue;
      const recovered = impliedVolatility(signOf(quote), quote.strike, model, market);
      if (!(Math.abs(recovered - volatility) < 1e-6)) mismatches.push({ quote, recovered });
      checked++;
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(spy.quotes.length / 2);
  });

  it("has a mid whose implied volatility is the quoted one, for liquid contracts near the money", () => {
    const liquid = spy.quotes.filter((quote) => {
      const delta = Math.abs(quote.greeks?.delta ?? 0);
      return delta > 0.2 && delta < 0.8 && marketOf(spy, quote).years > 14 / 365;
    });
    expect(liquid.length).toBeGreaterThan(500);
    const off = liquid.filter((quote) => {
      const fromMid = impliedVolatility(signOf(quote), quote.strike, (quote.bid + quote.ask) / 2, marketOf(spy, quote));
      return !(Math.abs(fromMid - (quote.impliedVolatility ?? NaN)) < 0.005);
    });
    expect(off).toEqual([]);
  });

  it("has put skew: a 10%-OTM put's volatility > ATM's > a 10%-OTM call's, a month out", () => {
    const expiries = [...new Set(spy.quotes.map((quote) => quote.expiryDate))];
    const monthOut = expiries.reduce((best, expiry) => (Math.abs(daysToExpiry(AS_OF, expiry) - 30) < Math.abs(daysToExpiry(AS_OF, best) - 30) ? expiry : best));
    const monthly = spy.quotes.filter((quote) => quote.expiryDate === monthOut);
    const volatilityAt = (strike: number, right: OptionRight): number =>
      monthly.find((quote) => quote.strike === strike && quote.right === right)?.impliedVolatility ?? NaN;
    const put = volatilityAt(540, OptionRight.OPTION_RIGHT_PUT);
    const atm = volatilityAt(600, OptionRight.OPTION_RIGHT_CALL);
    const call = volatilityAt(660, OptionRight.OPTION_RIGHT_CALL);
    expect(put).toBeGreaterThan(atm + 0.03);
    expect(atm).toBeGreaterThan(call);
    expect(atm).toBeGreaterThan(0.12);
    expect(atm).toBeLessThan(0.2);
  });

  it("thins volume and open interest out away from the money and with time, on average", () => {
    // Distance from the money in ATM standard deviations, measured from the quotes themselves.
    const atmVolatility = new Map<string, number>();
    for (const quote of spy.quotes) if (quote.strike === 600) atmVolatility.set(quote.expiryDate, quote.impliedVolatility ?? NaN);
    const edges = [0.5, 1, 2, 3];
    const bucketOf = (quote: OptionQuote): number => {
      const years = marketOf(spy, quote).years;
      const deviations = Math.abs(Math.log(quote.strike / 600)) / ((atmVolatility.get(quote.expiryDate) ?? NaN) * Math.sqrt(years));
      const bucket = edges.findIndex((edge) => deviations < edge);
      return bucket === -1 ? edges.length : bucket;
    };
    const buckets = [0, 1, 2, 3, 4].map((bucket) => spy.quotes.filter((quote) => bucketOf(quote) === bucket));
    const meanVolume = buckets.map((quotes) => mean(quotes.map((quote) => Number(quote.volume))));
    const meanOpenInterest = buckets.map((quotes) => mean(quotes.map((quote) => Number(quote.openInterest))));
    for (let bucket = 1; bucket < buckets.length; bucket++) {
      expect(meanVolume[bucket]).toBeLessThan(meanVolume[bucket - 1] ?? 0);
      expect(meanOpenInterest[bucket]).toBeLessThan(meanOpenInterest[bucket - 1] ?? 0);
    }
    const atTheMoney = (expiry: string): OptionQuote[] => spy.quotes.filter((quote) => quote.expiryDate === expiry && Math.abs(quote.strike - 600) <= 5);
    const expiries = [...atmVolatility.keys()];
    expect(mean(atTheMoney(expiries[0] ?? "").map((quote) => Number(quote.volume)))).toBeGreaterThan(
      mean(atTheMoney(expiries.at(-1) ?? "").map((quote) => Number(quote.volume))),
    );
  });
});

describe("profiles", () => {
  it.each(Object.keys(SYMBOL_PROFILES))("%s gives a well-formed chain at its default spot", (symbol) => {
    const chain = generateSyntheticChain({ symbol, seed: 1, asOf: AS_OF });
    expect(chain.underlyingPrice).toBe(SYMBOL_PROFILES[symbol]?.spot);
    expect(chain.quotes.length).toBeGreaterThan(3_000);
    expect(chain.quotes.filter((quote) => !(quote.ask > quote.bid && quote.bid >= 0 && quote.strike > 0))).toEqual([]);
  });

  it("ranks liquidity and volatility as the real markets do", () => {
    const { SPY, TSLA, NVDA, AMZN } = SYMBOL_PROFILES;
    expect(Math.max(...Object.values(SYMBOL_PROFILES).map((profile) => profile.liquidity))).toBe(SPY?.liquidity);
    expect(TSLA?.atmVolatility).toBeGreaterThan(NVDA?.atmVolatility ?? Infinity);
    expect(NVDA?.atmVolatility).toBeGreaterThan(SPY?.atmVolatility ?? Infinity);
    expect(TSLA?.dividendYield).toBe(0);
    expect(AMZN?.dividendYield).toBe(0);
    // Indexes carry a steeper put skew than single stocks.
    expect(SPY?.skew).toBeLessThan(TSLA?.skew ?? -Infinity);
  });

  it("gives an unknown symbol the generic profile only with a spot", () => {
    expect(profileFor("XYZ")).toBeUndefined();
    expect(profileFor("XYZ", 42)?.spot).toBe(42);
    expect(profileFor("spy")?.spot).toBe(600);
    expect(() => generateSyntheticChain({ symbol: "XYZ", seed: 1, asOf: AS_OF })).toThrow(/XYZ/);
    const xyz = generateSyntheticChain({ symbol: "xyz", spot: 12.34, seed: 1, asOf: AS_OF });
    expect(xyz.symbol).toBe("XYZ");
    expect(xyz.quotes.every((quote) => Number.isInteger(quote.strike * 2))).toBe(true);
  });

  it("rejects inputs it cannot price", () => {
    expect(() => generateSyntheticChain({ symbol: "SPY", spot: -1, seed: 1, asOf: AS_OF })).toThrow(/spot/);
    expect(() => generateSyntheticChain({ symbol: "SPY", seed: 1.5, asOf: AS_OF })).toThrow(/seed/);
    expect(() => generateSyntheticChain({ symbol: "SPY", seed: 1, asOf: new Date(Number.NaN) })).toThrow(/asOf/);
  });
});

// Black–Scholes–Merton prices, greeks and implied volatility against references that do not
// come from the formulas under test: worked values published in J. C. Hull, "Options,
// Futures, and Other Derivatives" (each checked again with Python's statistics.NormalDist
// before being written here), finite differences of the price, and put-call parity.
// The engine's units: prices per share, theta per calendar day (365 a year), vega per
// volatility point (0.01).
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import {
  CALL,
  impliedVolatility,
  optionGreeks,
  optionPrice,
  PUT,
  type MarketInputs,
  type OptionGreeks,
  type OptionSign,
} from "../../../services/engine/black-scholes.js";
import { normalCdf } from "../../../services/engine/normal-distribution.js";
import { GREEKS_COMPUTED, IV_COMPUTED, prepareChain, type LegTable } from "../../../services/engine/prepared-chain.js";
import { expiryInstant, MS_PER_YEAR } from "../../../services/engine/new-york-time.js";

const DAYS_PER_YEAR = 365;
const POINTS_PER_UNIT_OF_VOLATILITY = 100;

function greeksOf(sign: OptionSign, strike: number, volatility: number, market: MarketInputs): OptionGreeks {
  return optionGreeks(sign, strike, volatility, market, { delta: 0, gamma: 0, theta: 0, vega: 0 });
}

/** `actual` rounds to `printed` at `decimals` places (half a unit in the last printed place). */
function expectPrinted(actual: number, printed: number, decimals: number): void {
  expect(Math.abs(actual - printed), `${actual} printed as ${printed}`).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-12);
}

/** The x with Φ(x) = p, by bisection on the engine's Φ (itself checked against reference values below). */
function normalQuantile(p: number): number {
  let low = -40;
  let high = 40;
  for (let step = 0; step < 200 && high - low > 1e-15; step++) {
    const middle = 0.5 * (low + high);
    if (normalCdf(middle) < p) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}

describe("the standard normal distribution", () => {
  // Φ from Python's statistics.NormalDist().cdf; the engine claims an absolute error below 1e-14.
  it.each([
    [0, 0.5],
    [0.5444, 0.7069168770978906],
    [0.6278, 0.7349325169386037],
    [0.7693, 0.7791423813831622],
    [1, 0.8413447460685429],
    [-1.96, 0.024997895148220428],
    [3, 0.9986501019683699],
    [-5, 2.8665157186802404e-7],
  ])("Φ(%s) = %s", (x, expected) => {
    expect(Math.abs(normalCdf(x) - expected)).toBeLessThan(2e-14);
  });
});

describe("worked values from Hull", () => {
  it("prices the six-month stock option (S0 = 42, K = 40, r = 10%, σ = 20%): d1 = 0.7693, d2 = 0.6278, c = 4.76, p = 0.81", () => {
    // Hull, "The Black–Scholes–Merton model" chapter, its worked example.
    const market: MarketInputs = { spot: 42, rate: 0.1, dividendYield: 0, years: 0.5 };
    const call = optionPrice(CALL, 40, 0.2, market);
    const put = optionPrice(PUT, 40, 0.2, market);
    expectPrinted(call, 4.76, 2);
    expectPrinted(put, 0.81, 2);
    // d1 from the call's delta, N(d1) without a dividend; d2 from the price: c = S·N(d1) − K·e^(−rT)·N(d2).
    const d1 = normalQuantile(greeksOf(CALL, 40, 0.2, market).delta);
    const d2 = normalQuantile((42 * normalCdf(d1) - call) / (40 * Math.exp(-0.1 * 0.5)));
    expectPrinted(d1, 0.7693, 4);
    expectPrinted(d2, 0.6278, 4);
    // The put's delta is −N(−d1): the same d1.
    expectPrinted(-normalQuantile(-greeksOf(PUT, 40, 0.2, market).delta), 0.7693, 4);
  });

  it("gives the greeks of the twenty-week stock option (S0 = 49, K = 50, r = 5%, σ = 20%, T = 0.3846)", () => {
    // Hull, "The Greek letters" chapter: delta 0.522, gamma 0.066, theta −4.31 a year,
    // vega 12.1 per unit of σ, rho 8.91 (per unit of r).
    const market: MarketInputs = { spot: 49, rate: 0.05, dividendYield: 0, years: 0.3846 };
    const greeks = greeksOf(CALL, 50, 0.2, market);
    expectPrinted(greeks.delta, 0.522, 3);
    expectPrinted(greeks.gamma, 0.066, 3);
    expectPrinted(greeks.theta * DAYS_PER_YEAR, -4.31, 2);
    expectPrinted(greeks.vega * POINTS_PER_UNIT_OF_VOLATILITY, 12.1, 1);
    // The engine has no rho; the price's derivative in r must be Hull's.
    const step = 1e-5;
    const rho = (optionPrice(CALL, 50, 0.2, { ...market, rate: 0.05 + step }) - optionPrice(CALL, 50, 0.2, { ...market, rate: 0.05 - step })) / (2 * step);
    expectPrinted(rho, 8.91, 2);
  });

  it("prices the two-month index option with a dividend yield (S0 = 930, K = 900, r = 8%, q = 3%, σ = 20%): d1 = 0.5444, d2 = 0.4628, c = 51.83", () => {
    // Hull, "Options on stock indices and currencies" chapter. Hull rounds d1 and d2 before
    // looking up N; unrounded they are 0.54448 and 0.46283, so they are held to one unit
    // in the fourth place rather than half of one.
    const market: MarketInputs = { spot: 930, rate: 0.08, dividendYield: 0.03, years: 2 / 12 };
    const call = optionPrice(CALL, 900, 0.2, market);
    expectPrinted(call, 51.83, 2);
    const dividendDiscount = Math.exp(-0.03 * (2 / 12));
    // A call's delta is e^(−qT)·N(d1).
    const d1 = normalQuantile(greeksOf(CALL, 900, 0.2, market).delta / dividendDiscount);
    const d2 = normalQuantile((930 * dividendDiscount * normalCdf(d1) - call) / (900 * Math.exp(-0.08 * (2 / 12))));
    expect(Math.abs(d1 - 0.5444)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(d2 - 0.4628)).toBeLessThanOrEqual(1e-4);
    expect(d1 - d2).toBeCloseTo(0.2 * Math.sqrt(2 / 12), 12);
  });
});

interface Case {
  readonly label: string;
  readonly sign: OptionSign;
  readonly strike: number;
  readonly volatility: number;
  readonly market: MarketInputs;
}

/** Calls and puts in, at and out of the money, a week and two years out, with and without rate and dividend yield. */
function cases(): Case[] {
  const all: Case[] = [];
  for (const [rate, dividendYield] of [
    [0, 0],
    [0.05, 0],
    [0.05, 0.02],
    [0.01, 0.06],
  ] as const) {
    for (const years of [7 / 365, 2]) {
      for (const volatility of [0.12, 0.6]) {
        for (const strike of [80, 100, 125]) {
          for (const sign of [CALL, PUT] as const) {
            all.push({
              label: `${sign === CALL ? "call" : "put"} K=${strike} σ=${volatility} T=${years.toFixed(4)} r=${rate} q=${dividendYield}`,
              sign,
              strike,
              volatility,
              market: { spot: 100, rate, dividendYield, years },
            });
          }
        }
      }
    }
  }
  return all;
}

/**
 * f′(x) by a central difference of step h, with how far it may be from the truth: its
 * truncation error, O(h²), is estimated from the same difference at 2h (which has four times
 * it, so |D(2h) − D(h)| is three times the error: taken whole, for margin), plus the rounding
 * error of the two values, `valueError` each, over 2h.
 */
function firstDerivative(f: (x: number) => number, x: number, h: number, valueError: number): { value: number; tolerance: number } {
  const at = (step: number) => (f(x + step) - f(x - step)) / (2 * step);
  const value = at(h);
  return { value, tolerance: Math.abs(at(2 * h) - value) + valueError / h };
}

/** f″(x) by a second central difference; the same error estimate, with rounding 4·valueError/h². */
function secondDerivative(f: (x: number) => number, x: number, h: number, valueError: number): { value: number; tolerance: number } {
  const at = (step: number) => (f(x + step) - 2 * f(x) + f(x - step)) / (step * step);
  const value = at(h);
  return { value, tolerance: Math.abs(at(2 * h) - value) + (4 * valueError) / (h * h) };
}

/** An upper bound on a price's absolute error: Φ's (1e-14) on each of its two terms, and a few ulps of each. */
function priceError({ strike, market }: Case): number {
  return 4e-14 * (market.spot + strike);
}

describe("greeks against finite differences of the price", () => {
  it.each(cases().map((c) => [c.label, c] as const))("%s", (_label, c) => {
    const { sign, strike, volatility, market } = c;
    const greeks = greeksOf(sign, strike, volatility, market);
    const error = priceError(c);
    // Steps on each variable's own scale: a week-long option's price turns over a few dollars of spot.
    const spotStep = 1e-3 * market.spot * volatility * Math.sqrt(market.years);
    const priceAtSpot = (spot: number) => optionPrice(sign, strike, volatility, { ...market, spot });
    const priceAtVolatility = (sigma: number) => optionPrice(sign, strike, sigma, market);
    const priceAtYears = (years: number) => optionPrice(sign, strike, volatility, { ...market, years });

    const delta = firstDerivative(priceAtSpot, market.spot, spotStep, error);
    expect(Math.abs(greeks.delta - delta.value), `delta ${greeks.delta} vs ${delta.value}`).toBeLessThanOrEqual(delta.tolerance);
    const gamma = secondDerivative(priceAtSpot, market.spot, 10 * spotStep, error);
    expect(Math.abs(greeks.gamma - gamma.value), `gamma ${greeks.gamma} vs ${gamma.value}`).toBeLessThanOrEqual(gamma.tolerance);
    const vegaPerUnit = firstDerivative(priceAtVolatility, volatility, 1e-4 * volatility, error);
    const vega = greeks.vega * POINTS_PER_UNIT_OF_VOLATILITY;
    expect(Math.abs(vega - vegaPerUnit.value), `vega ${vega} vs ${vegaPerUnit.value}`).toBeLessThanOrEqual(vegaPerUnit.tolerance);
    // Theta is the price's change as calendar time passes: time to expiry falls.
    const byYears = firstDerivative(priceAtYears, market.years, 1e-4 * market.years, error);
    const thetaPerYear = greeks.theta * DAYS_PER_YEAR;
    expect(Math.abs(thetaPerYear + byYears.value), `theta ${thetaPerYear} vs ${-byYears.value}`).toBeLessThanOrEqual(byYears.tolerance);
    // Each comparison had room to fail: every tolerance is a tiny fraction of its greek's
    // at-the-money size (deep out of the money the greeks themselves are nearly 0).
    const deviation = volatility * Math.sqrt(market.years);
    const atTheMoneySize = [
      [delta, 1],
      [gamma, 1 / (market.spot * deviation)],
      [vegaPerUnit, market.spot * Math.sqrt(market.years)],
      [byYears, (market.spot * volatility) / (2 * Math.sqrt(market.years)) + market.rate * strike + market.dividendYield * market.spot],
    ] as const;
    for (const [{ tolerance }, size] of atTheMoneySize) expect(tolerance).toBeLessThan(1e-4 * size);
  });
});

describe("put-call parity", () => {
  // c − p = S·e^(−qT) − K·e^(−rT) for the price, and its derivatives for the greeks.
  it.each(
    cases()
      .filter((c) => c.sign === CALL)
      .map((c) => [c.label.replace(/^call /, ""), c] as const),
  )("%s", (_label, c) => {
    const { strike, volatility, market } = c;
    const { spot, rate, dividendYield, years } = market;
    const dividendDiscount = Math.exp(-dividendYield * years);
    const rateDiscount = Math.exp(-rate * years);
    const call = greeksOf(CALL, strike, volatility, market);
    const put = greeksOf(PUT, strike, volatility, market);
    const tolerance = 1e-12 * (spot + strike);
    expect(
      Math.abs(
        optionPrice(CALL, strike, volatility, market) - optionPrice(PUT, strike, volatility, market) - (spot * dividendDiscount - strike * rateDiscount),
      ),
    ).toBeLessThanOrEqual(tolerance);
    expect(call.delta - put.delta).toBeCloseTo(dividendDiscount, 12);
    expect(call.gamma).toBeCloseTo(put.gamma, 14);
    expect(call.vega).toBeCloseTo(put.vega, 14);
    // d/dt of S·e^(−qT) − K·e^(−rT), per day.
    const parityTheta = (dividendYield * spot * dividendDiscount - rate * strike * rateDiscount) / DAYS_PER_YEAR;
    expect(Math.abs(call.theta - put.theta - parityTheta)).toBeLessThanOrEqual(tolerance);
  });
});

describe("implied volatility", () => {
  const vegaPerUnitOf = ({ sign, strike, volatility, market }: Case) => greeksOf(sign, strike, volatility, market).vega * POINTS_PER_UNIT_OF_VOLATILITY;
  // A price that hardly moves with σ (far out of the money a week out) pins σ down only loosely: those are left out.
  const priced = cases().filter((c) => optionPrice(c.sign, c.strike, c.volatility, c.market) > 1e-8 && vegaPerUnitOf(c) > 1e-6);

  it("has cases to recover", () => {
    expect(priced.length).toBeGreaterThan(cases().length * 0.8);
  });

  it.each(priced.map((c) => [c.label, c] as const))("recovers σ from the price of a %s", (_label, c) => {
    const { sign, strike, volatility, market } = c;
    const price = optionPrice(sign, strike, volatility, market);
    const vegaPerUnit = vegaPerUnitOf(c);
    const recovered = impliedVolatility(sign, strike, price, market);
    // Promised: the price again to 1e-10, so σ to 1e-10 over vega.
    expect(Math.abs(optionPrice(sign, strike, recovered, market) - price)).toBeLessThanOrEqual(1e-10);
    expect(Math.abs(recovered - volatility)).toBeLessThanOrEqual(2e-10 / vegaPerUnit + 1e-12);
  });

  it("has no answer for a price no volatility gives", () => {
    const market: MarketInputs = { spot: 100, rate: 0.05, dividendYield: 0.02, years: 0.5 };
    const forwardIntrinsic = 100 * Math.exp(-0.02 * 0.5) - 80 * Math.exp(-0.05 * 0.5);
    // Below what the forward is worth at any volatility, zero, or negative.
    expect(impliedVolatility(CALL, 80, forwardIntrinsic - 0.01, market)).toBeNaN();
    expect(impliedVolatility(CALL, 80, 0, market)).toBeNaN();
    expect(impliedVolatility(PUT, 80, -1, market)).toBeNaN();
    // At or above the discounted spot (a call) or strike (a put), the no-arbitrage ceilings.
    expect(impliedVolatility(CALL, 80, 100 * Math.exp(-0.02 * 0.5), market)).toBeNaN();
    expect(impliedVolatility(PUT, 120, 120 * Math.exp(-0.05 * 0.5), market)).toBeNaN();
    // No time left, or not a number.
    expect(impliedVolatility(CALL, 100, 5, { ...market, years: 0 })).toBeNaN();
    expect(impliedVolatility(CALL, 100, Number.NaN, market)).toBeNaN();
    // Just inside both bounds there is one.
    expect(impliedVolatility(CALL, 80, forwardIntrinsic + 0.01, market)).toBeGreaterThan(0);
  });
});

describe("quotes without implied volatility or greeks", () => {
  // A chain whose as-of lies `years` (of 365 days) before 16:00 New York on the expiry date.
  function chainOf(spot: number, rate: number, dividendYield: number, years: number, quotes: Partial<OptionQuote>[]): OptionChain {
    const expiryDate = "2026-06-19";
    return OptionChain.fromPartial({
      symbol: "HULL",
      underlyingPrice: spot,
      rate,
      dividendYield,
      multiplier: 100,
      asOf: new Date(expiryInstant(expiryDate).getTime() - Math.round(years * MS_PER_YEAR)),
      quotes: quotes.map((quote) => OptionQuote.fromPartial({ expiryDate, ...quote })),
    });
  }

  interface Leg {
    readonly impliedVolatility: number;
    readonly delta: number;
    readonly gamma: number;
    readonly theta: number;
    readonly vega: number;
    readonly computed: number;
  }

  function onlyLeg(table: LegTable | undefined): Leg {
    expect(table?.count).toBe(1);
    const leg = table as LegTable;
    return {
      impliedVolatility: leg.impliedVolatility[0] as number,
      delta: leg.delta[0] as number,
      gamma: leg.gamma[0] as number,
      theta: leg.theta[0] as number,
      vega: leg.vega[0] as number,
      computed: leg.computed[0] as number,
    };
  }

  it("get them from the mid: Hull's twenty-week option priced at σ = 20% has σ = 20% and Hull's greeks", () => {
    // c = 2.400461 at S0 = 49, K = 50, r = 5%, σ = 20%, T = 0.3846 (Python, NormalDist).
    const call = 2.4004610869656666;
    const chain = chainOf(49, 0.05, 0, 0.3846, [{ strike: 50, right: OptionRight.OPTION_RIGHT_CALL, bid: call - 0.05, ask: call + 0.05 }]);
    const prepared = prepareChain(chain);
    expect(prepared.expiries[0]?.years).toBeCloseTo(0.3846, 12);
    const leg = onlyLeg(prepared.expiries[0]?.calls);
    expect(leg.computed).toBe(IV_COMPUTED | GREEKS_COMPUTED);
    expect(leg.impliedVolatility).toBeCloseTo(0.2, 9);
    expectPrinted(leg.delta, 0.522, 3);
    expectPrinted(leg.gamma, 0.066, 3);
    expectPrinted(leg.theta * DAYS_PER_YEAR, -4.31, 2);
    expectPrinted(leg.vega * POINTS_PER_UNIT_OF_VOLATILITY, 12.1, 1);
  });

  it("carry the dividend yield into σ and the greeks: Hull's index option", () => {
    // S0 = 930, K = 900, r = 8%, q = 3%, σ = 20%, T = 2/12: c = 51.832957, p = 14.550997,
    // call delta e^(−qT)·N(d1) = 0.703418, put delta −0.291594, gamma 0.00450740,
    // vega 129.948 per unit, theta −106.531 (call) and −63.2458 (put) a year (Python, NormalDist).
    const chain = chainOf(930, 0.08, 0.03, 2 / 12, [
      { strike: 900, right: OptionRight.OPTION_RIGHT_CALL, bid: 51.83295679649086 - 0.1, ask: 51.83295679649086 + 0.1 },
      { strike: 900, right: OptionRight.OPTION_RIGHT_PUT, bid: 14.550996773772397 - 0.1, ask: 14.550996773772397 + 0.1 },
    ]);
    const expiry = prepareChain(chain).expiries[0];
    const call = onlyLeg(expiry?.calls);
    const put = onlyLeg(expiry?.puts);
    for (const leg of [call, put]) {
      expect(leg.computed).toBe(IV_COMPUTED | GREEKS_COMPUTED);
      expect(leg.impliedVolatility).toBeCloseTo(0.2, 9);
      expect(leg.gamma).toBeCloseTo(0.004507403861694335, 9);
      expect(leg.vega * POINTS_PER_UNIT_OF_VOLATILITY).toBeCloseTo(129.94845333264766, 6);
    }
    expect(call.delta).toBeCloseTo(0.7034180086011922, 9);
    expect(put.delta).toBeCloseTo(-0.2915944705914902, 9);
    expect(call.theta * DAYS_PER_YEAR).toBeCloseTo(-106.53137285582477, 6);
    expect(put.theta * DAYS_PER_YEAR).toBeCloseTo(-63.24584937518252, 6);
  });

  it("keep the implied volatility and greeks a quote carries", () => {
    const chain = chainOf(49, 0.05, 0, 0.3846, [
      {
        strike: 50,
        right: OptionRight.OPTION_RIGHT_CALL,
        bid: 2.35,
        ask: 2.45,
        impliedVolatility: 0.31,
        greeks: { delta: 0.5, gamma: 0.07, theta: -0.02, vega: 0.11 },
      },
    ]);
    const leg = onlyLeg(prepareChain(chain).expiries[0]?.calls);
    expect(leg).toEqual({ impliedVolatility: 0.31, delta: 0.5, gamma: 0.07, theta: -0.02, vega: 0.11, computed: 0 });
  });
});

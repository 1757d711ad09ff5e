// The simulated market: a seeded GBM path per symbol, priced through the shared synthetic
// model, served one-shot and as live feeds that share one ticker per symbol, with a switch
// to take it down for the coordinator's resilience tests.
import { createHash } from "node:crypto";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OptionChain, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { RpcError } from "../../../services/common/errors.js";
import { ContractRandom } from "../../../services/market-model/contract-random.js";
import { listExpirations } from "../../../services/market-model/expiration-calendar.js";
import { SYMBOL_PROFILES } from "../../../services/market-model/symbol-profiles.js";
import type { FeedListener } from "../../../services/coordinator/market/market-data-provider.js";
import { PricePath, nextSpot, type NormalSource } from "../../../services/coordinator/market/price-path.js";
import { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";

const START = new Date("2025-06-02T14:30:00Z"); // a Monday, 10:30 in New York
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR_MS = 365 * DAY;
const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"];

/** A market whose clock stands still at `at`, so only explicit ticks move it. */
function stillMarket(seed: number, tickIntervalMs = MINUTE, at = START): SimulatedMarket {
  return new SimulatedMarket({ seed, tickIntervalMs, now: () => new Date(at) });
}

/** A digest of the chain's wire bytes: equal digests, byte-identical chains (and cheap to compare). */
function bytesOf(chain: OptionChain): string {
  return createHash("sha256").update(OptionChain.encode(chain).finish()).digest("hex");
}

/** Standard normals by the polar Box–Muller method over pure-rand: independent of the code under test. */
function normalSource(seed: number): NormalSource {
  const generator = xoroshiro128plus(seed);
  let spare: number | undefined;
  return {
    normal(): number {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      for (;;) {
        const u = 2 * uniformFloat64(generator) - 1;
        const v = 2 * uniformFloat64(generator) - 1;
        const s = u * u + v * v;
        if (s === 0 || s >= 1) continue;
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * factor;
        return u * factor;
      }
    },
  };
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function rpcCodeOf(error: unknown): GrpcStatus | undefined {
  return error instanceof RpcError ? error.code : undefined;
}

describe("nextSpot", () => {
  it("is the exact GBM transition S·exp((μ − σ²/2)t + σ√t·Z)", () => {
    expect(nextSpot(100, { volatility: 0.3, drift: 0.05, years: 0, normal: 1.7 })).toBe(100);
    expect(nextSpot(100, { volatility: 0, drift: 0.05, years: 2, normal: 1.7 })).toBeCloseTo(100 * Math.exp(0.1), 10);
    // A one-sigma year at 20% volatility and no drift: ln(S'/S) = −0.02 + 0.2.
    expect(Math.log(nextSpot(50, { volatility: 0.2, drift: 0, years: 1, normal: 1 }) / 50)).toBeCloseTo(0.18, 12);
    expect(Math.log(nextSpot(50, { volatility: 0.2, drift: 0, years: 0.25, normal: -2 }) / 50)).toBeCloseTo(-0.005 - 0.2, 12);
  });

  it("rejects impossible inputs instead of producing NaN", () => {
    const step = { volatility: 0.2, drift: 0, years: 1, normal: 0 };
    expect(() => nextSpot(0, step)).toThrow(RangeError);
    expect(() => nextSpot(Number.NaN, step)).toThrow(RangeError);
    expect(() => nextSpot(100, { ...step, volatility: -0.1 })).toThrow(RangeError);
    expect(() => nextSpot(100, { ...step, years: -1 })).toThrow(RangeError);
    expect(() => nextSpot(100, { ...step, normal: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  // Each case: 20,000 steps; the mean must land within 4 standard errors of (μ − σ²/2)·dt, the
  // variance within 5% (about 7 standard errors) of σ²·dt. The drifts are large enough that
  // leaving out either μ or the −σ²/2 correction misses by far more than the tolerance.
  it.each([
    { volatility: 0.2, drift: 0.8, years: 1 / 12 },
    { volatility: 0.6, drift: 0.1, years: 1 / 12 },
    { volatility: 0.16, drift: 0.032, years: 1 / 252 },
  ])("has log returns of mean (μ − σ²/2)·dt and variance σ²·dt over 20,000 steps: %o", ({ volatility, drift, years }) => {
    const normals = normalSource(20_250_602);
    const steps = 20_000;
    const logReturns: number[] = [];
    let spot = 100;
    for (let step = 0; step < steps; step++) {
      const next = nextSpot(spot, { volatility, drift, years, normal: normals.normal() });
      logReturns.push(Math.log(next / spot));
      // Restart from 100 now and then so the path never leaves floating-point comfort.
      spot = Math.abs(Math.log(next / 100)) > 50 ? 100 : next;
    }
    const { mean, variance } = meanAndVariance(logReturns);
    const expectedVariance = volatility ** 2 * years;
    const standardError = Math.sqrt(expectedVariance / steps);
    expect(Math.abs(mean - (drift - volatility ** 2 / 2) * years)).toBeLessThan(4 * standardError);
    expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(0.05);
  });
});

describe("PricePath", () => {
  it("moves in whole steps of its interval, one draw per advance", () => {
    const draws: number[] = [];
    const random: NormalSource = {
      normal: () => {
        draws.push(0.5);
        return 0.5;
      },
    };
    const path = new PricePath({ spot: 200, time: START.getTime(), volatility: 0.25, drift: 0.03, stepMs: HOUR, random });
    expect(path.stepsUntil(START.getTime() + HOUR - 1)).toBe(0);
    expect(path.stepsUntil(START.getTime() + 3 * HOUR + 5)).toBe(3);
    path.advance(3);
    expect(path.time).toBe(START.getTime() + 3 * HOUR);
    expect(draws).toHaveLength(1);
    const years = (3 * HOUR) / YEAR_MS;
    expect(Math.log(path.spot / 200)).toBeCloseTo((0.03 - 0.25 ** 2 / 2) * years + 0.25 * Math.sqrt(years) * 0.5, 12);
    expect(() => {
      path.advance(0);
    }).toThrow(RangeError);
  });

  it("walks with the drift and volatility it was given, from the seeded contract random stream", () => {
    // The market seeds its paths with ContractRandom; check those draws give GBM statistics.
    const volatility = 0.48;
    const drift = 0.9;
    const stepMs = 7 * DAY;
    const path = new PricePath({ spot: 140, time: 0, volatility, drift, stepMs, random: new ContractRandom(11, "NVDA|underlying") });
    const logReturns: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      const before = path.spot;
      path.advance();
      logReturns.push(Math.log(path.spot / before));
    }
    const years = stepMs / YEAR_MS;
    const { mean, variance } = meanAndVariance(logReturns);
    expect(Math.abs(mean - (drift - volatility ** 2 / 2) * years)).toBeLessThan(4 * volatility * Math.sqrt(years / 20_000));
    expect(Math.abs(variance / (volatility ** 2 * years) - 1)).toBeLessThan(0.05);
  });
});

describe("chains", () => {
  // What each underlying has plausibly traded at in 2024-2025, set independently of the profiles.
  const realistic: Record<string, [number, number]> = {
    SPY: [450, 750],
    QQQ: [380, 650],
    IWM: [170, 280],
    AAPL: [160, 300],
    MSFT: [330, 550],
    NVDA: [90, 220],
    TSLA: [150, 500],
    AMZN: [150, 280],
  };

  it.each(SYMBOLS)("gives %s a full chain at a realistic price, moving on every tick", async (symbol) => {
    const market = stillMarket(5, 15 * MINUTE);
    const chain = await market.fetchChain({ symbol });
    const [low, high] = realistic[symbol]!;
    expect(chain.underlyingPrice).toBeGreaterThan(low);
    expect(chain.underlyingPrice).toBeLessThan(high);
    expect(chain.underlyingPrice).toBe(SYMBOL_PROFILES[symbol]!.spot);
    expect(chain).toMatchObject({ symbol, source: "simulated", multiplier: 100, delayed: false });
    expect(chain.asOf).toEqual(START);
    expect(chain.quotes.length).toBeGreaterThan(500);
    expect(chain.quotes.filter((quote) => !(quote.bid >= 0 && quote.bid <= quote.ask))).toEqual([]);
    expect(new Set(chain.quotes.map((quote) => quote.right))).toEqual(new Set([OptionRight.OPTION_RIGHT_CALL, OptionRight.OPTION_RIGHT_PUT]));
    expect(new Set(chain.quotes.map((quote) => quote.expiryDate)).size).toBeGreaterThanOrEqual(8);
    // The chain's volatility is the profile's: ATM quotes a month or so out sit near it.
    const atm = chain.quotes.filter(
      (quote) => Math.abs(quote.strike / chain.underlyingPrice - 1) < 0.02 && quote.expiryDate >= "2025-06-27" && quote.expiryDate <= "2025-07-18",
    );
    expect(atm.length).toBeGreaterThan(0);
    for (const quote of atm) expect(quote.impliedVolatility).toBeGreaterThan(0.5 * SYMBOL_PROFILES[symbol]!.atmVolatility);

    const next = market.tick(symbol);
    expect(next.asOf).toEqual(new Date(START.getTime() + 15 * MINUTE));
    expect(next.underlyingPrice).not.toBe(chain.underlyingPrice);
    expect(Math.abs(Math.log(next.underlyingPrice / chain.underlyingPrice))).toBeLessThan(0.05);
    // Same day, same listing: the contracts line up one to one and their quotes moved.
    expect(next.quotes.map((quote) => [quote.expiryDate, quote.strike, quote.right])).toEqual(
      chain.quotes.map((quote) => [quote.expiryDate, quote.strike, quote.right]),
    );
    const moved = next.quotes.filter((quote, index) => {
      const before = chain.quotes[index]!;
      return quote.bid !== before.bid || quote.ask !== before.ask;
    });
    expect(moved.length).toBeGreaterThan(chain.quotes.length / 10);
    expect(next.quotes[0]?.quoteTime).toEqual(next.asOf);
    // fetchChain serves the ticked state, not the starting one.
    expect(await market.fetchChain({ symbol })).toBe(next);
  });

  it("accepts a symbol in any case", async () => {
    const chain = await stillMarket(5).fetchChain({ symbol: "aapl" });
    expect(chain.symbol).toBe("AAPL");
  });

  it("quotes the spot in cents", () => {
    const market = stillMarket(9, DAY);
    for (let tick = 0; tick < 5; tick++) {
      const spot = market.tick("IWM").underlyingPrice;
      expect(Math.round(spot * 100) / 100).toBe(spot);
    }
  });

  it("re-lists when an expiry passes: after Friday's 16:00 close its contracts are gone", () => {
    const fridayAfternoon = new Date("2025-06-06T19:30:00Z"); // 15:30 in New York
    const market = stillMarket(3, HOUR, fridayAfternoon);
    const atClose = market.tick("AAPL"); // 16:30
    expect(atClose.asOf).toEqual(new Date("2025-06-06T20:30:00Z"));
    const expiries = [...new Set(atClose.quotes.map((quote) => quote.expiryDate))];
    expect(expiries).not.toContain("2025-06-06");
    expect(expiries).toEqual(listExpirations(atClose.asOf!));
  });

  it("brings a symbol up to the clock on fetch, in whole ticks", async () => {
    let clock = START.getTime();
    const market = new SimulatedMarket({ seed: 4, tickIntervalMs: MINUTE, now: () => new Date(clock) });
    const first = await market.fetchChain({ symbol: "IWM" });
    clock += 10 * MINUTE + 30_000;
    const later = await market.fetchChain({ symbol: "IWM" });
    expect(later.asOf).toEqual(new Date(START.getTime() + 10 * MINUTE));
    expect(later.underlyingPrice).not.toBe(first.underlyingPrice);
    // A fetch within the same tick reuses the priced chain: the coordinator's hot path.
    clock += 10_000;
    expect(await market.fetchChain({ symbol: "IWM" })).toBe(later);
  });

  it("drifts risk-neutrally by default, or not at all: the same draws give spots exp((r − q)·t) apart", () => {
    const month = 20 * DAY; // about as long as a timer period can be
    const neutral = stillMarket(8, month);
    const flat = new SimulatedMarket({ seed: 8, tickIntervalMs: month, now: () => new Date(START), drift: "zero" });
    const { rate, dividendYield } = SYMBOL_PROFILES.MSFT!;
    const growth = Math.exp((rate - dividendYield) * (month / YEAR_MS));
    for (let tick = 1; tick <= 3; tick++) {
      const expected = flat.tick("MSFT").underlyingPrice * growth ** tick;
      expect(Math.abs(neutral.tick("MSFT").underlyingPrice - expected)).toBeLessThan(0.02 * tick);
    }
  });

  it("rejects an aborted fetch with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(stillMarket(1).fetchChain({ symbol: "SPY", signal: controller.signal })).rejects.toBe(reason);
  });

  it("refuses a seed or tick interval it cannot use", () => {
    expect(() => new SimulatedMarket({ seed: 1.5, tickIntervalMs: 1000 })).toThrow(RangeError);
    expect(() => new SimulatedMarket({ seed: 1, tickIntervalMs: 0 })).toThrow(RangeError);
    expect(() => new SimulatedMarket({ seed: 1, tickIntervalMs: 2 ** 31 })).toThrow(RangeError);
  });
});

describe("determinism", () => {
  it("gives identical chains for the same seed and ticks, whatever order symbols are ticked in", async () => {
    const one = stillMarket(42);
    const two = stillMarket(42);
    const fromOne = [await one.fetchChain({ symbol: "QQQ" }), one.tick("QQQ"), one.tick("IWM"), one.tick("QQQ")];
    const iwm = two.tick("IWM");
    const fromTwo = [await two.fetchChain({ symbol: "QQQ" }), two.tick("QQQ"), iwm, two.tick("QQQ")];
    expect(fromTwo.map(bytesOf)).toEqual(fromOne.map(bytesOf));
  });

  it("follows another path for another seed", () => {
    const spots = (seed: number): number[] => {
      const market = stillMarket(seed, DAY);
      return [1, 2, 3].map(() => market.tick("TSLA").underlyingPrice);
    };
    expect(spots(42)).toEqual(spots(42));
    expect(spots(43)).not.toEqual(spots(42));
    expect(spots(43)[0]).not.toBe(spots(42)[0]);
  });

  it("walks with the profile's volatility", () => {
    const market = stillMarket(77, DAY);
    const spots = [SYMBOL_PROFILES.NVDA!.spot];
    for (let tick = 0; tick < 150; tick++) spots.push(market.tick("NVDA").underlyingPrice);
    const logReturns = spots.slice(1).map((spot, index) => Math.log(spot / spots[index]!));
    const realised = Math.sqrt(meanAndVariance(logReturns).variance / (DAY / YEAR_MS));
    // 150 daily returns estimate σ to about ±6% (one standard error); allow four.
    expect(Math.abs(realised / SYMBOL_PROFILES.NVDA!.atmVolatility - 1)).toBeLessThan(0.24);
  });
});

describe("errors and fault injection", () => {
  it("answers NOT_FOUND for an unknown symbol, naming it and the symbols it knows", async () => {
    const market = stillMarket(1);
    const error = await rejectionOf(market.fetchChain({ symbol: "ZZZZ" }));
    expect(rpcCodeOf(error)).toBe(GrpcStatus.NOT_FOUND);
    const message = (error as Error).message;
    expect(message).toContain("ZZZZ");
    for (const symbol of SYMBOLS) expect(message).toContain(symbol);
    expect(() => market.openFeed({ symbol: "ZZZZ" }, { onChain: vi.fn(), onError: vi.fn() })).toThrow(
      expect.objectContaining({ code: GrpcStatus.NOT_FOUND }),
    );
  });

  it("answers UNAVAILABLE with a retry delay while down, and serves again once back", async () => {
    const market = stillMarket(1);
    expect(market.isAvailable()).toBe(true);
    market.setAvailable(false);
    expect(market.isAvailable()).toBe(false);
    const error = await rejectionOf(market.fetchChain({ symbol: "SPY" }));
    expect(rpcCodeOf(error)).toBe(GrpcStatus.UNAVAILABLE);
    expect((error as RpcError).message).toMatch(/^the simulated market is down \(.+\)$/);
    expect((error as RpcError).details.retryDelayMs).toBe(1000);
    expect(() => market.tick("SPY")).toThrow(expect.objectContaining({ code: GrpcStatus.UNAVAILABLE }));
    market.setAvailable(true);
    expect(market.isAvailable()).toBe(true);
    expect((await market.fetchChain({ symbol: "SPY" })).symbol).toBe("SPY");
  });
});

describe("feeds", () => {
  // Long enough for every tick to move the spot by whole cents.
  const TICK = 10 * MINUTE;

  interface Recorder extends FeedListener {
    readonly chains: OptionChain[];
    readonly errors: unknown[];
  }

  function recorder(): Recorder {
    const chains: OptionChain[] = [];
    const errors: unknown[] = [];
    return { chains, errors, onChain: (chain) => chains.push(chain), onError: (error) => errors.push(error) };
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("shares one ticker between feeds of a symbol: one path, the same chains", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const [first, second] = [recorder(), recorder()];
    market.openFeed({ symbol: "AAPL" }, first);
    market.openFeed({ symbol: "AAPL" }, second);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(3 * TICK);
    expect(first.chains).toHaveLength(3);
    expect(second.chains).toEqual(first.chains);
    expect(second.chains.every((chain, index) => chain === first.chains[index])).toBe(true);
    expect(first.chains.map((chain) => chain.asOf?.getTime())).toEqual([1, 2, 3].map((tick) => START.getTime() + tick * TICK));
    expect(new Set(first.chains.map((chain) => chain.underlyingPrice)).size).toBe(3);
    expect(first.errors).toEqual([]);
  });

  it("ticks on the market's step grid, however late in a step a feed opens", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    vi.advanceTimersByTime(TICK / 4);
    const listener = recorder();
    market.openFeed({ symbol: "AAPL" }, listener);
    // An interval would fire a whole tick after the opening; the grid's next step comes first.
    vi.advanceTimersByTime((3 * TICK) / 4);
    expect(listener.chains.map((chain) => chain.asOf?.getTime())).toEqual([START.getTime() + TICK]);
    vi.advanceTimersByTime(2 * TICK);
    expect(listener.chains.map((chain) => chain.asOf?.getTime())).toEqual([1, 2, 3].map((tick) => START.getTime() + tick * TICK));
  });

  it("ticks exactly as explicit ticks of a twin market do", () => {
    const fed = new SimulatedMarket({ seed: 21, tickIntervalMs: TICK });
    const twin = new SimulatedMarket({ seed: 21, tickIntervalMs: TICK, now: () => new Date(START) });
    const listener = recorder();
    fed.openFeed({ symbol: "AMZN" }, listener);
    vi.advanceTimersByTime(4 * TICK);
    expect(listener.chains.map(bytesOf)).toEqual([1, 2, 3, 4].map(() => bytesOf(twin.tick("AMZN"))));
  });

  it("stops a symbol's ticker when its last feed closes, and close() stops them all", async () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const [first, second, other] = [recorder(), recorder(), recorder()];
    const feeds = [market.openFeed({ symbol: "IWM" }, first), market.openFeed({ symbol: "IWM" }, second)];
    market.openFeed({ symbol: "NVDA" }, other);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(TICK);
    feeds[0]!.close();
    feeds[0]!.close(); // closing twice changes nothing
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(TICK);
    expect([first.chains.length, second.chains.length]).toEqual([1, 2]);
    feeds[1]!.close();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(TICK);
    expect([first.chains.length, second.chains.length, other.chains.length]).toEqual([1, 2, 3]);
    // Opening again starts a fresh ticker on the same path.
    const again = recorder();
    market.openFeed({ symbol: "IWM" }, again);
    expect(vi.getTimerCount()).toBe(2);
    await market.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5 * TICK);
    expect([again.chains.length, other.chains.length]).toEqual([0, 3]);
    expect(market.isAvailable()).toBe(false);
    expect(rpcCodeOf(await rejectionOf(market.fetchChain({ symbol: "SPY" })))).toBe(GrpcStatus.UNAVAILABLE);
  });

  it("reports the outage to feeds instead of ticking, and carries on when the market is back", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const listener = recorder();
    market.openFeed({ symbol: "MSFT" }, listener);
    vi.advanceTimersByTime(TICK);
    market.setAvailable(false);
    vi.advanceTimersByTime(2 * TICK);
    expect(listener.chains).toHaveLength(1);
    expect(listener.errors).toHaveLength(2);
    for (const error of listener.errors) {
      expect(rpcCodeOf(error)).toBe(GrpcStatus.UNAVAILABLE);
      expect((error as RpcError).details.retryDelayMs).toBe(1000);
    }
    market.setAvailable(true);
    vi.advanceTimersByTime(TICK);
    expect(listener.chains).toHaveLength(2);
    expect(listener.errors).toHaveLength(2);
    // The path catches up with the clock it missed while down.
    expect(listener.chains[1]?.asOf).toEqual(new Date(START.getTime() + 4 * TICK));
  });

  it("keeps ticking when a listener throws, telling that listener through onError", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const failure = new Error("listener broke");
    const errors: unknown[] = [];
    market.openFeed(
      { symbol: "QQQ" },
      {
        onChain: () => {
          throw failure;
        },
        onError: (error) => {
          errors.push(error);
          throw new Error("and so did its error handler");
        },
      },
    );
    const healthy = recorder();
    market.openFeed({ symbol: "QQQ" }, healthy);
    vi.advanceTimersByTime(2 * TICK);
    expect(errors).toEqual([failure, failure]);
    expect(healthy.chains).toHaveLength(2);
  });

  it("closes a feed when its request's signal aborts", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const controller = new AbortController();
    const listener = recorder();
    market.openFeed({ symbol: "TSLA", signal: controller.signal }, listener);
    vi.advanceTimersByTime(TICK);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(TICK);
    expect(listener.chains).toHaveLength(1);
  });
});

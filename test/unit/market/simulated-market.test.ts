// The simulated market: a seeded GBM path per symbol, priced through the shared synthetic
// model and served one-shot, with a switch to take it down for the coordinator's resilience
// tests. Its live feeds are in simulated-market-feeds.test.ts.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it, vi } from "vitest";
import { OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { RpcError } from "../../../services/common/errors.js";
import { listExpirations } from "../../../services/market-model/expiration-calendar.js";
import { SYMBOL_PROFILES } from "../../../services/market-model/symbol-profiles.js";
import { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";
import {
  bytesOf,
  DAY,
  HOUR,
  meanAndVariance,
  MINUTE,
  rejectionOf,
  rpcCodeOf,
  START,
  stillMarket,
  SYMBOLS,
  YEAR_MS,
} from "../../support/simulated-market-helpers.js";

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
    expect(() => market.openFeed({ symbol: "ZZZZ" }, { onChain: vi.fn(), onError: vi.fn() })).toThrow(expect.objectContaining({ code: GrpcStatus.NOT_FOUND }));
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

// Ticks into quotes: live fields over delayed ones, TWS's "none" sentinels, greeks only when
// all four came, and the dividend yield implied by the model's PV of dividends.
import { IBApiTickType as TickType } from "@stoqey/ib";
import { describe, expect, it } from "vitest";
import { OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { assembleChain, impliedDividendYield, optionQuote } from "../../../services/coordinator/market/ibkr/chain-assembly.js";
import type { SelectedContract } from "../../../services/coordinator/market/ibkr/chain-selection.js";
import { QuoteTicks } from "../../../services/coordinator/market/ibkr/quote-ticks.js";

const AT = new Date("2026-03-11T15:00:00Z");
const PUT: SelectedContract = { expiryDate: "2026-04-10", strike: 580, right: "P" };
const MODEL = { impliedVolatility: 0.18, delta: -0.25, gamma: 0.01, vega: 0.5, theta: -0.12, underlyingPrice: 600, pvDividend: 0.8 };

describe("QuoteTicks", () => {
  it("prefers live fields and falls back to delayed ones", () => {
    const ticks = new QuoteTicks();
    ticks.price(TickType.DELAYED_BID, 1.1);
    ticks.price(TickType.DELAYED_ASK, 1.3);
    expect([ticks.bid, ticks.ask, ticks.delayed]).toEqual([1.1, 1.3, true]);
    ticks.price(TickType.BID, 1.2);
    expect(ticks.bid).toBe(1.2);
  });

  it("reads -1 and undefined as no price", () => {
    const ticks = new QuoteTicks();
    ticks.price(TickType.BID, -1);
    ticks.price(TickType.ASK, undefined);
    ticks.size(TickType.VOLUME, undefined);
    expect([ticks.bid, ticks.ask, ticks.volume]).toEqual([0, 0, 0]);
  });

  it("is delayed when TWS says the data type is delayed", () => {
    const ticks = new QuoteTicks();
    ticks.marketDataType(1);
    expect(ticks.delayed).toBe(false);
    ticks.marketDataType(3);
    expect(ticks.delayed).toBe(true);
  });

  it("takes the spot from a sane bid/ask, else the last trade, else the close", () => {
    const ticks = new QuoteTicks();
    expect(ticks.spot).toBeUndefined();
    ticks.price(TickType.CLOSE, 598);
    expect(ticks.spot).toBe(598);
    ticks.price(TickType.LAST, 599);
    expect(ticks.spot).toBe(599);
    ticks.price(TickType.BID, 599.99);
    ticks.price(TickType.ASK, 600.01);
    expect(ticks.spot).toBeCloseTo(600, 10);
  });

  it("prefers the model's computation to the quotes'", () => {
    const ticks = new QuoteTicks();
    ticks.optionComputation(TickType.BID_OPTION, { ...MODEL, delta: -0.3 });
    ticks.optionComputation(TickType.MODEL_OPTION, MODEL);
    expect(ticks.computation((c) => c.delta)).toBe(-0.25);
  });

  it("reads open interest from generic tick 101", () => {
    const ticks = new QuoteTicks();
    ticks.size(TickType.OPTION_PUT_OPEN_INTEREST, 1234);
    expect(ticks.openInterest).toBe(1234);
  });
});

describe("optionQuote", () => {
  it("carries prices, volume, IV and the four greeks", () => {
    const ticks = new QuoteTicks();
    ticks.price(TickType.BID, 2.1);
    ticks.price(TickType.ASK, 2.2);
    ticks.price(TickType.LAST, 2.15);
    ticks.size(TickType.VOLUME, 321);
    ticks.optionComputation(TickType.MODEL_OPTION, MODEL);
    const quote = optionQuote({ contract: PUT, ticks, quoteTime: AT, conId: 42 });
    expect(quote).toMatchObject({
      expiryDate: "2026-04-10",
      strike: 580,
      right: OptionRight.OPTION_RIGHT_PUT,
      bid: 2.1,
      ask: 2.2,
      last: 2.15,
      volume: 321n,
      impliedVolatility: 0.18,
      brokerContractId: 42n,
    });
    expect(quote?.greeks).toEqual({ delta: -0.25, gamma: 0.01, vega: 0.5, theta: -0.12 });
    expect(quote?.quoteTime).toEqual(AT);
  });

  it("leaves greeks out rather than zero when TWS did not compute all four", () => {
    const ticks = new QuoteTicks();
    ticks.price(TickType.BID, 2.1);
    ticks.optionComputation(TickType.MODEL_OPTION, { ...MODEL, gamma: undefined });
    expect(optionQuote({ contract: PUT, ticks, quoteTime: AT })?.greeks).toBeUndefined();
  });

  it("drops a contract TWS said nothing useful about", () => {
    const ticks = new QuoteTicks();
    ticks.size(TickType.VOLUME, 0);
    expect(optionQuote({ contract: PUT, ticks, quoteTime: AT })).toBeUndefined();
  });
});

describe("assembleChain", () => {
  it("builds an ibkr chain, delayed when any quote is", () => {
    const live = new QuoteTicks();
    live.price(TickType.BID, 1);
    const late = new QuoteTicks();
    late.price(TickType.DELAYED_BID, 1);
    const chain = assembleChain({
      symbol: "SPY",
      spot: 600,
      asOf: AT,
      rate: 0.045,
      dividendYield: 0.013,
      multiplier: 100,
      delayed: false,
      quotes: [
        { contract: PUT, ticks: live, quoteTime: AT },
        { contract: { ...PUT, right: "C" }, ticks: late, quoteTime: AT },
      ],
    });
    expect(chain).toMatchObject({ symbol: "SPY", underlyingPrice: 600, source: "ibkr", multiplier: 100, delayed: true, rate: 0.045 });
    expect(chain.quotes).toHaveLength(2);
  });
});

describe("impliedDividendYield", () => {
  it("inverts S·(1 − e^(−qT)) = PV(dividends)", () => {
    const spot = 600;
    const years = 0.25;
    const q = 0.013;
    expect(impliedDividendYield(spot, spot * (1 - Math.exp(-q * years)), years)).toBeCloseTo(q, 12);
  });

  it("gives nothing for missing or absurd inputs", () => {
    expect(impliedDividendYield(600, undefined, 0.25)).toBeUndefined();
    expect(impliedDividendYield(600, 700, 0.25)).toBeUndefined();
    expect(impliedDividendYield(600, 300, 0.25)).toBeUndefined();
    expect(impliedDividendYield(600, 1, 0)).toBeUndefined();
  });
});

// Ticks into quotes: live fields over delayed ones, TWS's "none" sentinels, open interest by
// the contract's right, one coherent computation record, greeks only when all four came, and
// the dividend yield implied by the model's PV of dividends.
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

  it("reads a put's open interest from tick 28 and a call's from tick 27, as TWS sends both", () => {
    // TWS sends an option both ticks, the side that does not apply as 0 (the call's, for a put).
    const ticks = new QuoteTicks();
    ticks.size(TickType.OPTION_CALL_OPEN_INTEREST, 0);
    ticks.size(TickType.OPTION_PUT_OPEN_INTEREST, 1234);
    expect(ticks.openInterest("P")).toBe(1234);
    expect(ticks.openInterest("C")).toBe(0);
  });

  it("has no open interest until its tick came", () => {
    const ticks = new QuoteTicks();
    ticks.size(TickType.OPTION_CALL_OPEN_INTEREST, 0);
    expect(ticks.openInterest("P")).toBeUndefined();
  });

  it("knows when bid and ask came, TWS's −1 (none) included", () => {
    const ticks = new QuoteTicks();
    ticks.price(TickType.BID, -1);
    expect(ticks.hasBidAndAsk).toBe(false);
    ticks.price(TickType.ASK, 0.05);
    expect(ticks.hasBidAndAsk).toBe(true);
    expect(ticks.bid).toBe(0);
  });
});

describe("QuoteTicks.computationRecord", () => {
  const BID_RECORD = { impliedVolatility: 0.16, delta: -0.27, gamma: 0.011, vega: 0.48, theta: -0.11, underlyingPrice: 600, pvDividend: 0.8 };
  const ASK_RECORD = { impliedVolatility: 0.2, delta: -0.23, gamma: 0.009, vega: 0.52, theta: -0.13, underlyingPrice: 600, pvDividend: 0.8 };
  const LAST_RECORD = { impliedVolatility: 0.17, delta: -0.26, gamma: 0.0105, vega: 0.49, theta: -0.115, underlyingPrice: 600, pvDividend: 0.8 };
  /** What @stoqey/ib hands over for TWS's "not computed" record (IV −1, greeks −2, prices −1). */
  const NOT_COMPUTED = {
    impliedVolatility: undefined,
    delta: undefined,
    gamma: undefined,
    vega: undefined,
    theta: undefined,
    underlyingPrice: undefined,
    pvDividend: undefined,
  };

  it("takes the model's record whole, whatever the quotes' records say", () => {
    const ticks = new QuoteTicks();
    ticks.optionComputation(TickType.BID_OPTION, BID_RECORD);
    ticks.optionComputation(TickType.MODEL_OPTION, MODEL);
    ticks.optionComputation(TickType.ASK_OPTION, ASK_RECORD);
    expect(ticks.computationRecord).toEqual(MODEL);
  });

  it("takes the mean of the bid's and ask's records when the model was not computed, never a field of each", () => {
    const ticks = new QuoteTicks();
    ticks.optionComputation(TickType.MODEL_OPTION, NOT_COMPUTED);
    ticks.optionComputation(TickType.LAST_OPTION, LAST_RECORD);
    ticks.optionComputation(TickType.BID_OPTION, BID_RECORD);
    ticks.optionComputation(TickType.ASK_OPTION, ASK_RECORD);
    const record = ticks.computationRecord;
    expect(record?.impliedVolatility).toBeCloseTo(0.18, 12);
    expect(record?.delta).toBeCloseTo(-0.25, 12);
    expect(record?.gamma).toBeCloseTo(0.01, 12);
    expect(record?.vega).toBeCloseTo(0.5, 12);
    expect(record?.theta).toBeCloseTo(-0.12, 12);
  });

  it("takes the last trade's record when the model and one quote side were not computed", () => {
    const ticks = new QuoteTicks();
    ticks.optionComputation(TickType.MODEL_OPTION, NOT_COMPUTED);
    ticks.optionComputation(TickType.BID_OPTION, NOT_COMPUTED);
    ticks.optionComputation(TickType.ASK_OPTION, ASK_RECORD);
    ticks.optionComputation(TickType.LAST_OPTION, LAST_RECORD);
    expect(ticks.computationRecord).toEqual(LAST_RECORD);
  });

  it("gives no greeks from a model record with an IV but no delta, rather than the delta of another record", () => {
    const ticks = new QuoteTicks();
    ticks.optionComputation(TickType.MODEL_OPTION, { ...MODEL, delta: undefined });
    ticks.optionComputation(TickType.LAST_OPTION, LAST_RECORD);
    // The model's record is unusable (no delta), so the whole of the last's is taken: IV and delta agree.
    expect(ticks.computation((c) => c.impliedVolatility)).toBe(LAST_RECORD.impliedVolatility);
    expect(ticks.computation((c) => c.delta)).toBe(LAST_RECORD.delta);
  });

  it("has no record when nothing was computed", () => {
    const ticks = new QuoteTicks();
    ticks.optionComputation(TickType.MODEL_OPTION, NOT_COMPUTED);
    ticks.optionComputation(TickType.BID_OPTION, BID_RECORD);
    expect(ticks.computationRecord).toBeUndefined();
    expect(ticks.hasModelRecord).toBe(true);
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

  it("marks open interest unknown, not 0, when it could not be had", () => {
    const ticks = new QuoteTicks();
    ticks.price(TickType.BID, 2.1);
    ticks.size(TickType.OPTION_CALL_OPEN_INTEREST, 0);
    expect(optionQuote({ contract: PUT, ticks, quoteTime: AT })).toMatchObject({ openInterest: 0n, openInterestUnknown: true });
    ticks.size(TickType.OPTION_PUT_OPEN_INTEREST, 950);
    expect(optionQuote({ contract: PUT, ticks, quoteTime: AT })).toMatchObject({ openInterest: 950n, openInterestUnknown: false });
    expect(optionQuote({ contract: PUT, ticks, quoteTime: AT, openInterest: 0 })).toMatchObject({ openInterest: 0n, openInterestUnknown: false });
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

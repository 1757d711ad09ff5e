// Option computations as TWS sends them, proven against the real @stoqey/ib 1.6.10: a record
// for the bid (10), the ask (11), the last trade (12) and the model (13), each with its own
// implied volatility and greeks at that volatility; and "not computed" sentinels, which the
// library hands the client as undefined.
import { IBApiTickType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { CALL, PUT, optionPrice } from "../../services/engine/black-scholes.js";
import { yearsToExpiry } from "../../services/engine/new-york-time.js";
import type { Computation } from "../support/ib-recorder.js";
import { ATM_CALL, ATM_PUT, cleanUp, connect, NOW, option, SPY, SPY_LISTING, startFake, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

const field = (value: number): number => value;
const BID_RECORD = field(IBApiTickType.BID_OPTION);
const ASK_RECORD = field(IBApiTickType.ASK_OPTION);
const LAST_RECORD = field(IBApiTickType.LAST_OPTION);
const MODEL_RECORD = field(IBApiTickType.MODEL_OPTION);

describe("fake TWS: option computations", () => {
  it("bid, ask, last and model records differ: bid IV < model IV < ask IV, each priced and with greeks at its own IV", async () => {
    const fake = await startFake();
    const { api, events } = await connect(fake);
    const contracts = [ATM_CALL, ATM_PUT];
    contracts.forEach((contract, index) => {
      api.reqMktData(1 + index, option(contract), "", true, false);
    });
    await until(() => events.snapshotEnds.length === 2, "both snapshots");

    for (const [index, contract] of contracts.entries()) {
      const reqId = 1 + index;
      const records = new Map(events.computations.filter((record) => record.reqId === reqId).map((record) => [record.field, record]));
      expect([...records.keys()]).toEqual([BID_RECORD, ASK_RECORD, LAST_RECORD, MODEL_RECORD]);
      const [bid, ask, last, model] = [BID_RECORD, ASK_RECORD, LAST_RECORD, MODEL_RECORD].map((key) => records.get(key)!);
      expect(bid!.impliedVolatility!).toBeLessThan(model!.impliedVolatility!);
      expect(model!.impliedVolatility!).toBeLessThan(ask!.impliedVolatility!);
      // Each record prices the quote it is about: the bid record at the bid, the ask record at the ask.
      const price = (tick: number): number => events.pricesOf(reqId).find((candidate) => candidate.field === tick)!.value!;
      expect(bid!.optionPrice).toBeCloseTo(price(IBApiTickType.BID), 9);
      expect(ask!.optionPrice).toBeCloseTo(price(IBApiTickType.ASK), 9);
      expect(last!.optionPrice).toBeCloseTo(price(IBApiTickType.LAST), 9);
      // Coherent: Black-Scholes at the record's own volatility gives the record's price.
      const sign = contract.right === OptionRight.OPTION_RIGHT_CALL ? CALL : PUT;
      const market = { spot: SPY.spot, rate: SPY.rate, dividendYield: SPY.dividendYield, years: yearsToExpiry(NOW, contract.expiryDate) };
      for (const record of [bid, ask, last]) {
        expect(optionPrice(sign, contract.strike, record!.impliedVolatility!, market)).toBeCloseTo(record!.optionPrice!, 6);
        expect(record!.underlyingPrice).toBe(SPY.spot);
      }
      // The greeks move with the volatility: no two records share a vega or a gamma.
      expect(new Set([bid, ask, model].map((record) => record!.vega)).size).toBe(3);
      expect(new Set([bid, ask, model].map((record) => record!.gamma)).size).toBe(3);
    }
  });

  it("uncomputedShare 1: every model record goes out as TWS's sentinels, which the library decodes to undefined; the others stay computed", async () => {
    const fake = await startFake({ uncomputedShare: 1 });
    const { api, events } = await connect(fake);
    api.reqMktData(1, option(ATM_CALL), "", true, false);
    await until(() => events.snapshotEnds.includes(1), "the snapshot");

    const model = events.computations.find((record) => record.field === MODEL_RECORD)!;
    const notComputed: Computation = {
      reqId: 1,
      field: MODEL_RECORD,
      impliedVolatility: undefined,
      delta: undefined,
      optionPrice: undefined,
      pvDividend: undefined,
      gamma: undefined,
      vega: undefined,
      theta: undefined,
      underlyingPrice: undefined,
    };
    expect(model).toEqual(notComputed);
    const bid = events.computations.find((record) => record.field === BID_RECORD)!;
    expect(bid.impliedVolatility).toBeGreaterThan(0);
    expect(bid.delta).toBeGreaterThan(0);
    // A record of sentinels still counts as sent: the snapshot ended without waiting for the deadline.
    expect(fake.stats.snapshotsTimedOut).toBe(0);
  });

  it("uncomputedShare 0.5 leaves the model uncomputed for some contracts of a chain, not all", async () => {
    const fake = await startFake({ uncomputedShare: 0.5 });
    const { api, events } = await connect(fake);
    const puts = SPY_LISTING.filter((contract) => contract.expiryDate === ATM_PUT.expiryDate && contract.right === OptionRight.OPTION_RIGHT_PUT)
      .sort((a, b) => Math.abs(a.strike - ATM_PUT.strike) - Math.abs(b.strike - ATM_PUT.strike))
      .slice(0, 30);
    puts.forEach((contract, index) => {
      api.reqMktData(100 + index, option(contract), "", true, false);
    });
    await until(() => events.snapshotEnds.length === puts.length, "every snapshot");
    const models = events.computations.filter((record) => record.field === MODEL_RECORD);
    expect(models).toHaveLength(puts.length);
    const uncomputed = models.filter((record) => record.impliedVolatility === undefined).length;
    expect(uncomputed).toBeGreaterThan(0);
    expect(uncomputed).toBeLessThan(puts.length);
  });
});

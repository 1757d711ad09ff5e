// The fake TWS's market data proven against the real @stoqey/ib 1.6.10: snapshots, streams,
// unknown symbols and delayed data;
// every test connects the library's own IBApi over TCP on loopback (test/support/fake-tws-client.ts),
// so a field the fake lays out wrongly fails to decode here, exactly as it would in the
// coordinator's IBKR provider. Nothing is mocked.
import { IBApiTickType, MarketDataType, SecType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { priceSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { ATM_CALL, cleanUp, connect, NOW, option, roundTrip, SEED, SPY, startFake, stock, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

describe("fake TWS: market data", () => {
  it("an option snapshot gives bid ≤ ask, model greeks and tickSnapshotEnd, priced by the synthetic model", async () => {
    const fake = await startFake();
    const { api, events } = await connect(fake);

    api.reqMktData(11, option(ATM_CALL), "", true, false);
    await until(() => events.snapshotEnds.includes(11), "tickSnapshotEnd");

    const expected = priceSyntheticChain({ symbol: "SPY", profile: SPY, spot: SPY.spot, asOf: NOW, seed: SEED, contracts: [ATM_CALL] }).quotes[0]!;
    const price = (field: number): number | undefined => events.pricesOf(11).find((tick) => tick.field === field)?.value;
    const bid = price(IBApiTickType.BID)!;
    const ask = price(IBApiTickType.ASK)!;
    expect(bid).toBe(expected.bid);
    expect(ask).toBe(expected.ask);
    expect(bid).toBeLessThanOrEqual(ask);
    const sizeFields = events.sizes.filter((tick) => tick.reqId === 11).map((tick) => tick.field);
    expect(sizeFields).toEqual(expect.arrayContaining([IBApiTickType.BID_SIZE, IBApiTickType.ASK_SIZE, IBApiTickType.VOLUME]));

    // One record per quote (bid, ask, last) and the model's; the model's is the synthetic model's own.
    const records = events.computations.filter((computation) => computation.reqId === 11);
    expect(records.map((record) => record.field)).toEqual([
      IBApiTickType.BID_OPTION,
      IBApiTickType.ASK_OPTION,
      IBApiTickType.LAST_OPTION,
      IBApiTickType.MODEL_OPTION,
    ]);
    const modelField: number = IBApiTickType.MODEL_OPTION;
    const model = records.filter((record) => record.field === modelField);
    expect(model[0]!.impliedVolatility).toBeCloseTo(expected.impliedVolatility!, 12);
    expect(model[0]!.delta).toBeCloseTo(expected.greeks!.delta, 12);
    expect(model[0]!.gamma).toBeCloseTo(expected.greeks!.gamma, 12);
    expect(model[0]!.vega).toBeCloseTo(expected.greeks!.vega, 12);
    expect(model[0]!.theta).toBeCloseTo(expected.greeks!.theta, 12);
    expect(model[0]!.underlyingPrice).toBe(SPY.spot);
    expect(model[0]!.optionPrice).toBeGreaterThanOrEqual(bid);
    expect(model[0]!.optionPrice).toBeLessThanOrEqual(ask);
    expect(model[0]!.pvDividend).toBeGreaterThan(0);
    // The snapshot has ended, so its line is free again.
    expect(fake.stats).toMatchObject({ snapshots: 1, streams: 0, openLines: 0, maxOpenLines: 1 });
    expect(events.errors).toEqual([]);
  });

  it("a stream gets fresh ticks on every tick() until cancelMktData", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(21, stock("SPY"), "", false, false);
    // Open interest (generic tick 101) rides on an option stream.
    api.reqMktData(22, option(ATM_CALL), "101", false, false);
    await until(() => events.pricesOf(21).length >= 3 && events.computations.some((tick) => tick.reqId === 22), "the first ticks");
    const last: number = IBApiTickType.LAST;
    const callOpenInterest: number = IBApiTickType.OPTION_CALL_OPEN_INTEREST;
    expect(events.pricesOf(21).find((tick) => tick.field === last)?.value).toBe(SPY.spot);
    await until(() => events.sizes.some((tick) => tick.reqId === 22 && tick.field === callOpenInterest), "open interest");
    expect(fake.stats).toMatchObject({ streams: 2, openLines: 2 });

    const before = events.pricesOf(21).length;
    const computationsBefore = events.computations.length;
    fake.tick();
    await until(() => events.pricesOf(21).length >= before + 3, "ticks after tick()");
    const spot = fake.spot("SPY")!;
    expect(spot).not.toBe(SPY.spot);
    expect(events.pricesOf(21).at(-1)).toEqual({ reqId: 21, field: IBApiTickType.LAST, value: Math.round(spot * 100) / 100 });
    await until(() => events.computations.length > computationsBefore, "a fresh option computation");
    expect(events.computations.at(-1)!.underlyingPrice).toBe(spot);

    api.cancelMktData(21);
    api.cancelMktData(22);
    await until(() => fake.stats.cancels === 2, "the cancels");
    expect(fake.stats.openLines).toBe(0);
    const afterCancel = events.prices.length;
    fake.tick();
    await roundTrip(client);
    expect(events.prices.length).toBe(afterCancel);
    expect(events.errors).toEqual([]);
  });

  it("unknown symbols get error 200, on contract details and on market data", async () => {
    const fake = await startFake({ unknownSymbols: ["QQQ"] });
    const client = await connect(fake);
    const { api, events } = client;

    api.reqContractDetails(31, stock("QQQ"));
    api.reqMktData(32, stock("NOPE"), "", true, false);
    api.reqSecDefOptParams(33, "NOPE", "", SecType.STK, 0);
    await until(() => events.errorsOf(200).length === 2 && events.optionParametersEnds.includes(33), "errors 200");
    expect(events.errorsOf(200)).toEqual([
      { reqId: 31, code: 200, message: "No security definition has been found for the request" },
      { reqId: 32, code: 200, message: "No security definition has been found for the request" },
    ]);
    // TWS answers sec-def parameters of an unknown underlying with just the end.
    expect(events.optionParameters).toEqual([]);

    fake.setUnknownSymbols(["AAPL"]);
    api.reqContractDetails(34, stock("AAPL"));
    api.reqContractDetails(35, stock("QQQ"));
    await until(() => events.detailsEnds.includes(35), "QQQ's details");
    expect(events.errorsOf(200).map((error) => error.reqId)).toEqual([31, 32, 34]);
    expect(events.details.map((detail) => detail.details.contract.conId)).toEqual([320227571]);
    expect(fake.stats.openLines).toBe(0);
  });

  it("a delayed-only account refuses live data (354) and serves delayed ticks after reqMarketDataType(3), with 10167", async () => {
    const fake = await startFake({ delayedOnly: true });
    const { api, events } = await connect(fake);

    api.reqMktData(41, option(ATM_CALL), "", true, false);
    await until(() => events.errorsOf(354).length > 0, "error 354");
    expect(events.errorsOf(354)).toEqual([{ reqId: 41, code: 354, message: expect.stringMatching(/^Requested market data is not subscribed/) as string }]);
    expect(events.snapshotEnds).toEqual([]);

    api.reqMarketDataType(MarketDataType.DELAYED);
    api.reqMktData(42, option(ATM_CALL), "", true, false);
    await until(() => events.snapshotEnds.includes(42), "the delayed snapshot");
    expect(events.dataTypes).toEqual([{ reqId: 42, type: 3 }]);
    expect(events.errorsOf(10167)).toEqual([{ reqId: 42, code: 10167, message: "Requested market data is not subscribed. Displaying delayed market data." }]);
    const fields = events.pricesOf(42).map((tick) => tick.field);
    expect(fields).toEqual(expect.arrayContaining([IBApiTickType.DELAYED_BID, IBApiTickType.DELAYED_ASK]));
    expect(fields).not.toContain(IBApiTickType.BID);
    expect(events.computations.map((tick) => [tick.reqId, tick.field])).toEqual([
      [42, IBApiTickType.DELAYED_BID_OPTION],
      [42, IBApiTickType.DELAYED_ASK_OPTION],
      [42, IBApiTickType.DELAYED_LAST_OPTION],
      [42, IBApiTickType.DELAYED_MODEL_OPTION],
    ]);

    // Live data again: the same request now gets live ticks and a marketDataType of 1.
    fake.setDelayedOnly(false);
    api.reqMktData(43, stock("SPY"), "", true, false);
    await until(() => events.snapshotEnds.includes(43), "the live snapshot");
    expect(events.dataTypes.at(-1)).toEqual({ reqId: 43, type: 1 });
    expect(events.pricesOf(43).map((tick) => tick.field)).toContain(IBApiTickType.BID);
  });
});

// A closed market as TWS shows it, proven against the real @stoqey/ib 1.6.10: live and delayed
// requests see bid and ask −1 with size 0, the last trade and an uncomputed model; frozen
// requests (type 2, or 4 for delayed) get marketDataType 2 (4) and the quotes of the close.
import { IBApiTickType, MarketDataType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { ATM_CALL, cleanUp, connect, option, roundTrip, startFake, stock, until } from "../support/fake-tws-client.js";
import type { Recorder } from "../support/ib-recorder.js";

afterEach(cleanUp);

const MODEL: number = IBApiTickType.MODEL_OPTION;

/** The latest value of each price field a request got. */
function latestPrices(events: Recorder, reqId: number): Map<number, number | undefined> {
  return new Map(events.pricesOf(reqId).map((tick) => [tick.field, tick.value]));
}

function latestSize(events: Recorder, reqId: number, field: number): number | undefined {
  return events.sizes.filter((tick) => tick.reqId === reqId && tick.field === field).at(-1)?.value;
}

describe("fake TWS: closed market", () => {
  it("closing turns live streams to the closed book, stops the market, and live snapshots read −1/−1 with the last trade", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(1, option(ATM_CALL), "", false, false);
    api.reqMktData(2, stock("SPY"), "", false, false);
    await until(() => events.computations.some((record) => record.reqId === 1 && record.field === MODEL) && events.pricesOf(2).length > 0, "open quotes");
    const openLast = latestPrices(events, 1).get(IBApiTickType.LAST);
    expect(openLast).toBeGreaterThan(0);

    fake.setMarketClosed(true);
    await until(() => latestPrices(events, 1).get(IBApiTickType.BID) === -1 && latestPrices(events, 2).get(IBApiTickType.BID) === -1, "the closed book");
    for (const reqId of [1, 2]) {
      const prices = latestPrices(events, reqId);
      expect(prices.get(IBApiTickType.ASK)).toBe(-1);
      expect(latestSize(events, reqId, IBApiTickType.BID_SIZE)).toBe(0);
      expect(latestSize(events, reqId, IBApiTickType.ASK_SIZE)).toBe(0);
      expect(prices.get(IBApiTickType.LAST)).toBeGreaterThan(0);
    }
    expect(latestPrices(events, 1).get(IBApiTickType.LAST)).toBe(openLast);
    expect(events.computations.filter((record) => record.reqId === 1 && record.field === MODEL).at(-1)!.impliedVolatility).toBeUndefined();

    // A closed market does not move.
    const spot = fake.spot("SPY");
    const ticksBefore = events.prices.length;
    fake.tick();
    await roundTrip(client);
    expect(events.prices.length).toBe(ticksBefore);
    expect(fake.spot("SPY")).toBe(spot);

    api.reqMktData(3, option(ATM_CALL), "", true, false);
    await until(() => events.snapshotEnds.includes(3), "the snapshot");
    expect(latestPrices(events, 3)).toEqual(
      new Map([
        [IBApiTickType.BID, -1],
        [IBApiTickType.ASK, -1],
        [IBApiTickType.LAST, openLast],
      ]),
    );
    expect(events.dataTypes.filter((type) => type.reqId === 3)).toEqual([{ reqId: 3, type: 1 }]);
    expect(events.computations.filter((record) => record.reqId === 3).map((record) => [record.field, record.impliedVolatility])).toEqual([
      [IBApiTickType.LAST_OPTION, expect.any(Number) as number],
      [MODEL, undefined],
    ]);

    // Open again: the market moves and streams quote again.
    fake.setMarketClosed(false);
    fake.tick();
    await until(() => (latestPrices(events, 2).get(IBApiTickType.BID) ?? -1) > 0, "a live bid");
    expect(fake.spot("SPY")).not.toBe(spot);
  });

  it("frozen data (type 2): marketDataType 2 and the quotes as they stood at the close, for snapshots and streams", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMarketDataType(MarketDataType.FROZEN);
    api.reqMktData(1, option(ATM_CALL), "", false, false);
    await until(() => events.pricesOf(1).length >= 3, "open quotes");
    // While the market is open, a frozen request gets live data.
    expect(events.dataTypes).toEqual([{ reqId: 1, type: 1 }]);
    fake.tick();
    fake.tick();
    await until(() => events.computations.filter((record) => record.reqId === 1 && record.field === MODEL).length === 3, "the third quote");
    const atClose = latestPrices(events, 1);

    fake.setMarketClosed(true);
    await until(() => events.dataTypes.length === 2, "the switch to frozen");
    expect(events.dataTypes[1]).toEqual({ reqId: 1, type: 2 });
    api.reqMktData(2, option(ATM_CALL), "", true, false);
    await until(() => events.snapshotEnds.includes(2), "the frozen snapshot");
    expect(events.dataTypes[2]).toEqual({ reqId: 2, type: 2 });
    expect(latestPrices(events, 2)).toEqual(atClose);
    expect(latestPrices(events, 1)).toEqual(atClose);
    expect(atClose.get(IBApiTickType.BID)).toBeGreaterThan(0);
    expect(events.computations.filter((record) => record.reqId === 2 && record.field === MODEL)[0]!.impliedVolatility).toBeGreaterThan(0);

    fake.setMarketClosed(false);
    await until(() => events.dataTypes.length === 4, "back to live");
    expect(events.dataTypes[3]).toEqual({ reqId: 1, type: 1 });
  });

  it("delayed-frozen data (type 4) on a delayed account: marketDataType 4 and delayed ticks with the close's bid and ask", async () => {
    const fake = await startFake({ delayedOnly: true, marketClosed: true });
    const { api, events } = await connect(fake);

    api.reqMarketDataType(MarketDataType.DELAYED_FROZEN);
    api.reqMktData(1, stock("SPY"), "", true, false);
    await until(() => events.snapshotEnds.includes(1), "the snapshot");
    expect(events.dataTypes).toEqual([{ reqId: 1, type: 4 }]);
    const prices = latestPrices(events, 1);
    expect(prices.get(IBApiTickType.DELAYED_BID)).toBeGreaterThan(0);
    expect(prices.get(IBApiTickType.DELAYED_ASK)).toBeGreaterThan(prices.get(IBApiTickType.DELAYED_BID)!);

    // Type 3 on the closed market: the delayed closed book.
    api.reqMarketDataType(MarketDataType.DELAYED);
    api.reqMktData(2, stock("SPY"), "", true, false);
    await until(() => events.snapshotEnds.includes(2), "the second snapshot");
    expect(events.dataTypes[1]).toEqual({ reqId: 2, type: 3 });
    expect(latestPrices(events, 2).get(IBApiTickType.DELAYED_BID)).toBe(-1);
  });
});

// What an account's market data entitlements do to a request, proven against the real
// @stoqey/ib 1.6.10: advisories that precede data, a missing subscription (354 or 10091, no
// data, the line held until the client cancels), and delayed data announced per request.
import { IBApiTickType, MarketDataType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { ATM_CALL, cleanUp, connect, option, roundTrip, startFake, stock, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

describe("fake TWS: entitlements and notices", () => {
  it("advisories come on the request's id, in order, before its data; data follows and the snapshot ends", async () => {
    const advisories = [10167, 10090, 2119, 10276];
    const fake = await startFake({ advisories });
    const { api, events, sequence } = await connect(fake);

    api.reqMktData(1, option(ATM_CALL), "", true, false);
    api.reqMktData(2, stock("SPY"), "", false, false);
    await until(() => events.snapshotEnds.includes(1) && events.pricesOf(2).length > 0, "data on both");
    for (const reqId of [1, 2]) {
      const ofRequest = sequence.filter((entry) => entry.split(" ")[1] === String(reqId));
      const firstPrice = ofRequest.findIndex((entry) => entry.startsWith("price"));
      expect(ofRequest.slice(0, firstPrice)).toEqual([`type ${reqId} 1`, ...advisories.map((code) => `error ${reqId} ${code}`)]);
    }
    expect(events.errorsOf(10090)[0]!.message).toMatch(/^Part of requested market data is not subscribed/);
    expect(events.errorsOf(2119)[0]!.message).toBe("Market data farm is connecting:usfarm");
    expect(fake.stats.errorsSent).toMatchObject({ 10167: 2, 10090: 2, 2119: 2, 10276: 2 });
    await expect(startFake({ advisories: [12345] })).rejects.toThrow(RangeError);
  });

  it.each([354, 10091])("without an option subscription (%i) an option request gets the error and no data, holding its line until cancelled", async (code) => {
    const fake = await startFake({ optionSubscription: "none", missingSubscriptionCode: code });
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(1, option(ATM_CALL), "", true, false);
    api.reqMktData(2, option(ATM_CALL), "101", false, false);
    api.reqMktData(3, stock("SPY"), "", true, false);
    await until(() => events.errorsOf(code).length === 2 && events.snapshotEnds.includes(3), "the errors and the stock");
    expect(events.errorsOf(code).map((error) => error.reqId)).toEqual([1, 2]);
    fake.tick();
    await roundTrip(client);
    expect(events.prices.filter((tick) => tick.reqId !== 3)).toEqual([]);
    expect(events.snapshotEnds).toEqual([3]);
    expect(fake.stats).toMatchObject({ openLines: 2, erroredLinesHeld: 2, cancelsOfErrored: 0 });

    api.cancelMktData(1);
    api.cancelMktData(2);
    await until(() => fake.stats.cancelsOfErrored === 2, "the cancels");
    expect(fake.stats).toMatchObject({ openLines: 0, erroredLinesHeld: 0, cancels: 2 });
    await roundTrip(client);
    // The cancels were of open requests: no "can't find EId".
    expect(events.errorsOf(300)).toEqual([]);
  });

  it("without a stock subscription the underlying is refused the same way, options still served", async () => {
    const fake = await startFake({ stockSubscription: "none" });
    const { api, events } = await connect(fake);
    api.reqMktData(1, stock("SPY"), "", true, false);
    api.reqMktData(2, option(ATM_CALL), "", true, false);
    await until(() => events.errorsOf(354).length === 1 && events.snapshotEnds.includes(2), "error and snapshot");
    expect(events.errorsOf(354)[0]).toMatchObject({ reqId: 1, message: "Requested market data is not subscribed. Delayed market data is not available." });
    expect(fake.stats.erroredLinesHeld).toBe(1);
  });

  it.each([10167, 354, 10089])("delayed option data: with type 3 the notice %i then delayed ticks, a success; with type 1 a 354 and nothing", async (code) => {
    const fake = await startFake({ optionSubscription: "delayed", delayedNoticeCode: code });
    const { api, events, sequence } = await connect(fake);

    api.reqMktData(1, option(ATM_CALL), "", true, false);
    api.reqMktData(2, stock("SPY"), "", true, false);
    await until(() => events.errorsOf(354).some((error) => error.reqId === 1) && events.snapshotEnds.includes(2), "the refusal");
    expect(events.snapshotEnds).toEqual([2]);
    expect(events.dataTypes).toEqual([{ reqId: 2, type: 1 }]);

    api.reqMarketDataType(MarketDataType.DELAYED);
    api.reqMktData(3, option(ATM_CALL), "", true, false);
    api.reqMktData(4, stock("SPY"), "", true, false);
    await until(() => events.snapshotEnds.includes(3) && events.snapshotEnds.includes(4), "both snapshots");
    const ofThree = sequence.filter((entry) => entry.split(" ")[1] === "3");
    expect(ofThree.slice(0, 2)).toEqual(["type 3 3", `error 3 ${code}`]);
    expect(ofThree.at(-1)).toBe("end 3");
    const fields = events.pricesOf(3).map((tick) => tick.field);
    expect(fields).toEqual(expect.arrayContaining([IBApiTickType.DELAYED_BID, IBApiTickType.DELAYED_ASK, IBApiTickType.DELAYED_LAST]));
    expect(fields).not.toContain(IBApiTickType.BID);
    // The stock subscription is live: the same session's stock request gets live data, type 1.
    expect(events.dataTypes.filter((type) => type.reqId === 4)).toEqual([{ reqId: 4, type: 1 }]);
    expect(events.pricesOf(4).map((tick) => tick.field)).toContain(IBApiTickType.BID);
    expect(events.errors.filter((error) => error.reqId === 4)).toEqual([]);
    expect(fake.stats.openLines).toBe(0);
  });
});

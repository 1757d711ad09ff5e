// A competing live session and a market data farm still connecting, proven against the real
// @stoqey/ib 1.6.10: 10197 per request, streams silent until cancelled and requested again;
// requests made before the farm is ready wait, unanswered, and are all answered after 2104; a
// farm that breaks mid-session (2103) silences open streams and holds new requests until 2104.
import { IBApiTickType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { ATM_CALL, cleanUp, connect, option, roundTrip, startFake, stock, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

describe("fake TWS: competing session", () => {
  it("10197 on every open stream, which goes silent; new requests get 10197 and no data; lifting it sends nothing; a fresh request streams again", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(1, stock("SPY"), "", false, false);
    api.reqMktData(2, option(ATM_CALL), "", false, false);
    await until(() => events.pricesOf(1).length > 0 && events.pricesOf(2).length > 0, "streams");

    fake.setCompetingSession(true);
    await until(() => events.errorsOf(10197).length === 2, "10197 on both streams");
    expect(events.errorsOf(10197)).toEqual([
      { reqId: 1, code: 10197, message: "No market data during competing live session" },
      { reqId: 2, code: 10197, message: "No market data during competing live session" },
    ]);
    api.reqMktData(3, stock("SPY"), "", false, false);
    api.reqMktData(4, option(ATM_CALL), "", true, false);
    await until(() => events.errorsOf(10197).length === 4, "10197 on the new requests");
    const pricesBefore = events.prices.length;
    fake.tick();
    await roundTrip(client);
    expect(events.prices.length).toBe(pricesBefore);
    expect(events.snapshotEnds).toEqual([]);
    // Every request still holds its line at TWS.
    expect(fake.stats).toMatchObject({ openLines: 4, erroredLinesHeld: 4 });

    fake.setCompetingSession(false);
    fake.tick();
    await roundTrip(client);
    expect(events.prices.length).toBe(pricesBefore);
    expect(events.errors.map((error) => error.code)).toEqual([10197, 10197, 10197, 10197]);

    // What the provider must do: cancel and ask again.
    for (const reqId of [1, 2, 3, 4]) api.cancelMktData(reqId);
    api.reqMktData(5, stock("SPY"), "", false, false);
    await until(() => events.pricesOf(5).length > 0, "the fresh stream");
    expect(fake.stats).toMatchObject({ openLines: 1, erroredLinesHeld: 0, cancelsOfErrored: 4 });
    expect(fake.stats.errorsSent[10197]).toBe(4);
  });
});

describe("fake TWS: market data farm connecting", () => {
  it("opens with 2119, holds market data requests unanswered, then sends 2104 and answers every one in order", async () => {
    const fake = await startFake({ farmConnectingMs: 60 });
    const client = await connect(fake);
    const { api, events, sequence } = client;

    await until(() => events.infos.length >= 3, "the opening notices");
    expect(events.infos.map((info) => info.code)).toEqual([2119, 2106, 2158]);
    expect(events.infos[0]!.message).toBe("Market data farm is connecting:usfarm");
    api.reqMktData(1, stock("SPY"), "", true, false);
    api.reqMktData(2, option(ATM_CALL), "", false, false);
    api.reqMktData(3, stock("QQQ"), "", false, false);
    api.cancelMktData(3);

    await until(() => events.snapshotEnds.includes(1) && events.pricesOf(2).length > 0, "the answers");
    // Nothing about market data came before the farm was ready: the order proves it, not the clock.
    const farmReady = sequence.indexOf("info 2104");
    expect(farmReady).toBeGreaterThan(0);
    const firstAnswer = sequence.findIndex((entry) => /^(price|size|type|computation|end|error) /.test(entry));
    expect(firstAnswer).toBeGreaterThan(farmReady);
    expect(sequence.filter((entry) => entry.startsWith("type"))).toEqual(["type 1 1", "type 2 1"]);
    // The cancelled one was dropped before it was answered: no data, no error.
    await roundTrip(client);
    expect(events.pricesOf(3)).toEqual([]);
    expect(events.errors).toEqual([]);
    expect(fake.stats.openLines).toBe(1);
    expect(events.pricesOf(2).map((tick) => tick.field)).toContain(IBApiTickType.BID);
  });
});

describe("fake TWS: market data farm breaking mid-session", () => {
  it("2103 silences open streams and holds new requests, refusing nothing; 2104 brings each stream's current quote, then the held answers", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events, sequence } = client;
    api.reqMktData(1, stock("SPY"), "", false, false);
    await until(() => events.pricesOf(1).length > 0, "the stream");

    fake.breakFarm();
    await until(() => events.infos.some((info) => info.code === 2103), "2103");
    expect(events.infos.find((info) => info.code === 2103)!.message).toBe("Market data farm connection is broken:usfarm");
    api.reqMktData(2, option(ATM_CALL), "101", false, false);
    const pricesWhileBroken = events.prices.length;
    fake.tick();
    await roundTrip(client);
    expect(events.prices.length).toBe(pricesWhileBroken);
    expect(events.errors).toEqual([]);
    expect(fake.stats.openLines).toBe(1);

    const spotNow = fake.spot("SPY")!;
    fake.restoreFarm();
    await until(
      () => events.pricesOf(2).length > 0 && events.sizes.some((tick) => tick.reqId === 2 && tick.field === 27),
      "the held answer and its open interest",
    );
    // Nothing about market data came between 2103 and 2104: the order proves it, not the clock.
    const broken = sequence.indexOf("info 2103");
    const restored = sequence.indexOf("info 2104", broken);
    expect(broken).toBeGreaterThan(0);
    expect(restored).toBeGreaterThan(broken);
    expect(sequence.slice(broken + 1, restored).filter((entry) => /^(price|size|type|computation|end|error) /.test(entry))).toEqual([]);
    // The open stream got the quote of the market as it moved meanwhile.
    const LAST: number = IBApiTickType.LAST;
    const last = events
      .pricesOf(1)
      .filter((tick) => tick.field === LAST)
      .at(-1)!;
    expect(last.value).toBeCloseTo(spotNow, 2);
    expect(fake.stats).toMatchObject({ openLines: 2 });
    expect(fake.stats.errorsSent).toMatchObject({ 2103: 1, 2104: 2 });
  });
});

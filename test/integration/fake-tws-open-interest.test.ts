// Open interest as TWS sends it, proven against the real @stoqey/ib 1.6.10: only on a streaming
// request with generic tick 101, once, a while after the stream opened, and for an option both
// the call's tick (27) and the put's (28), the side that does not apply as 0. A snapshot with
// any generic tick list is refused (321).
import { IBApiTickType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { priceSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { ATM_CALL, ATM_PUT, cleanUp, connect, NOW, option, roundTrip, SEED, SPY, startFake, stock, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

const CALL_OI: number = IBApiTickType.OPTION_CALL_OPEN_INTEREST;
const PUT_OI: number = IBApiTickType.OPTION_PUT_OPEN_INTEREST;

describe("fake TWS: open interest", () => {
  it("a call and a put stream with 101 each get 27 and 28 once, the other side 0, after their first quote", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events, sequence } = client;

    api.reqMktData(1, option(ATM_CALL), "101", false, false);
    api.reqMktData(2, option(ATM_PUT), "100,101,104", false, false);
    await until(() => events.sizes.filter((tick) => tick.field === CALL_OI || tick.field === PUT_OI).length === 4, "four open interest ticks");

    const truth = priceSyntheticChain({ symbol: "SPY", profile: SPY, spot: SPY.spot, asOf: NOW, seed: SEED, contracts: [ATM_CALL, ATM_PUT] }).quotes;
    const callOpenInterest = Number(truth[0]!.openInterest);
    const putOpenInterest = Number(truth[1]!.openInterest);
    expect(callOpenInterest).toBeGreaterThan(0);
    expect(putOpenInterest).toBeGreaterThan(0);
    const openInterestOf = (reqId: number): [number, number | undefined][] =>
      events.sizes.filter((tick) => tick.reqId === reqId && (tick.field === CALL_OI || tick.field === PUT_OI)).map((tick) => [tick.field, tick.value]);
    expect(openInterestOf(1)).toEqual([
      [CALL_OI, callOpenInterest],
      [PUT_OI, 0],
    ]);
    expect(openInterestOf(2)).toEqual([
      [CALL_OI, 0],
      [PUT_OI, putOpenInterest],
    ]);
    // Open interest comes after the stream's first quote, not with it.
    const firstBid = sequence.indexOf(`price 1 ${IBApiTickType.BID}`);
    const firstOpenInterest = sequence.indexOf(`size 1 ${CALL_OI}`);
    expect(firstBid).toBeGreaterThanOrEqual(0);
    expect(firstOpenInterest).toBeGreaterThan(firstBid);

    // Market moves push quotes, never open interest again.
    const bidsBefore = events.pricesOf(1).length;
    fake.tick();
    fake.tick();
    await until(() => events.pricesOf(1).length > bidsBefore, "fresh quotes");
    await roundTrip(client);
    expect(openInterestOf(1)).toHaveLength(2);
    expect(openInterestOf(2)).toHaveLength(2);
    expect(fake.stats.openInterestTicks).toBe(4);
    expect(fake.stats.marketDataRequests).toEqual({ snapshot: 0, stream: 2, streamWithOpenInterest: 2 });
  });

  it("a stream without 101, a stock stream with 101, and a stream cancelled before its open interest was due get none", async () => {
    const fake = await startFake({ openInterestDelayMs: 30 });
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(1, option(ATM_CALL), "", false, false);
    api.reqMktData(2, stock("SPY"), "101", false, false);
    api.reqMktData(3, option(ATM_PUT), "101", false, false);
    await until(() => events.pricesOf(3).length > 0, "the put's first quote");
    api.cancelMktData(3);
    // A fourth stream shows the open interest was due: once it has its own, the cancelled one's moment has passed too.
    api.reqMktData(4, option(ATM_PUT), "101", false, false);
    await until(() => events.sizes.some((tick) => tick.reqId === 4 && tick.field === PUT_OI), "the fourth stream's open interest");
    await roundTrip(client);
    const withOpenInterest = new Set(events.sizes.filter((tick) => tick.field === CALL_OI || tick.field === PUT_OI).map((tick) => tick.reqId));
    expect([...withOpenInterest]).toEqual([4]);
    expect(fake.stats.openInterestTicks).toBe(2);
    expect(fake.stats.marketDataRequests).toEqual({ snapshot: 0, stream: 4, streamWithOpenInterest: 3 });
  });

  it("a snapshot with a generic tick list is refused with 321, and takes no line", async () => {
    const fake = await startFake();
    const { api, events } = await connect(fake);

    api.reqMktData(5, option(ATM_CALL), "101", true, false);
    await until(() => events.errorsOf(321).length === 1, "error 321");
    expect(events.errorsOf(321)[0]).toMatchObject({ reqId: 5, message: expect.stringContaining("generic ticks") as string });
    expect(events.snapshotEnds).toEqual([]);
    expect(fake.stats).toMatchObject({ openLines: 0, snapshots: 0, errorsSent: expect.objectContaining({ 321: 1 }) as object });
    expect(fake.stats.marketDataRequests.snapshot).toBe(1);
  });
});

// When TWS ends a snapshot, proven against the real @stoqey/ib 1.6.10: as soon as bid, ask,
// last and (for an option) the model computation have gone out; for an option that has not
// traded today (no last ever comes) only at TWS's deadline, about 11 s after the request.
import { IBApiTickType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { TWS_SNAPSHOT_END_MS } from "../fixtures/fake-tws/index.js";
import { ATM_CALL, cleanUp, connect, option, roundTrip, SPY_LISTING, startFake, stock, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

const LAST: number = IBApiTickType.LAST;
const VOLUME: number = IBApiTickType.VOLUME;
const MODEL: number = IBApiTickType.MODEL_OPTION;

/** The 30 calls of the ATM call's expiry nearest the money: enough for a share to show, few enough for the message rate. */
const CALLS = SPY_LISTING.filter((contract) => contract.expiryDate === ATM_CALL.expiryDate && contract.right === OptionRight.OPTION_RIGHT_CALL)
  .sort((a, b) => Math.abs(a.strike - ATM_CALL.strike) - Math.abs(b.strike - ATM_CALL.strike))
  .slice(0, 30);

describe("fake TWS: snapshot ends", () => {
  it("an untraded option gets no last and volume 0, and its snapshot ends only at the deadline, counted as timed out", async () => {
    const fake = await startFake({ untradedShare: 1, snapshotEndTimeoutMs: 40 });
    const { api, events } = await connect(fake);

    api.reqMktData(1, option(ATM_CALL), "", true, false);
    api.reqMktData(2, stock("SPY"), "", true, false);
    await until(() => events.snapshotEnds.length === 2, "both ends");
    // The stock had everything at once; the option waited for a last that never came.
    expect(events.snapshotEnds).toEqual([2, 1]);
    expect(events.pricesOf(1).map((tick) => tick.field)).not.toContain(LAST);
    expect(events.pricesOf(1).map((tick) => tick.field)).toEqual(expect.arrayContaining([IBApiTickType.BID, IBApiTickType.ASK]));
    expect(events.sizes.find((tick) => tick.reqId === 1 && tick.field === VOLUME)?.value).toBe(0);
    expect(events.computations.filter((tick) => tick.reqId === 1).map((tick) => tick.field)).not.toContain(IBApiTickType.LAST_OPTION);
    expect(fake.stats).toMatchObject({ snapshotsTimedOut: 1, snapshots: 2, openLines: 0 });
  });

  it("with TWS's own deadline (11 s by default) an untraded snapshot is still open, holding its line, while a traded one has ended", async () => {
    expect(TWS_SNAPSHOT_END_MS).toBe(11_000);
    const fake = await startFake({ untradedShare: 1 });
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(1, option(ATM_CALL), "", true, false);
    api.reqMktData(2, stock("SPY"), "", true, false);
    await until(() => events.snapshotEnds.includes(2), "the stock's end");
    await roundTrip(client);
    expect(events.snapshotEnds).toEqual([2]);
    expect(fake.stats.openLines).toBe(1);
    // Cancelling frees the line and nothing more comes.
    api.cancelMktData(1);
    await until(() => fake.stats.openLines === 0, "the line released");
    await roundTrip(client);
    expect(events.snapshotEnds).toEqual([2]);
    expect(fake.stats.snapshotsTimedOut).toBe(0);
    expect(events.errors).toEqual([]);
  });

  it("a traded option's snapshot ends once its model computation came, modelDelayMs after the quote ticks, never by the deadline", async () => {
    const fake = await startFake({ snapshotDelayMs: 10, modelDelayMs: 20, snapshotEndTimeoutMs: 60_000 });
    const { api, events, sequence } = await connect(fake);

    api.reqMktData(1, option(ATM_CALL), "", true, false);
    await until(() => events.snapshotEnds.includes(1), "the end");
    const ofRequest = sequence.filter((entry) => entry.split(" ")[1] === "1");
    const modelAt = ofRequest.indexOf(`computation 1 ${MODEL}`);
    const lastAt = ofRequest.indexOf(`price 1 ${LAST}`);
    const bidAt = ofRequest.indexOf(`price 1 ${IBApiTickType.BID}`);
    expect(bidAt).toBeGreaterThan(ofRequest.indexOf("type 1 1"));
    expect(lastAt).toBeGreaterThan(bidAt);
    expect(modelAt).toBeGreaterThan(lastAt);
    expect(ofRequest.at(-1)).toBe("end 1");
    expect(ofRequest.at(-2)).toBe(`computation 1 ${MODEL}`);
    expect(fake.stats).toMatchObject({ snapshotsTimedOut: 0, openLines: 0 });
  });

  it("until the model computation comes, a snapshot with its quote ticks is still open; a stream has its quote without the model", async () => {
    // A model that takes far longer than the test: what arrived before a round trip shows what came without it.
    const fake = await startFake({ modelDelayMs: 60_000 });
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(1, option(ATM_CALL), "", true, false);
    api.reqMktData(2, option(ATM_CALL), "", false, false);
    await until(() => events.pricesOf(1).some((tick) => tick.field === LAST) && events.pricesOf(2).some((tick) => tick.field === LAST), "the quotes");
    await roundTrip(client);
    expect(events.computations.map((record) => record.field)).not.toContain(MODEL);
    expect(events.computations.map((record) => record.field)).toContain(IBApiTickType.BID_OPTION);
    expect(events.snapshotEnds).toEqual([]);
    expect(fake.stats.openLines).toBe(2);
    api.cancelMktData(1);
    api.cancelMktData(2);
    await until(() => fake.stats.openLines === 0, "the lines released");
  });

  it("untradedShare picks the same contracts in every session: some of a chain trade and some do not", async () => {
    const fake = await startFake({ untradedShare: 0.5, snapshotEndTimeoutMs: 30 });
    const traded = async (): Promise<boolean[]> => {
      const { api, events } = await connect(fake);
      CALLS.forEach((contract, index) => {
        api.reqMktData(100 + index, option(contract), "", true, false);
      });
      await until(() => events.snapshotEnds.length === CALLS.length, "every end");
      api.disconnect();
      return CALLS.map((_, index) => events.pricesOf(100 + index).some((tick) => tick.field === LAST));
    };
    const first = await traded();
    const second = await traded();
    expect(second).toEqual(first);
    const tradedCount = first.filter(Boolean).length;
    expect(tradedCount).toBeGreaterThan(0);
    expect(tradedCount).toBeLessThan(CALLS.length);
    // Exactly the untraded ones waited for the deadline.
    expect(fake.stats.snapshotsTimedOut).toBe(2 * (CALLS.length - tradedCount));
  });
});

// IBKR's pacing limits as the fake TWS enforces them, proven against the real @stoqey/ib 1.6.10:
// every test connects the library's own IBApi over TCP on loopback (test/support/fake-tws-client.ts),
// so a field the fake lays out wrongly fails to decode here, exactly as it would in the
// coordinator's IBKR provider. Nothing is mocked.
import { afterEach, describe, expect, it } from "vitest";
import { ATM_CALL, cleanUp, connect, option, roundTrip, sleep, startFake, stock, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

describe("fake TWS: IBKR's limits", () => {
  it("60 messages in one burst: the ten past 50/s get error 100 and are dropped", async () => {
    const fake = await startFake();
    // The library paces itself to 40 messages/s by default; lift that to hit the server's limit.
    const { api, events } = await connect(fake, { maxReqPerSec: 10_000 });

    for (let reqId = 1; reqId <= 60; reqId++) api.reqContractDetails(reqId, stock("SPY"));
    await until(() => events.detailsEnds.length + events.errorsOf(100).length === 60, "60 answers");

    expect(events.detailsEnds).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    const refused = events.errorsOf(100);
    expect(refused.map((error) => error.reqId)).toEqual(Array.from({ length: 10 }, (_, index) => index + 51));
    expect(refused[0]!.message).toMatch(/^Max rate of messages per second has been exceeded/);
    expect(fake.stats.error100).toBe(10);
    expect(fake.stats.requestsByType.reqContractDetails).toBe(60);
    expect(api.isConnected).toBe(true);
  });

  it("staying over the rate for disconnectAfterMs closes the socket; a message without a request id gets its 100 on `info`", async () => {
    const fake = await startFake({ maxMessagesPerSecond: 10, disconnectAfterMs: 100 });
    const { api, events } = await connect(fake, { maxReqPerSec: 10_000 });

    for (let count = 0; count < 12; count++) api.reqCurrentTime();
    await until(() => events.currentTimes.length + events.infos.filter((info) => info.code === 100).length === 12, "12 answers");
    expect(events.currentTimes).toHaveLength(10);
    expect(events.errorsOf(100)).toEqual([]);

    // Still over the limit well past 100 ms later (the window is a whole second): TWS hangs up.
    await sleep(150);
    api.reqCurrentTime();
    await until(() => events.disconnects === 1, "the disconnect");
    expect(fake.stats.error100).toBe(3);
    expect(fake.openConnections).toBe(0);
  });

  it("past maxLines open lines (streams and unfinished snapshots) a request gets error 101", async () => {
    // Snapshots that never end on their own hold their line until cancelled.
    const fake = await startFake({ maxLines: 3, snapshotDelayMs: 60_000 });
    const client = await connect(fake);
    const { api, events } = client;

    api.reqMktData(51, stock("SPY"), "", false, false);
    api.reqMktData(52, stock("QQQ"), "", false, false);
    api.reqMktData(53, option(ATM_CALL), "", true, false);
    api.reqMktData(54, stock("IWM"), "", false, false);
    await until(() => events.errorsOf(101).length > 0, "error 101");
    expect(events.errorsOf(101)).toEqual([{ reqId: 54, code: 101, message: "Max number of tickers has been reached" }]);
    expect(fake.stats).toMatchObject({ error101: 1, openLines: 3, maxOpenLines: 3, streams: 2, snapshots: 1 });

    // Cancelling the pending snapshot frees its line (and it never ends); the next request fits.
    api.cancelMktData(53);
    api.reqMktData(55, stock("IWM"), "", false, false);
    await until(() => events.pricesOf(55).length > 0, "IWM's ticks");
    expect(fake.stats).toMatchObject({ error101: 1, openLines: 3, streams: 3 });
    await roundTrip(client);
    expect(events.snapshotEnds).toEqual([]);

    // A cancel for a line that is not open is answered as TWS does.
    api.cancelMktData(53);
    await until(() => events.errorsOf(300).length > 0, "error 300");
    expect(events.errorsOf(300)).toEqual([{ reqId: 53, code: 300, message: "Can't find EId with tickerId:53" }]);
  });
});

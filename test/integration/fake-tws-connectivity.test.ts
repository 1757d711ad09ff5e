// The fake TWS's connectivity notices and dropped connections, proven against the real
// @stoqey/ib 1.6.10:
// every test connects the library's own IBApi over TCP on loopback (test/support/fake-tws-client.ts),
// so a field the fake lays out wrongly fails to decode here, exactly as it would in the
// coordinator's IBKR provider. Nothing is mocked.
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, connect, roundTrip, SPY_CONID, startFake, stock, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

describe("fake TWS: connectivity", () => {
  it("1100, 1101, 1102 and 10197 reach the client on `info` (id -1), with TWS's consequences for ticks", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events } = client;
    await until(() => events.infos.length >= 3, "farm notices");
    api.reqMktData(61, stock("SPY"), "", false, false);
    await until(() => events.pricesOf(61).length > 0, "the first ticks");

    fake.sendConnectivity(1100);
    await until(() => events.infos.some((info) => info.code === 1100), "1100");
    const whileLost = events.prices.length;
    fake.tick();
    await roundTrip(client);
    expect(events.prices.length).toBe(whileLost);

    fake.sendConnectivity(1102);
    fake.tick();
    await until(() => events.prices.length > whileLost, "ticks after 1102");

    fake.sendConnectivity(1101);
    fake.sendConnectivity(10197);
    await until(() => events.infos.some((info) => info.code === 10197), "10197");
    expect(fake.stats.openLines).toBe(0);
    const afterDataLost = events.prices.length;
    fake.tick();
    await roundTrip(client);
    expect(events.prices.length).toBe(afterDataLost);

    expect(events.infos.slice(3)).toEqual([
      { code: 1100, message: "Connectivity between IB and Trader Workstation has been lost." },
      { code: 1102, message: "Connectivity between IB and Trader Workstation has been restored - data maintained." },
      { code: 1101, message: "Connectivity between IB and Trader Workstation has been restored - data lost." },
      { code: 10197, message: "No market data during competing live session" },
    ]);
    expect(events.errors).toEqual([]);
    expect(api.isConnected).toBe(true);
  });

  it("dropConnections() drops the client, frees its lines, and the client can connect again", async () => {
    const fake = await startFake();
    const { api, events } = await connect(fake);
    api.reqMktData(71, stock("SPY"), "", false, false);
    await until(() => fake.stats.openLines === 1, "the stream");

    fake.dropConnections();
    await until(() => events.disconnects === 1, "the disconnect");
    expect(api.isConnected).toBe(false);
    expect(fake.stats.openLines).toBe(0);

    api.connect();
    await until(() => events.nextValidIds.length === 2, "the second nextValidId");
    expect(fake.stats.connections).toBe(2);
    api.reqContractDetails(72, stock("SPY"));
    await until(() => events.detailsEnds.includes(72), "contract details after reconnecting");
    expect(events.details.at(-1)!.details.contract.conId).toBe(SPY_CONID);
  });
});

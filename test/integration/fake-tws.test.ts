// The fake TWS proven against the real @stoqey/ib 1.6.10, its session, its reference data and
// the library's promise API (IBApiNext):
// every test connects the library's own IBApi over TCP on loopback (test/support/fake-tws-client.ts),
// so a field the fake lays out wrongly fails to decode here, exactly as it would in the
// coordinator's IBKR provider. Nothing is mocked.
import { ConnectionState, IBApiNext, IBApiNextTickType, IBApiTickType, SecType, type Logger } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_VERSION } from "../fixtures/fake-tws/index.js";
import {
  ATM_CALL,
  cleanUp,
  cleanups,
  connect,
  ibDate,
  NOW,
  option,
  roundTrip,
  SPY_CONID,
  SPY_LISTING,
  startFake,
  stock,
  until,
} from "../support/fake-tws-client.js";

afterEach(cleanUp);

describe("fake TWS: session", () => {
  it("negotiates server version 193, then sends managedAccounts, nextValidId and the farm notices", async () => {
    const fake = await startFake();
    const { api, events } = await connect(fake);

    expect(api.serverVersion).toBe(SERVER_VERSION);
    expect(SERVER_VERSION).toBe(193);
    expect(events.servers).toEqual([{ version: 193, connectionTime: "20260310 11:00:00 EDT" }]);
    expect(events.nextValidIds).toEqual([1]);
    expect(events.accounts).toEqual(["DU1234567"]);
    await until(() => events.infos.length >= 3, "farm notices");
    // Errors with no request id (-1) reach the library's `info` event, never `error`.
    expect(events.infos.map((info) => info.code)).toEqual([2104, 2106, 2158]);
    expect(events.errors).toEqual([]);

    await roundTrip({ api, events });
    expect(events.currentTimes).toEqual([NOW.getTime() / 1000]);
    expect(fake.stats.connections).toBe(1);
    expect(fake.stats.requestsByType).toMatchObject({ startApi: 1, reqCurrentTime: 1 });
  });
});

describe("fake TWS: reference data", () => {
  it("answers contract details for SPY, and for one of its options by description and by conId", async () => {
    const fake = await startFake();
    const client = await connect(fake);
    const { api, events } = client;

    api.reqContractDetails(1, stock("SPY"));
    await until(() => events.detailsEnds.includes(1), "contractDetailsEnd 1");
    const spy = events.details.filter((detail) => detail.reqId === 1).map((detail) => detail.details);
    expect(spy).toHaveLength(1);
    expect(spy[0]!.contract).toMatchObject({ symbol: "SPY", secType: "STK", exchange: "SMART", currency: "USD", conId: SPY_CONID });
    expect(spy[0]).toMatchObject({ longName: "SPDR S&P 500 ETF TRUST", minTick: 0.01, stockType: "ETF", timeZoneId: "US/Eastern" });
    expect(spy[0]!.contract.primaryExch).toBe("ARCA");

    api.reqContractDetails(2, option(ATM_CALL));
    await until(() => events.detailsEnds.includes(2), "contractDetailsEnd 2");
    const call = events.details.filter((detail) => detail.reqId === 2).map((detail) => detail.details);
    expect(call).toHaveLength(1);
    expect(call[0]!.contract).toMatchObject({
      symbol: "SPY",
      secType: "OPT",
      lastTradeDateOrContractMonth: ibDate(ATM_CALL.expiryDate),
      strike: ATM_CALL.strike,
      right: "C",
      exchange: "SMART",
      multiplier: 100,
      tradingClass: "SPY",
    });
    expect(call[0]).toMatchObject({ underConId: SPY_CONID, underSymbol: "SPY", underSecType: "STK", realExpirationDate: ibDate(ATM_CALL.expiryDate) });
    const callConId = call[0]!.contract.conId!;
    expect(callConId).not.toBe(SPY_CONID);

    // The same option by its conId alone, and a whole expiry (both rights, every strike) by a partial description.
    api.reqContractDetails(3, { conId: callConId, exchange: "SMART" });
    api.reqContractDetails(4, {
      symbol: "SPY",
      secType: SecType.OPT,
      lastTradeDateOrContractMonth: ibDate(ATM_CALL.expiryDate),
      exchange: "SMART",
      currency: "USD",
    });
    await until(() => events.detailsEnds.includes(3) && events.detailsEnds.includes(4), "contractDetailsEnd 3 and 4");
    expect(events.details.filter((detail) => detail.reqId === 3).map((detail) => detail.details.contract.conId)).toEqual([callConId]);
    const wholeExpiry = events.details.filter((detail) => detail.reqId === 4).map((detail) => detail.details.contract);
    expect(wholeExpiry).toHaveLength(SPY_LISTING.filter((contract) => contract.expiryDate === ATM_CALL.expiryDate).length);
    expect(new Set(wholeExpiry.map((contract) => contract.conId)).size).toBe(wholeExpiry.length);
    expect(events.errors).toEqual([]);
  });

  it("reqSecDefOptParams gives SMART, multiplier 100 and the synthetic model's expirations and strikes", async () => {
    const fake = await startFake();
    const { api, events } = await connect(fake);

    api.reqSecDefOptParams(5, "SPY", "", SecType.STK, SPY_CONID);
    await until(() => events.optionParametersEnds.includes(5), "securityDefinitionOptionParameterEnd");

    const expirations = [...new Set(SPY_LISTING.map((contract) => ibDate(contract.expiryDate)))].sort();
    const strikes = [...new Set(SPY_LISTING.map((contract) => contract.strike))].sort((a, b) => a - b);
    expect(events.optionParameters).toEqual([
      { reqId: 5, exchange: "SMART", underlyingConId: SPY_CONID, tradingClass: "SPY", multiplier: 100, expirations, strikes },
    ]);
    expect(expirations[0]).toBe("20260313");
    expect(expirations.every((expiration) => /^\d{8}$/.test(expiration))).toBe(true);
  });
});

describe("fake TWS: IBApiNext", () => {
  it("serves the promise API: contract details, option parameters, a market data snapshot", async () => {
    const fake = await startFake();
    const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const ib = new IBApiNext({ host: "127.0.0.1", port: fake.port, logger: quiet });
    cleanups.push(() => ib.disconnect());
    ib.connect(3);
    let state = ConnectionState.Disconnected;
    const watching = ib.connectionState.subscribe((next) => (state = next));
    cleanups.push(() => watching.unsubscribe());
    await until(() => state === ConnectionState.Connected, "IBApiNext connected");

    const [spy] = await ib.getContractDetails(stock("SPY"));
    expect(spy!.contract.conId).toBe(SPY_CONID);
    const [parameters] = await ib.getSecDefOptParams("SPY", "", SecType.STK, SPY_CONID);
    expect(parameters).toMatchObject({ exchange: "SMART", underlyingConId: SPY_CONID, tradingClass: "SPY", multiplier: 100 });
    expect(parameters!.strikes).toContain(ATM_CALL.strike);

    const snapshot = await ib.getMarketDataSnapshot(option(ATM_CALL), "", false);
    const bid = snapshot.get(IBApiTickType.BID)?.value;
    const ask = snapshot.get(IBApiTickType.ASK)?.value;
    expect(bid).toBeDefined();
    expect(bid!).toBeLessThanOrEqual(ask!);
    expect(snapshot.get(IBApiNextTickType.MODEL_OPTION_DELTA)?.value).toBeGreaterThan(0);
  });
});

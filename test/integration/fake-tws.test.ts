// The fake TWS proven against the real @stoqey/ib 1.6.10: every test connects the library's own
// IBApi (or IBApiNext) over TCP on loopback, so a field the fake lays out wrongly fails to
// decode here, exactly as it would in the coordinator's IBKR provider. Nothing is mocked.
//
// Ordering, not time, makes these tests deterministic: TWS answers one connection's requests
// in order, so "nothing arrived" is proved by a reqCurrentTime round trip sent afterwards.
import {
  ConnectionState,
  EventName,
  IBApi,
  IBApiNext,
  IBApiNextTickType,
  IBApiTickType,
  MarketDataType,
  OptionType,
  SecType,
  type Contract,
  type ContractDetails,
  type ErrorCode,
  type IBApiCreationOptions,
  type Logger,
  type TickType,
} from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { listSyntheticContracts, priceSyntheticChain, type ListedContract } from "../../services/market-model/synthetic-chain.js";
import { FakeTws, SERVER_VERSION, type FakeTwsOptions } from "../fixtures/fake-tws/index.js";

/** A Tuesday, 11:00 in New York: markets open, weekly and monthly expiries listed. */
const NOW = new Date("2026-03-10T15:00:00Z");
const SEED = 1;
const SPY_CONID = 756733;
const SPY = SYMBOL_PROFILES.SPY!;

const stock = (symbol: string): Contract => ({ symbol, secType: SecType.STK, exchange: "SMART", currency: "USD" });

/** SPY's listing at the fake's starting spot and clock: what reqSecDefOptParams must report. */
const SPY_LISTING = listSyntheticContracts({ profile: SPY, spot: SPY.spot, asOf: NOW });
/** The at-the-money call of the first expiry at least three weeks out. */
const ATM_CALL: ListedContract = SPY_LISTING.find(
  (contract) => contract.expiryDate >= "2026-03-31" && contract.strike === SPY.spot && contract.right === OptionRight.OPTION_RIGHT_CALL,
)!;
const ibDate = (date: string): string => date.replaceAll("-", "");
const option = (listed: ListedContract): Contract => ({
  symbol: "SPY",
  secType: SecType.OPT,
  lastTradeDateOrContractMonth: ibDate(listed.expiryDate),
  strike: listed.strike,
  right: listed.right === OptionRight.OPTION_RIGHT_CALL ? OptionType.Call : OptionType.Put,
  exchange: "SMART",
  currency: "USD",
  multiplier: 100,
});

interface ErrorEvent {
  readonly message: string;
  readonly code: number;
  readonly reqId: number;
}
interface InfoEvent {
  readonly message: string;
  readonly code: number;
}
interface Tick {
  readonly reqId: number;
  readonly field: number;
  readonly value: number | undefined;
}
interface Computation {
  readonly reqId: number;
  readonly field: number;
  readonly impliedVolatility: number | undefined;
  readonly delta: number | undefined;
  readonly optionPrice: number | undefined;
  readonly pvDividend: number | undefined;
  readonly gamma: number | undefined;
  readonly vega: number | undefined;
  readonly theta: number | undefined;
  readonly underlyingPrice: number | undefined;
}
interface OptionParameters {
  readonly reqId: number;
  readonly exchange: string;
  readonly underlyingConId: number;
  readonly tradingClass: string;
  readonly multiplier: number;
  readonly expirations: string[];
  readonly strikes: number[];
}

/** Everything an IBApi emitted, in arrival order, for the assertions to look through. */
class Recorder {
  readonly servers: { version: number; connectionTime: string }[] = [];
  readonly nextValidIds: number[] = [];
  readonly accounts: string[] = [];
  readonly errors: ErrorEvent[] = [];
  readonly infos: InfoEvent[] = [];
  readonly prices: Tick[] = [];
  readonly sizes: Tick[] = [];
  readonly computations: Computation[] = [];
  readonly snapshotEnds: number[] = [];
  readonly dataTypes: { reqId: number; type: number }[] = [];
  readonly details: { reqId: number; details: ContractDetails }[] = [];
  readonly detailsEnds: number[] = [];
  readonly optionParameters: OptionParameters[] = [];
  readonly optionParametersEnds: number[] = [];
  readonly currentTimes: number[] = [];
  disconnects = 0;

  constructor(api: IBApi) {
    api
      .on(EventName.server, (version: number, connectionTime: string) => this.servers.push({ version, connectionTime }))
      .on(EventName.nextValidId, (orderId: number) => this.nextValidIds.push(orderId))
      .on(EventName.managedAccounts, (accounts: string) => this.accounts.push(accounts))
      .on(EventName.disconnected, () => (this.disconnects += 1))
      .on(EventName.error, (error: Error, code: ErrorCode, reqId: number) => this.errors.push({ message: error.message, code, reqId }))
      .on(EventName.info, (message: string, code: number) => this.infos.push({ message, code }))
      .on(EventName.tickPrice, (reqId: number, field: TickType, value: number) => this.prices.push({ reqId, field, value }))
      .on(EventName.tickSize, (reqId: number, field?: TickType, value?: number) => this.sizes.push({ reqId, field: field ?? -1, value }))
      .on(
        EventName.tickOptionComputation,
        (
          reqId: number,
          field: TickType,
          _attrib: number | undefined,
          impliedVolatility?: number,
          delta?: number,
          optionPrice?: number,
          pvDividend?: number,
          gamma?: number,
          vega?: number,
          theta?: number,
          underlyingPrice?: number,
        ) =>
          this.computations.push({ reqId, field, impliedVolatility, delta, optionPrice, pvDividend, gamma, vega, theta, underlyingPrice }),
      )
      .on(EventName.tickSnapshotEnd, (reqId: number) => this.snapshotEnds.push(reqId))
      .on(EventName.marketDataType, (reqId: number, type: number) => this.dataTypes.push({ reqId, type }))
      .on(EventName.contractDetails, (reqId: number, details: ContractDetails) => this.details.push({ reqId, details }))
      .on(EventName.contractDetailsEnd, (reqId: number) => this.detailsEnds.push(reqId))
      .on(
        EventName.securityDefinitionOptionParameter,
        // The library types the multiplier as a string but decodes it with readDouble.
        (reqId: number, exchange: string, underlyingConId: number, tradingClass: string, multiplier: string, expirations: string[], strikes: number[]) =>
          this.optionParameters.push({ reqId, exchange, underlyingConId, tradingClass, multiplier: Number(multiplier), expirations, strikes }),
      )
      .on(EventName.securityDefinitionOptionParameterEnd, (reqId: number) => this.optionParametersEnds.push(reqId))
      .on(EventName.currentTime, (time: number) => this.currentTimes.push(time));
  }

  errorsOf(code: number): ErrorEvent[] {
    return this.errors.filter((error) => error.code === code);
  }

  pricesOf(reqId: number): Tick[] {
    return this.prices.filter((tick) => tick.reqId === reqId);
  }
}

interface Client {
  readonly api: IBApi;
  readonly events: Recorder;
}

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFake(options: FakeTwsOptions = {}): Promise<FakeTws> {
  const fake = await FakeTws.start({ now: () => NOW, seed: SEED, ...options });
  cleanups.push(() => fake.close());
  return fake;
}

/** Polls until `condition` holds; the timeout only bounds a failure, it is never asserted on. */
async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An IBApi connected to the fake, past nextValidId (when the library starts sending requests). */
async function connect(fake: FakeTws, options: IBApiCreationOptions = {}): Promise<Client> {
  const api = new IBApi({ host: "127.0.0.1", port: fake.port, clientId: 7, ...options });
  const events = new Recorder(api);
  // The library reports a message it cannot decode (underrun, leftover fields) as error 505.
  cleanups.push(() => expect(events.errorsOf(505)).toEqual([]));
  cleanups.push(() => {
    if (api.isConnected) api.disconnect();
  });
  api.connect();
  await until(() => events.nextValidIds.length > 0, "nextValidId");
  return { api, events };
}

/**
 * Waits for a reqCurrentTime answer. The fake answers a connection in order, so anything it sent
 * before has arrived by then: the way to show that something did not happen.
 */
async function roundTrip({ api, events }: Client): Promise<void> {
  const before = events.currentTimes.length;
  api.reqCurrentTime();
  await until(() => events.currentTimes.length > before, "currentTime");
}

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
    api.reqContractDetails(4, { symbol: "SPY", secType: SecType.OPT, lastTradeDateOrContractMonth: ibDate(ATM_CALL.expiryDate), exchange: "SMART", currency: "USD" });
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

    const model = events.computations.filter((computation) => computation.reqId === 11);
    expect(model).toHaveLength(1);
    expect(model[0]!.field).toBe(IBApiTickType.MODEL_OPTION);
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
    expect(events.sizes.some((tick) => tick.reqId === 22 && tick.field === callOpenInterest)).toBe(true);
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
    expect(events.errorsOf(10167)).toEqual([
      { reqId: 42, code: 10167, message: "Requested market data is not subscribed. Displaying delayed market data." },
    ]);
    const fields = events.pricesOf(42).map((tick) => tick.field);
    expect(fields).toEqual(expect.arrayContaining([IBApiTickType.DELAYED_BID, IBApiTickType.DELAYED_ASK]));
    expect(fields).not.toContain(IBApiTickType.BID);
    expect(events.computations.map((tick) => [tick.reqId, tick.field])).toEqual([[42, IBApiTickType.DELAYED_MODEL_OPTION]]);

    // Live data again: the same request now gets live ticks and a marketDataType of 1.
    fake.setDelayedOnly(false);
    api.reqMktData(43, stock("SPY"), "", true, false);
    await until(() => events.snapshotEnds.includes(43), "the live snapshot");
    expect(events.dataTypes.at(-1)).toEqual({ reqId: 43, type: 1 });
    expect(events.pricesOf(43).map((tick) => tick.field)).toContain(IBApiTickType.BID);
  });
});

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

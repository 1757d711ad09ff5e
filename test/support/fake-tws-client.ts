// Connecting the real @stoqey/ib IBApi to a fake TWS on loopback, with the fixed clock, seed and
// SPY contracts the fake's tests ask about. Ordering, not time, makes these tests
// deterministic: TWS answers one connection's requests in order, so "nothing arrived" is
// proved by a reqCurrentTime round trip sent afterwards (`roundTrip`).
import { EventName, IBApi, OptionType, SecType, type Contract, type IBApiCreationOptions } from "@stoqey/ib";
import { expect } from "vitest";
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { listSyntheticContracts, type ListedContract } from "../../services/market-model/synthetic-chain.js";
import { FakeTws, type FakeTwsOptions } from "../fixtures/fake-tws/index.js";
import { Recorder } from "./ib-recorder.js";

/** A Tuesday, 11:00 in New York: markets open, weekly and monthly expiries listed. */
export const NOW = new Date("2026-03-10T15:00:00Z");
export const SEED = 1;
export const SPY_CONID = 756733;
export const SPY = SYMBOL_PROFILES.SPY!;

export const stock = (symbol: string): Contract => ({ symbol, secType: SecType.STK, exchange: "SMART", currency: "USD" });

/** SPY's listing at the fake's starting spot and clock: what reqSecDefOptParams must report. */
export const SPY_LISTING = listSyntheticContracts({ profile: SPY, spot: SPY.spot, asOf: NOW });
/** The at-the-money call of the first expiry at least three weeks out. */
export const ATM_CALL: ListedContract = SPY_LISTING.find(
  (contract) => contract.expiryDate >= "2026-03-31" && contract.strike === SPY.spot && contract.right === OptionRight.OPTION_RIGHT_CALL,
)!;
/** The at-the-money put of the same expiry. */
export const ATM_PUT: ListedContract = SPY_LISTING.find(
  (contract) => contract.expiryDate === ATM_CALL.expiryDate && contract.strike === ATM_CALL.strike && contract.right === OptionRight.OPTION_RIGHT_PUT,
)!;
export const ibDate = (date: string): string => date.replaceAll("-", "");
export const option = (listed: ListedContract): Contract => ({
  symbol: "SPY",
  secType: SecType.OPT,
  lastTradeDateOrContractMonth: ibDate(listed.expiryDate),
  strike: listed.strike,
  right: listed.right === OptionRight.OPTION_RIGHT_CALL ? OptionType.Call : OptionType.Put,
  exchange: "SMART",
  currency: "USD",
  multiplier: 100,
});

export interface Client {
  readonly api: IBApi;
  readonly events: Recorder;
  /** What arrived, in order across event kinds: "price 11 1", "size 11 0", "computation 11 13", "end 11", "error 11 354", "info 2104", "type 11 3". */
  readonly sequence: string[];
}

/** Records the order in which the library emitted what the fake's tests compare across kinds. */
function sequenceOf(api: IBApi): string[] {
  const sequence: string[] = [];
  api
    .on(EventName.tickPrice, (reqId: number, field: number) => sequence.push(`price ${reqId} ${field}`))
    .on(EventName.tickSize, (reqId: number, field?: number) => sequence.push(`size ${reqId} ${field ?? -1}`))
    .on(EventName.tickOptionComputation, (reqId: number, field: number) => sequence.push(`computation ${reqId} ${field}`))
    .on(EventName.tickSnapshotEnd, (reqId: number) => sequence.push(`end ${reqId}`))
    .on(EventName.marketDataType, (reqId: number, type: number) => sequence.push(`type ${reqId} ${type}`))
    .on(EventName.error, (_error: Error, code: number, reqId: number) => sequence.push(`error ${reqId} ${code}`))
    .on(EventName.info, (_message: string, code: number) => sequence.push(`info ${code}`));
  return sequence;
}

/** What to close or check once the test ends, in the order it was opened; a test may add its own. */
export const cleanups: (() => unknown)[] = [];

/** Closes what the test opened, newest first, and runs the checks `connect` left: each test file runs it after each test. */
export async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

export async function startFake(options: FakeTwsOptions = {}): Promise<FakeTws> {
  const fake = await FakeTws.start({ now: () => NOW, seed: SEED, ...options });
  cleanups.push(() => fake.close());
  return fake;
}

/** Polls until `condition` holds; the timeout only bounds a failure, it is never asserted on. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An IBApi connected to the fake, past nextValidId (when the library starts sending requests). */
export async function connect(fake: FakeTws, options: IBApiCreationOptions = {}): Promise<Client> {
  const api = new IBApi({ host: "127.0.0.1", port: fake.port, clientId: 7, ...options });
  const events = new Recorder(api);
  const sequence = sequenceOf(api);
  // The library reports a message it cannot decode (underrun, leftover fields) as error 505.
  cleanups.push(() => expect(events.errorsOf(505)).toEqual([]));
  cleanups.push(() => {
    if (api.isConnected) api.disconnect();
  });
  api.connect();
  await until(() => events.nextValidIds.length > 0, "nextValidId");
  return { api, events, sequence };
}

/**
 * Waits for a reqCurrentTime answer. The fake answers a connection in order, so anything it sent
 * before has arrived by then: the way to show that something did not happen.
 */
export async function roundTrip({ api, events }: Pick<Client, "api" | "events">): Promise<void> {
  const before = events.currentTimes.length;
  api.reqCurrentTime();
  await until(() => events.currentTimes.length > before, "currentTime");
}

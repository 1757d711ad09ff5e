// Issue 16, behaviours 1–5: the IBKR provider's quotes against a fake TWS that behaves as TWS
// does (open interest only on streams with generic tick 101, as ticks 27 and 28; snapshots that
// end after 11 s when an untraded option sends no last; advisory codes followed by data; one
// computation record per quote side; delayed data announced per request). The real @stoqey/ib
// over loopback TCP, nothing mocked. Expected values come from the synthetic market model the
// fake prices from, or from the fake's wire read by a raw client, never from the provider.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { EventName, IBApi, IBApiTickType as TickType, OptionType, SecType, type Contract } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { OptionRight, type OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { createLogger } from "../../services/common/logger.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { listSyntheticContracts, priceSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import type { FakeTws } from "../fixtures/fake-tws/index.js";
import { ibkrProviderOnFake, rejection, waitUntil } from "../support/ibkr-provider-on-fake.js";

/** Wednesday 11 March 2026, 11:00 in New York. */
const NOW = new Date("2026-03-11T15:00:00Z");
const SEED = 3;
const SPY = SYMBOL_PROFILES.SPY!;
/** Bull puts and bear calls of one expiration, short deltas 0.20–0.30, $1 wings: a few dozen contracts of both rights. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: { minDte: 28, maxDte: 32, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
});

const logger = createLogger({ service: "ibkr-quotes-test", level: "silent", format: "json" });
const ibkr = ibkrProviderOnFake({
  fake: { seed: SEED, now: () => NOW },
  market: {
    clientId: 7,
    marketDataType: 1,
    maxLines: 40,
    maxMessagesPerSecond: 45,
    lookupTimeoutMs: 5000,
    quoteWaitMs: 3000,
    logger,
    now: () => NOW,
  },
});
const { startFake, startMarket } = ibkr;
const apis: IBApi[] = [];

afterEach(async () => {
  for (const api of apis.splice(0)) if (api.isConnected) api.disconnect();
  await ibkr.close();
});

const waitFor = (what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> => waitUntil(what, condition, timeoutMs);

const keyOf = (quote: { expiryDate: string; strike: number; right: OptionRight }): string => `${quote.expiryDate} ${quote.strike} ${quote.right}`;
const keys = (chain: OptionChain): string[] => chain.quotes.map(keyOf).sort();

/** The synthetic model's quotes, as the fake prices them (open interest included). */
function modelQuotes(fake: FakeTws): Map<string, OptionChain["quotes"][number]> {
  const listing = listSyntheticContracts({ profile: SPY, spot: SPY.spot, asOf: NOW });
  const model = priceSyntheticChain({ symbol: "SPY", profile: SPY, spot: fake.spot("SPY")!, asOf: NOW, seed: SEED, contracts: listing });
  return new Map(model.quotes.map((quote) => [keyOf(quote), quote]));
}

describe("open interest (issue 16, behaviour 1)", () => {
  it("asks for generic tick 101 on streams and gives every quote its own side's open interest, puts included", async () => {
    const fake = await startFake();
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    const truth = modelQuotes(fake);
    const puts = chain.quotes.filter((quote) => quote.right === OptionRight.OPTION_RIGHT_PUT);
    const calls = chain.quotes.filter((quote) => quote.right === OptionRight.OPTION_RIGHT_CALL);
    expect(puts.length).toBeGreaterThan(5);
    expect(calls.length).toBeGreaterThan(5);
    for (const quote of chain.quotes) {
      expect(quote.openInterestUnknown, keyOf(quote)).toBe(false);
      expect(quote.openInterest, keyOf(quote)).toBe(truth.get(keyOf(quote))!.openInterest);
    }
    // The model gives puts open interest: a put read from tick 27 (the call's, sent as 0) would show 0.
    expect(puts.every((quote) => quote.openInterest > 0n)).toBe(true);
    expect(fake.stats.marketDataRequests.snapshot).toBe(0);
    expect(fake.stats.marketDataRequests.streamWithOpenInterest).toBe(chain.quotes.length);
    expect(fake.stats.errorsSent[321] ?? 0).toBe(0);
    expect(market.stats().lastFetch).toMatchObject({ openInterestReceived: chain.quotes.length, openInterestUnknown: 0 });
    // Every stream was cancelled once it had its quote: no line is left open at TWS.
    await waitFor("every line to be closed at TWS", () => fake.stats.openLines === 0);
    expect(fake.stats.error100).toBe(0);
    expect(fake.stats.error101).toBe(0);
  });

  it("asks TWS for open interest once a day: a second fetch takes it from today's cache", async () => {
    const fake = await startFake();
    const market = await startMarket(fake);
    const first = await market.fetchChain({ symbol: "SPY", query: QUERY });
    const askedBefore = fake.stats.marketDataRequests.streamWithOpenInterest;
    const second = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(fake.stats.marketDataRequests.streamWithOpenInterest).toBe(askedBefore);
    expect(second.quotes.map((quote) => [keyOf(quote), quote.openInterest, quote.openInterestUnknown])).toEqual(
      first.quotes.map((quote) => [keyOf(quote), quote.openInterest, false]),
    );
    expect(market.stats().lastFetch).toMatchObject({ openInterestCached: second.quotes.length, openInterestAsked: 0 });
  });

  it("marks open interest unknown, never 0, when it does not come within the wait, and keeps the quote", async () => {
    // Open interest later than the provider's wait: the quotes end with what they have.
    const fake = await startFake({ openInterestDelayMs: 60_000 });
    const market = await startMarket(fake, { quoteWaitMs: 300 });
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(chain.quotes.length).toBeGreaterThan(10);
    for (const quote of chain.quotes) {
      expect(quote).toMatchObject({ openInterestUnknown: true, openInterest: 0n });
      expect(quote.ask).toBeGreaterThan(0);
    }
    expect(market.stats().lastFetch).toMatchObject({ openInterestUnknown: chain.quotes.length, partial: chain.quotes.length });
  });
});

describe("snapshot timing (issue 16, behaviour 2)", () => {
  it("fetches a chain whose options half never traded without waiting for TWS's 11 s snapshot end, dropping no quote", async () => {
    const reference = await (await startMarket(await startFake())).fetchChain({ symbol: "SPY", query: QUERY });
    const fake = await startFake({ untradedShare: 0.5 });
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(keys(chain)).toEqual(keys(reference));
    const untraded = chain.quotes.filter((quote) => quote.last === 0);
    expect(untraded.length).toBeGreaterThan(0);
    // None of them waited out its wait: each ended as soon as it had bid, ask, greeks and open interest.
    expect(market.stats().lastFetch).toMatchObject({ timedOut: 0, partial: 0, openInterestUnknown: 0 });
    expect(fake.stats.snapshotsTimedOut).toBe(0);
    for (const quote of untraded) expect(quote.greeks, keyOf(quote)).toBeDefined();
  });
});

describe("error codes (issue 16, behaviour 3)", () => {
  it("carries on after advisory codes (10090, 2119, 10276): the same chain as without them", async () => {
    const reference = await (await startMarket(await startFake())).fetchChain({ symbol: "SPY", query: QUERY });
    const fake = await startFake({ advisories: [10090, 2119, 10276] });
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(fake.stats.errorsSent[10276]).toBeGreaterThan(0);
    expect(keys(chain)).toEqual(keys(reference));
    expect(chain.delayed).toBe(false);
    expect(market.stats().lastFetch).toMatchObject({ failed: 0 });
  });

  it.each([354, 10091])("fails FAILED_PRECONDITION naming the options subscription on %i for options, cancelling every refused line at TWS", async (code) => {
    const fake = await startFake({ optionSubscription: "none", missingSubscriptionCode: code });
    const market = await startMarket(fake, { allowDelayedFallback: false });
    const error = await rejection(market.fetchChain({ symbol: "SPY", query: QUERY }));
    expect(error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error.message).toContain("OPRA");
    expect(error.message).toContain(String(code));
    // TWS held each refused line until cancelled: the provider cancelled them all.
    await waitFor("TWS to hold no refused line", () => fake.stats.erroredLinesHeld === 0);
    expect(fake.stats.cancelsOfErrored).toBeGreaterThan(0);
    await waitFor("every line to be closed at TWS", () => fake.stats.openLines === 0);
  });

  it("fails FAILED_PRECONDITION, not an empty chain, when the delayed fallback gets no option data either", async () => {
    const fake = await startFake({ optionSubscription: "none" });
    const market = await startMarket(fake, { quoteWaitMs: 300 });
    const error = await rejection(market.fetchChain({ symbol: "SPY", query: QUERY }));
    expect(error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error.message).toContain("OPRA");
    await waitFor("TWS to hold no refused line", () => fake.stats.erroredLinesHeld === 0);
  });
});

describe("greeks (issue 16, behaviour 4)", () => {
  it("takes the bid and ask records' midpoint, whole, where the model was not computed", async () => {
    // Untraded (no last record) and no model: only the bid's and the ask's records remain.
    const fake = await startFake({ uncomputedShare: 1, untradedShare: 1 });
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    const quote = chain.quotes.find((candidate) => candidate.right === OptionRight.OPTION_RIGHT_PUT && candidate.greeks !== undefined)!;
    expect(quote).toBeDefined();

    // What the fake sends for that contract, read off the wire by a client of our own.
    const records = await computationsOnTheWire(fake, {
      symbol: "SPY",
      secType: SecType.OPT,
      lastTradeDateOrContractMonth: quote.expiryDate.replaceAll("-", ""),
      strike: quote.strike,
      right: OptionType.Put,
      exchange: "SMART",
      currency: "USD",
    });
    const bid = records.get(TickType.BID_OPTION)!;
    const ask = records.get(TickType.ASK_OPTION)!;
    expect(records.get(TickType.MODEL_OPTION)?.impliedVolatility).toBeUndefined();
    expect(bid.impliedVolatility).toBeLessThan(ask.impliedVolatility!);
    expect(quote.impliedVolatility).toBeCloseTo((bid.impliedVolatility! + ask.impliedVolatility!) / 2, 12);
    expect(quote.greeks!.delta).toBeCloseTo((bid.delta! + ask.delta!) / 2, 12);
    expect(quote.greeks!.gamma).toBeCloseTo((bid.gamma! + ask.gamma!) / 2, 12);
    expect(quote.greeks!.vega).toBeCloseTo((bid.vega! + ask.vega!) / 2, 12);
    expect(quote.greeks!.theta).toBeCloseTo((bid.theta! + ask.theta!) / 2, 12);
  });
});

describe("delayed data per request (issue 16, behaviour 5)", () => {
  it("with IB_MARKET_DATA_TYPE=3 on an account with live data, the chain is live: TWS answered each request with live data", async () => {
    const fake = await startFake();
    const market = await startMarket(fake, { marketDataType: 3 });
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(chain.quotes.length).toBeGreaterThan(10);
    expect(chain.delayed).toBe(false);
  });

  it.each([354, 10089])("with IB_MARKET_DATA_TYPE=3, %i followed by delayed ticks is a delayed chain, not a failure", async (code) => {
    const fake = await startFake({ optionSubscription: "delayed", stockSubscription: "delayed", delayedNoticeCode: code });
    const market = await startMarket(fake, { marketDataType: 3 });
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(chain.delayed).toBe(true);
    expect(chain.quotes.length).toBeGreaterThan(10);
    expect(chain.quotes.every((quote) => quote.ask > 0 && !quote.openInterestUnknown)).toBe(true);
  });
});

interface WireRecord {
  readonly impliedVolatility?: number | undefined;
  readonly delta?: number | undefined;
  readonly gamma?: number | undefined;
  readonly vega?: number | undefined;
  readonly theta?: number | undefined;
}

/** The computation records the fake streams for `contract`, by tick type, as @stoqey/ib decodes them. */
async function computationsOnTheWire(fake: FakeTws, contract: Contract): Promise<Map<number, WireRecord>> {
  const api = new IBApi({ host: "127.0.0.1", port: fake.port, clientId: 99 });
  apis.push(api);
  const records = new Map<number, WireRecord>();
  let ready = false;
  api.on(EventName.nextValidId, () => {
    ready = true;
  });
  api.on(
    EventName.tickOptionComputation,
    (
      _reqId: number,
      field: number,
      _attrib: number | undefined,
      impliedVolatility?: number,
      delta?: number,
      _price?: number,
      _pv?: number,
      gamma?: number,
      vega?: number,
      theta?: number,
    ) => {
      records.set(field, { impliedVolatility, delta, gamma, vega, theta });
    },
  );
  api.connect();
  await waitFor("the raw client to connect", () => ready);
  api.reqMktData(1, contract, "", false, false);
  await waitFor("the bid, ask and model records", () => [TickType.BID_OPTION, TickType.ASK_OPTION, TickType.MODEL_OPTION].every((field) => records.has(field)));
  api.cancelMktData(1);
  return records;
}

// Issue 16, behaviours 6–8 and the feed side of 9: the IBKR provider against a fake TWS that
// runs sessions as TWS does (a market that closes, a competing session taking the account's
// market data, farms that connect after the session opens, option parameters listed per
// exchange with an adjusted class). The real @stoqey/ib over loopback TCP, nothing mocked.
// Expected values come from the synthetic market the fake prices from, or from the calendar,
// never from the provider; waits poll for a state and their timeouts only bound a failure.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { OptionRight, type OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { RpcError } from "../../services/common/errors.js";
import { createLogger } from "../../services/common/logger.js";
import { scanChain } from "../../services/engine/index.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { listSyntheticContracts, priceSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import type { FakeTws } from "../fixtures/fake-tws/index.js";
import { ibkrProviderOnFake, recorder, rejection, waitUntil } from "../support/ibkr-provider-on-fake.js";

/** Wednesday 11 March 2026, 11:00 in New York (EDT since 8 March). */
const NOW = new Date("2026-03-11T15:00:00Z");
/** The regular close before NOW: Tuesday 10 March, 16:00 EDT. */
const PREVIOUS_CLOSE = new Date("2026-03-10T20:00:00Z");
const SEED = 3;
const SPY = SYMBOL_PROFILES.SPY!;
/** Bull puts of one expiration, short deltas 0.20–0.30, $1 wings: about twenty contracts. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 28, maxDte: 32, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
});

const logger = createLogger({ service: "ibkr-sessions-test", level: "silent", format: "json" });
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
    feedIntervalMs: 20,
    feedRetryDelayMs: 30,
  },
});
const { startFake, startMarket } = ibkr;

afterEach(async () => {
  await ibkr.close();
});

const waitFor = (what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> => waitUntil(what, condition, timeoutMs);

const keyOf = (quote: { expiryDate: string; strike: number; right: OptionRight }): string => `${quote.expiryDate} ${quote.strike} ${quote.right}`;

/** The synthetic model's quotes at the fake's spot: what the fake quotes, open or (frozen) at the close. */
function modelQuotes(fake: FakeTws): Map<string, OptionChain["quotes"][number]> {
  const listing = listSyntheticContracts({ profile: SPY, spot: SPY.spot, asOf: NOW });
  const model = priceSyntheticChain({ symbol: "SPY", profile: SPY, spot: fake.spot("SPY")!, asOf: NOW, seed: SEED, contracts: listing });
  return new Map(model.quotes.map((quote) => [keyOf(quote), quote]));
}

const isCompeting = (error: unknown): boolean => error instanceof RpcError && error.code === GrpcStatus.UNAVAILABLE && error.message.includes("10197");

describe("a closed market (issue 16, behaviour 6)", () => {
  it("asks for frozen data: the chain is flagged frozen, with the close's quotes stamped with the close's time", async () => {
    const fake = await startFake({ marketClosed: true });
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });

    expect(chain.frozen).toBe(true);
    expect(chain.delayed).toBe(false);
    expect(chain.quotes.length).toBeGreaterThan(10);
    const truth = modelQuotes(fake);
    for (const quote of chain.quotes) {
      const model = truth.get(keyOf(quote));
      expect(model, keyOf(quote)).toBeDefined();
      // The quotes as they stood at the close, two-sided: not the closed book's −1.
      expect(quote.bid, keyOf(quote)).toBe(model!.bid);
      expect(quote.ask, keyOf(quote)).toBe(model!.ask);
      expect(quote.quoteTime, keyOf(quote)).toEqual(PREVIOUS_CLOSE);
    }
    // The chain itself was fetched now; its quotes say when they were current.
    expect(chain.asOf).toEqual(NOW);
    expect(market.stats().requestedMarketDataType).toBe(2);
  });

  it("a scan of the frozen chain says so, and presents spreads with a real credit", async () => {
    const fake = await startFake({ marketClosed: true });
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    const result = scanChain(chain, QUERY);
    expect(result.frozen).toBe(true);
    expect(result.spreads.length).toBeGreaterThan(0);
    for (const spread of result.spreads) {
      expect(spread.netCredit).toBeGreaterThan(0);
      for (const leg of spread.legs) expect(leg.bid).toBeGreaterThan(0);
    }
  });

  it("with delayed data configured, asks for delayed-frozen data (4) and flags the chain delayed and frozen", async () => {
    const fake = await startFake({ marketClosed: true, delayedOnly: true });
    const market = await startMarket(fake, { marketDataType: 3 });
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(chain).toMatchObject({ frozen: true, delayed: true });
    expect(chain.quotes.length).toBeGreaterThan(10);
    expect(chain.quotes.every((quote) => quote.bid > 0 && quote.bid <= quote.ask)).toBe(true);
    expect(market.stats().requestedMarketDataType).toBe(4);
  });

  it("with frozen data turned off, the closed book (bid and ask −1) fails FAILED_PRECONDITION naming the closed market, never an empty chain", async () => {
    const fake = await startFake({ marketClosed: true });
    const market = await startMarket(fake, { frozenData: false });
    const error = await rejection(market.fetchChain({ symbol: "SPY", query: QUERY }));
    expect(error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error.message).toContain("SPY");
    expect(error.message).toMatch(/market .*is closed/);
    expect(market.stats().requestedMarketDataType).toBe(1);
    // Once the market opens, the same provider fetches live quotes.
    fake.setMarketClosed(false);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(chain.frozen).toBe(false);
    expect(chain.quotes.every((quote) => quote.bid > 0)).toBe(true);
  });

  it("with frozen data turned off, a live feed tells its listeners the market is closed instead of sending chains without a market", async () => {
    const fake = await startFake({ marketClosed: true });
    const market = await startMarket(fake, { frozenData: false });
    const listener = recorder();
    market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    const isClosed = (error: unknown): boolean => error instanceof RpcError && error.code === GrpcStatus.FAILED_PRECONDITION && /closed/.test(error.message);
    await waitFor("the listener to hear the market is closed", () => listener.errors.some(isClosed));
    expect(listener.chains.filter((chain) => chain.quotes.length > 0)).toEqual([]);

    fake.setMarketClosed(false);
    fake.tick();
    await waitFor("a live chain", () => (listener.chains.at(-1)?.quotes.length ?? 0) > 10);
    const latest = listener.chains.at(-1)!;
    expect(latest.frozen).toBe(false);
    expect(latest.quotes.some((quote) => quote.bid > 0)).toBe(true);
    expect(listener.errors.filter(isClosed)).toHaveLength(1);
  });

  it("a live feed's chains are frozen while the market is closed and live once it opens, per request", async () => {
    const fake = await startFake({ marketClosed: true });
    const market = await startMarket(fake);
    const listener = recorder();
    market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    await waitFor("a first chain", () => listener.chains.length > 0);
    expect(listener.chains.at(-1)!.frozen).toBe(true);
    expect(listener.chains.at(-1)!.quotes.every((quote) => quote.quoteTime!.getTime() === PREVIOUS_CLOSE.getTime())).toBe(true);

    fake.setMarketClosed(false);
    fake.tick();
    await waitFor("a live chain", () => !listener.chains.at(-1)!.frozen && listener.chains.at(-1)!.quotes.length > 10);
    expect(listener.errors).toEqual([]);
  });
});

describe("a competing session (issue 16, behaviour 7)", () => {
  it("a live feed stopped by 10197 tells its listeners, cancels the stopped lines, probes, and resubscribes when data returns", async () => {
    const fake = await startFake();
    const market = await startMarket(fake, { competingSessionBackoffMs: 600_000 });
    const listener = recorder();
    market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    await waitFor("the feed to stream", () => fake.stats.streams > 10 && market.stats().openLines === fake.stats.openLines);
    fake.tick();
    await waitFor("a first chain", () => listener.chains.length > 0);
    const held = market.stats().openLines;
    const streamsBefore = fake.stats.streams;

    fake.setCompetingSession(true);
    await waitFor("the listener to hear of it", () => listener.errors.some(isCompeting));
    // Every stopped line is cancelled at TWS (10197 leaves the request open, holding its line).
    await waitFor("the stopped lines to be cancelled", () => fake.stats.cancelsOfErrored >= held);
    // While the other session lasts, one line probes again and again, and is refused each time.
    const refusedBefore = fake.stats.errorsSent[10197] ?? 0;
    await waitFor("a few probes", () => (fake.stats.errorsSent[10197] ?? 0) >= refusedBefore + 3);
    expect(fake.stats.erroredLinesHeld).toBeLessThanOrEqual(1);
    expect(market.isAvailable()).toBe(false);
    const chainsDuring = listener.chains.length;

    fake.setCompetingSession(false);
    // TWS says nothing when the other session ends: the feed finds out by asking.
    await waitFor("every line requested again", () => fake.stats.streams >= streamsBefore + held && fake.stats.openLines === held);
    fake.tick();
    await waitFor("chains again", () => listener.chains.length > chainsDuring);
    expect(listener.chains.at(-1)!.quotes.length).toBeGreaterThan(10);
    // Data flows again, so fetches need not wait out the competing-session backoff.
    expect(market.isAvailable()).toBe(true);
    expect((await market.fetchChain({ symbol: "SPY", query: QUERY })).quotes.length).toBeGreaterThan(10);
    expect(fake.stats.error100).toBe(0);
    expect(listener.errors.filter(isCompeting)).toHaveLength(1);
  });

  it("a fetch during a competing session fails UNAVAILABLE naming it", async () => {
    const fake = await startFake();
    const market = await startMarket(fake);
    fake.setCompetingSession(true);
    const error = await rejection(market.fetchChain({ symbol: "SPY", query: QUERY }));
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.message).toContain("10197");
    expect(error.message).toMatch(/competing/);
  });
});

describe("market data farms connecting (issue 16, behaviour 7)", () => {
  it("a fetch made while the farm connects (2119) waits for 2104: no request's clock runs out on TWS's silence", async () => {
    // The farm takes longer than any request may wait.
    const fake = await startFake({ farmConnectingMs: 1500 });
    const market = await startMarket(fake, { quoteWaitMs: 400, lookupTimeoutMs: 400 });
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    expect(chain.quotes.length).toBeGreaterThan(10);
    expect(chain.underlyingPrice).toBeCloseTo(fake.spot("SPY")!, 2);
    expect(market.stats().lastFetch).toMatchObject({ timedOut: 0, failed: 0 });
    expect(fake.stats.errorsSent[2119]).toBe(1);
    expect(fake.stats.errorsSent[2104]).toBe(1);
  });

  it("a feed opened while the farm connects starts once it is up", async () => {
    const fake = await startFake({ farmConnectingMs: 1500 });
    const market = await startMarket(fake, { quoteWaitMs: 400, lookupTimeoutMs: 400 });
    const listener = recorder();
    market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    await waitFor("the feed to stream", () => fake.stats.streams > 10);
    fake.tick();
    await waitFor("a chain", () => listener.chains.length > 0 && listener.chains.at(-1)!.quotes.length > 10);
    expect(listener.errors).toEqual([]);
  });
});

describe("a market data farm breaking mid-session (issue 16, behaviour 7)", () => {
  it("quote requests in flight when the farm breaks (2103) do not run out their waits on TWS's silence: every contract is quoted once it is back (2104)", async () => {
    const fake = await startFake();
    const market = await startMarket(fake, { quoteWaitMs: 300 });
    const fetching = market.fetchChain({ symbol: "SPY", query: QUERY });
    // Break it while the fetch's quote requests are out: some open at TWS, more to come.
    await waitFor("quote requests in flight", () => fake.stats.marketDataRequests.stream >= 6 && fake.stats.openLines > 0);
    fake.breakFarm();
    // Longer than any request may wait (not asserted on: it only makes the silence outlast the waits).
    await new Promise((resolve) => setTimeout(resolve, 1200));
    fake.restoreFarm();
    const chain = await fetching;

    const counts = market.stats().lastFetch!;
    expect(counts).toMatchObject({ timedOut: 0, partial: 0, failed: 0, noDefinition: 0, openInterestUnknown: 0 });
    expect(counts.quoted).toBe(counts.requested);
    expect(chain.quotes.length).toBe(counts.requested);
    const truth = modelQuotes(fake);
    for (const quote of chain.quotes) {
      expect(truth.has(keyOf(quote)), keyOf(quote)).toBe(true);
      expect(quote.openInterestUnknown, keyOf(quote)).toBe(false);
    }
    expect(fake.stats.errorsSent[2103]).toBe(1);
  });

  it("a farm that stays broken fails the fetch UNAVAILABLE naming it, after the farm wait, instead of holding it", async () => {
    const fake = await startFake();
    const market = await startMarket(fake, { quoteWaitMs: 300, farmWaitMs: 400 });
    const fetching = rejection(market.fetchChain({ symbol: "SPY", query: QUERY }));
    await waitFor("quote requests in flight", () => fake.stats.marketDataRequests.stream >= 6 && fake.stats.openLines > 0);
    fake.breakFarm();
    const error = await fetching;
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.message).toContain("usfarm (2103)");
  });
});

describe("trading classes (issue 16, behaviour 8)", () => {
  it("uses the standard class on SMART of the lines TWS lists per exchange, not the adjusted 2SPY nor a venue's own dates", async () => {
    // In the query's DTE range the adjusted class lists a date of its own, and so does the first
    // line (the standard class on CBOE): neither is a date of the market.
    const fake = await startFake({ secDefLines: "realistic" });
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });
    const truth = modelQuotes(fake);
    expect(chain.quotes.length).toBeGreaterThan(10);
    // The chain's dates are the market's in the range (calendar days from Wednesday 11 March), no other.
    const dte = (date: string): number => Math.round((Date.parse(date) - Date.parse("2026-03-11")) / 86_400_000);
    const inRange = [...new Set([...truth.values()].map((quote) => quote.expiryDate))].filter((date) => dte(date) >= 28 && dte(date) <= 32);
    expect(inRange.length).toBeGreaterThan(0);
    expect([...new Set(chain.quotes.map((quote) => quote.expiryDate))].sort()).toEqual(inRange.sort());
    // Every quote is a standard contract of the market; none of the adjusted class's odd strikes.
    for (const quote of chain.quotes) expect(truth.has(keyOf(quote)), keyOf(quote)).toBe(true);
    // No request named a contract TWS does not have (the adjusted class's contracts get 200).
    expect(fake.stats.errorsSent[200] ?? 0).toBe(0);
    expect(market.stats().lastFetch).toMatchObject({ noDefinition: 0, failed: 0 });
  });
});

describe("a live feed's flags and errors (issue 16, behaviour 9, the feed's side)", () => {
  it("with delayed data configured, a 354 before delayed ticks is success: the feed's chains are delayed, with quotes", async () => {
    const fake = await startFake({ optionSubscription: "delayed", delayedNoticeCode: 354 });
    const market = await startMarket(fake, { marketDataType: 3 });
    const listener = recorder();
    market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    await waitFor("the feed to stream", () => fake.stats.streams > 10);
    fake.tick();
    await waitFor("a chain with quotes", () => (listener.chains.at(-1)?.quotes.length ?? 0) > 10);
    expect(listener.chains.at(-1)!.delayed).toBe(true);
    expect(listener.errors).toEqual([]);
    expect(fake.stats.erroredLinesHeld).toBe(0);
  });

  it("without an option subscription, the feed's listeners hear FAILED_PRECONDITION naming it, and no refused request keeps its line at TWS", async () => {
    const fake = await startFake({ optionSubscription: "none" });
    const market = await startMarket(fake, { allowDelayedFallback: false });
    const listener = recorder();
    const feed = market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    const isMissing = (error: unknown): boolean => error instanceof RpcError && error.code === GrpcStatus.FAILED_PRECONDITION && /OPRA/.test(error.message);
    await waitFor("the listener to hear of it", () => listener.errors.some(isMissing));
    expect(listener.chains).toEqual([]);
    feed.close();
    // TWS holds a refused request's line until it is cancelled: every one was.
    await waitFor(
      "the refused requests to be cancelled",
      () => fake.stats.cancelsOfErrored > 0 && fake.stats.erroredLinesHeld === 0 && fake.stats.openLines === 0,
    );
  });
});

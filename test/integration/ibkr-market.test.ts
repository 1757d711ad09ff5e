// The IBKR provider against the fake TWS: the real @stoqey/ib client over TCP on loopback,
// the fake speaking TWS's protocol from the synthetic market and enforcing IBKR's limits.
// Nothing is mocked. Both sides read one fixed clock, so the expirations and quotes are the
// same on every run; waits poll for a state (bounded), never for an amount of time.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { OptionRight, type OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { RpcError } from "../../services/common/errors.js";
import { createLogger } from "../../services/common/logger.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { listSyntheticContracts, priceSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { daysToExpiry } from "../../services/engine/new-york-time.js";
import { ibkrProviderOnFake, recorder, rejection, waitUntil } from "../support/ibkr-provider-on-fake.js";

/** Wednesday 11 March 2026, 11:00 in New York: the 3 April and 10 April expiries are 23 and 30 days out. */
const NOW = new Date("2026-03-11T15:00:00Z");
const SEED = 3;
const SPY = SYMBOL_PROFILES.SPY!;
const MIN_DTE = 20;
const MAX_DTE = 35;
/** Short deltas 0.20–0.30, $1 wings, two expirations: under a hundred contracts, two seconds at 45 messages/s. */
const QUERY = ScanQuery.fromPartial({ filters: { minDte: MIN_DTE, maxDte: MAX_DTE, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 } });
/** Bull puts of one expiration, short deltas 0.20–0.25: about twenty contracts. */
const PUTS_ONLY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 28, maxDte: 32, minShortDelta: 0.2, maxShortDelta: 0.25, maxWidth: 1 },
});

const logger = createLogger({ service: "ibkr-market-test", level: "silent", format: "json" });
const ibkr = ibkrProviderOnFake({
  fake: { seed: SEED, now: () => NOW },
  market: {
    clientId: 7,
    marketDataType: 1,
    maxLines: 90,
    maxMessagesPerSecond: 45,
    lookupTimeoutMs: 5000,
    logger,
    now: () => NOW,
    feedIntervalMs: 50,
    reconnectInitialDelayMs: 50,
    reconnectMaxDelayMs: 200,
  },
});
const { startFake, startMarket } = ibkr;

afterEach(async () => {
  await ibkr.close();
});

const waitFor = (what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> => waitUntil(what, condition, timeoutMs);

const keyOf = (quote: OptionChain["quotes"][number]): string => `${quote.expiryDate} ${quote.strike} ${quote.right}`;
const keys = (chain: OptionChain): string[] => chain.quotes.map(keyOf).sort();

describe("IbkrMarket.fetchChain against the fake TWS", () => {
  it("fetches SPY's chain: the fake's quotes and greeks, only expirations in the DTE range, within IBKR's limits", async () => {
    // Snapshots that take 100 ms overlap at 45 messages/s, so several lines are open at once.
    const fake = await startFake({ snapshotDelayMs: 100 });
    const maxLines = 10;
    const market = await startMarket(fake, { maxLines });
    const chain = await market.fetchChain({ symbol: "SPY", query: QUERY });

    expect(chain).toMatchObject({ symbol: "SPY", source: "ibkr", delayed: false, multiplier: 100 });
    expect(chain.asOf).toEqual(NOW);
    expect(chain.underlyingPrice).toBeCloseTo(fake.spot("SPY")!, 2);
    expect(chain.quotes.length).toBeGreaterThan(20);
    expect(chain.quotes.some((quote) => quote.right === OptionRight.OPTION_RIGHT_CALL)).toBe(true);
    expect(chain.quotes.some((quote) => quote.right === OptionRight.OPTION_RIGHT_PUT)).toBe(true);
    const expiries = new Set(chain.quotes.map((quote) => quote.expiryDate));
    expect([...expiries].sort()).toEqual(["2026-04-03", "2026-04-10"]);
    for (const quote of chain.quotes) {
      const dte = daysToExpiry(NOW, quote.expiryDate);
      expect(dte).toBeGreaterThanOrEqual(MIN_DTE);
      expect(dte).toBeLessThanOrEqual(MAX_DTE);
      expect(quote.bid).toBeLessThanOrEqual(quote.ask);
      expect(quote.ask).toBeGreaterThan(0);
      expect(quote.impliedVolatility).toBeGreaterThan(0);
      expect(quote.greeks).toBeDefined();
      if (quote.right === OptionRight.OPTION_RIGHT_CALL) expect(quote.greeks!.delta).toBeGreaterThan(0);
      else expect(quote.greeks!.delta).toBeLessThan(0);
    }

    // Each quote is the synthetic model's for that contract, at the fake's spot and clock.
    const listing = listSyntheticContracts({ profile: SPY, spot: SPY.spot, asOf: NOW });
    const model = priceSyntheticChain({ symbol: "SPY", profile: SPY, spot: fake.spot("SPY")!, asOf: NOW, seed: SEED, contracts: listing });
    const expected = new Map(model.quotes.map((quote) => [keyOf(quote), quote]));
    for (const quote of chain.quotes) {
      const truth = expected.get(keyOf(quote));
      expect(truth, keyOf(quote)).toBeDefined();
      expect(quote.bid).toBe(truth!.bid);
      expect(quote.ask).toBe(truth!.ask);
      expect(quote.impliedVolatility).toBeCloseTo(truth!.impliedVolatility!, 12);
      expect(quote.greeks!.delta).toBeCloseTo(truth!.greeks!.delta, 12);
    }

    // A normal run never trips IBKR's limits, and never holds more lines than allowed.
    expect(fake.stats.error100).toBe(0);
    expect(fake.stats.error101).toBe(0);
    expect(fake.stats.maxOpenLines).toBeGreaterThan(1);
    expect(fake.stats.maxOpenLines).toBeLessThanOrEqual(maxLines);
    expect(market.stats().maxOpenLines).toBeLessThanOrEqual(maxLines);
    expect(market.stats().lastFetch).toMatchObject({ timedOut: 0, failed: 0, quoted: chain.quotes.length });
    expect(market.isAvailable()).toBe(true);
  });

  it("on error 100 slows down and re-sends every refused request: the same chain, nothing lost", async () => {
    const reference = await (await startMarket(await startFake())).fetchChain({ symbol: "SPY", query: PUTS_ONLY });
    const strict = await startFake({ maxMessagesPerSecond: 10, disconnectAfterMs: 600_000 });
    const market = await startMarket(strict);
    const chain = await market.fetchChain({ symbol: "SPY", query: PUTS_ONLY });
    expect(strict.stats.error100).toBeGreaterThan(0);
    expect(market.stats().quotes.resent).toBeGreaterThan(0);
    expect(market.stats().messageRate).toBeLessThan(45);
    expect(keys(chain)).toEqual(keys(reference));
    expect(strict.stats.connections).toBe(1);
  });

  it("on error 101 re-queues with fewer lines open: the same chain, nothing lost", async () => {
    const reference = await (await startMarket(await startFake())).fetchChain({ symbol: "SPY", query: PUTS_ONLY });
    // Quotes whose open interest takes 150 ms keep about seven lines busy at 45 messages/s: more than the account's four.
    const small = await startFake({ maxLines: 4, openInterestDelayMs: 150 });
    const market = await startMarket(small, { maxLines: 12 });
    const chain = await market.fetchChain({ symbol: "SPY", query: PUTS_ONLY });
    expect(small.stats.error101).toBeGreaterThan(0);
    expect(market.stats().quotes.requeued).toBeGreaterThan(0);
    expect(market.stats().lineLimit).toBeLessThan(12);
    expect(keys(chain)).toEqual(keys(reference));
  });

  it("without a DTE range fetches the expirations 7 to 60 days out, the engine's default, which its scan will use", async () => {
    const query = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minShortDelta: 0.2, maxShortDelta: 0.25, maxWidth: 1 } });
    const listed = [...new Set(listSyntheticContracts({ profile: SPY, spot: SPY.spot, asOf: NOW }).map((contract) => contract.expiryDate))];
    const dtes = listed.map((date) => daysToExpiry(NOW, date));
    // The listing has expirations on both sides of the range, so the range is what chose.
    expect(dtes.some((dte) => dte < 7)).toBe(true);
    expect(dtes.some((dte) => dte > 60)).toBe(true);
    const market = await startMarket(await startFake());
    const chain = await market.fetchChain({ symbol: "SPY", query });
    const fetched = [...new Set(chain.quotes.map((quote) => quote.expiryDate))].sort();
    expect(fetched).toEqual(listed.filter((date) => daysToExpiry(NOW, date) >= 7 && daysToExpiry(NOW, date) <= 60).sort());
  });

  it("skips and counts contracts TWS has no definition for (error 200), without failing the fetch", async () => {
    // Far out-of-the-money puts of a near expiry: the strike union lists $1 strikes this expiry does not.
    // Short |delta| from 0 up to 0.05.
    const query = ScanQuery.fromPartial({
      strategies: [Strategy.STRATEGY_BULL_PUT],
      filters: { minDte: 7, maxDte: 10, minShortDelta: 0, maxShortDelta: 0.05, maxWidth: 2 },
    });
    const market = await startMarket(await startFake(), { strikeWindowDeviations: 6 });
    const chain = await market.fetchChain({ symbol: "SPY", query });
    const counts = market.stats().lastFetch!;
    expect(counts.noDefinition).toBeGreaterThan(0);
    expect(chain.quotes.length).toBeGreaterThan(0);
    expect(counts.quoted).toBe(chain.quotes.length);
  });

  it("falls back to delayed data on an account without live data, and flags the chain delayed", async () => {
    const fake = await startFake({ delayedOnly: true });
    const market = await startMarket(fake);
    const chain = await market.fetchChain({ symbol: "SPY", query: PUTS_ONLY });
    expect(chain.delayed).toBe(true);
    expect(chain.quotes.length).toBeGreaterThan(0);
    expect(chain.quotes.every((quote) => quote.bid <= quote.ask && quote.greeks !== undefined)).toBe(true);
    expect(market.stats().marketDataType).toBe(3);
    // One at the session's start (frozen: live while the market is open), one for the fallback (delayed-frozen); not one per request.
    expect(fake.stats.requestsByType.reqMarketDataType).toBe(2);
  });

  it("fails FAILED_PRECONDITION naming the subscription when delayed data is not allowed", async () => {
    const market = await startMarket(await startFake({ delayedOnly: true }), { allowDelayedFallback: false });
    const error = await rejection(market.fetchChain({ symbol: "SPY", query: PUTS_ONLY }));
    expect(error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error.message).toMatch(/subscription/);
    expect(error.message).toContain("SPY");
  });

  it("answers NOT_FOUND naming a symbol IBKR does not know", async () => {
    const fake = await startFake({ unknownSymbols: ["AAPL"] });
    const market = await startMarket(fake);
    for (const symbol of ["AAPL", "ZZZZ"]) {
      const error = await rejection(market.fetchChain({ symbol, query: QUERY }));
      expect(error.code).toBe(GrpcStatus.NOT_FOUND);
      expect(error.message).toContain(`"${symbol}"`);
    }
    expect(market.isAvailable()).toBe(true);
  });

  it("rejects with the caller's reason when the signal aborts mid-fetch, and gives every line back", async () => {
    const fake = await startFake({ openInterestDelayMs: 50 });
    const market = await startMarket(fake, { maxLines: 8 });
    const controller = new AbortController();
    const fetching = market.fetchChain({ symbol: "SPY", query: QUERY, signal: controller.signal });
    await waitFor("quote requests to be under way", () => fake.stats.streams > 5);
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(fetching).rejects.toBe(reason);
    await waitFor("the lines to be released", () => market.stats().openLines === 0 && fake.stats.openLines === 0);
  });
});

describe("IbkrMarket connectivity against the fake TWS", () => {
  it("keeps a feed delivering across a dropped socket: reconnects, resubscribes, fresh data", async () => {
    const fake = await startFake();
    const market = await startMarket(fake, { maxLines: 30 });
    const listener = recorder();
    const feed = market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    await waitFor("the feed to stream", () => fake.stats.streams > 5);
    fake.tick();
    await waitFor("a first chain", () => listener.chains.length > 0);
    const streamsBefore = fake.stats.streams;

    fake.dropConnections();
    await waitFor("the reconnection", () => fake.stats.connections === 2 && market.isAvailable());
    await waitFor("the lines to be requested again", () => fake.stats.streams >= streamsBefore * 2);
    const seen = listener.chains.length;
    // The market moves on; the chains after the reconnection follow it.
    for (let i = 0; i < 20; i++) fake.tick();
    const spot = Math.round(fake.spot("SPY")! * 100) / 100;
    await waitFor("a chain at the new spot", () => listener.chains.length > seen && Math.abs(listener.chains.at(-1)!.underlyingPrice - spot) < 0.005);
    const latest = listener.chains.at(-1)!;
    expect(latest.quotes.length).toBeGreaterThan(10);
    expect(latest.quotes.every((quote) => quote.bid <= quote.ask)).toBe(true);
    expect(listener.errors.some((error) => error instanceof RpcError && error.code === GrpcStatus.UNAVAILABLE)).toBe(true);
    expect(fake.stats.error100).toBe(0);
    expect(fake.stats.maxOpenLines).toBeLessThanOrEqual(30);

    feed.close();
    await waitFor("every line cancelled", () => fake.stats.openLines === 0 && market.stats().openLines === 0);
  });

  it("1100 takes market data down (fetches fail fast, UNAVAILABLE); 1101 restores it and resubscribes the feeds", async () => {
    const fake = await startFake();
    const market = await startMarket(fake, { maxLines: 30 });
    const listener = recorder();
    market.openFeed({ symbol: "SPY", query: QUERY }, listener);
    await waitFor("the feed to stream", () => fake.stats.streams > 5);
    const held = market.stats().openLines;
    await waitFor("every line open at TWS", () => fake.stats.openLines === held);

    fake.sendConnectivity(1100);
    await waitFor("market data to be down", () => !market.isAvailable());
    const lookupsBefore = fake.stats.requestsByType.reqContractDetails ?? 0;
    const error = await rejection(market.fetchChain({ symbol: "QQQ", query: QUERY }));
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.message).toContain("1100");
    // Failing fast: TWS was not even asked.
    expect(fake.stats.requestsByType.reqContractDetails ?? 0).toBe(lookupsBefore);
    expect(listener.errors.some((e) => e instanceof RpcError && e.message.includes("1100"))).toBe(true);

    const streamsBefore = fake.stats.streams;
    fake.sendConnectivity(1101);
    await waitFor("market data to be back", () => market.isAvailable());
    await waitFor("every line requested again", () => fake.stats.streams >= streamsBefore + held && fake.stats.openLines === held);
    const seen = listener.chains.length;
    fake.tick();
    await waitFor("chains again", () => listener.chains.length > seen);
    expect(fake.stats.openLines).toBe(held);
    expect(fake.stats.error100).toBe(0);

    const chain = await market.fetchChain({ symbol: "SPY", query: PUTS_ONLY });
    expect(chain.quotes.length).toBeGreaterThan(0);
  });

  it("1100 ends a fetch under way with UNAVAILABLE instead of letting its quote requests wait", async () => {
    const fake = await startFake({ openInterestDelayMs: 200 });
    const market = await startMarket(fake, { maxLines: 8 });
    const fetching = market.fetchChain({ symbol: "SPY", query: QUERY });
    await waitFor("quote requests to be under way", () => fake.stats.streams > 3);
    fake.sendConnectivity(1100);
    const error = await rejection(fetching);
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.message).toContain("1100");
    await waitFor("the lines to be released", () => market.stats().openLines === 0);
  });

  it("1102 restores market data with the lines intact", async () => {
    const fake = await startFake();
    const market = await startMarket(fake);
    fake.sendConnectivity(1100);
    await waitFor("market data to be down", () => !market.isAvailable());
    fake.sendConnectivity(1102);
    await waitFor("market data to be back", () => market.isAvailable());
    expect((await market.fetchChain({ symbol: "SPY", query: PUTS_ONLY })).quotes.length).toBeGreaterThan(0);
  });

  it("a competing live session (10197) makes fetches UNAVAILABLE with the reason", async () => {
    const fake = await startFake();
    const market = await startMarket(fake, { competingSessionBackoffMs: 60_000 });
    fake.sendConnectivity(10197);
    await waitFor("market data to be unavailable", () => !market.isAvailable());
    const error = await rejection(market.fetchChain({ symbol: "SPY", query: QUERY }));
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.message).toMatch(/competing/);
  });
});

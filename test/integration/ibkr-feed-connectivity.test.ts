// A live feed when TWS gets its connection to IBKR back: the feed's listeners heard the outage
// (1100) as an error, and only a chain tells them the data is back. On a quiet market, or after
// the close, the next tick can be a long way off, so the feed must not wait for one. The real
// @stoqey/ib against the fake TWS over loopback, nothing mocked; the market never ticks here.
// Waits poll for a state; their timeouts only bound a failure.
import { afterEach, describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { RpcError } from "../../services/common/errors.js";
import { createLogger } from "../../services/common/logger.js";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { IbkrMarket } from "../../services/coordinator/market/ibkr/ibkr-market.js";
import type { FakeTws } from "../fixtures/fake-tws/index.js";
import { ibkrProviderOnFake, recorder, waitUntil } from "../support/ibkr-provider-on-fake.js";

/** Bull puts of one expiration, short deltas 0.20–0.30, $1 wings: a few dozen lines. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 28, maxDte: 32, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
});
const FEED_INTERVAL_MS = 20;
/** Wednesday 11 March 2026, 11:00 in New York: the market is open, and the query's range holds an expiration. */
const NOW = new Date("2026-03-11T15:00:00Z");

const logger = createLogger({ service: "ibkr-feed-connectivity-test", level: "silent", format: "json" });
const ibkr = ibkrProviderOnFake({
  market: {
    clientId: 9,
    marketDataType: 1,
    maxLines: 40,
    maxMessagesPerSecond: 45,
    lookupTimeoutMs: 5000,
    logger,
    feedIntervalMs: FEED_INTERVAL_MS,
    now: () => NOW,
  },
});

afterEach(async () => {
  await ibkr.close();
});

const waitFor = (what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> => waitUntil(what, condition, timeoutMs);

/** A feed of SPY whose every line is open at TWS and has had everything it will get before a tick. */
async function quietFeed(): Promise<{ fake: FakeTws; market: IbkrMarket; listener: ReturnType<typeof recorder> }> {
  const { fake, market } = await ibkr.start({ seed: 5, now: () => NOW });
  const listener = recorder();
  market.openFeed({ symbol: "SPY", query: QUERY }, listener);
  await waitFor("the feed to stream", () => market.stats().feeds === 1 && fake.stats.streams > 5);
  const held = market.stats().openLines;
  await waitFor("every line open at TWS", () => fake.stats.openLines === held && market.stats().openLines === held);
  // The chain with everything the lines get before a tick: every option's open interest (it comes last).
  await waitFor("a full chain", () => {
    const quotes = listener.chains.at(-1)?.quotes ?? [];
    return quotes.length === held - 1 && quotes.every((quote) => !quote.openInterestUnknown);
  });
  return { fake, market, listener };
}

describe("a live feed when TWS's connection to IBKR comes back (issue 16, behaviour 9, the feed's side)", () => {
  it("after 1102 (data maintained) it sends its current chain at once, without waiting for the market's next tick", async () => {
    const { fake, market, listener } = await quietFeed();
    const streamsBefore = fake.stats.streams;
    fake.sendConnectivity(1100);
    await waitFor("the outage told", () => listener.errors.some((error) => error instanceof RpcError && error.message.includes("1100")));
    const chainsBefore = listener.chains.length;

    fake.sendConnectivity(1102);
    await waitFor("market data back", () => market.isAvailable());
    await waitFor("a chain after 1102", () => listener.chains.length > chainsBefore, 5000);
    const chain = listener.chains.at(-1)!;
    expect(chain.quotes.length).toBeGreaterThan(10);
    expect(chain.underlyingPrice).toBeCloseTo(fake.spot("SPY")!, 2);
    // Once: the lines were kept, so nothing else is due until the market ticks.
    await new Promise((resolve) => setTimeout(resolve, 10 * FEED_INTERVAL_MS));
    expect(listener.chains.length).toBe(chainsBefore + 1);
    // The lines were kept: none was requested again.
    expect(fake.stats.streams).toBe(streamsBefore);
  });

  it("after 1101 (data lost) it requests every line again and sends a chain once they answer, without a tick", async () => {
    const { fake, market, listener } = await quietFeed();
    const held = market.stats().openLines;
    const streamsBefore = fake.stats.streams;
    fake.sendConnectivity(1100);
    await waitFor("the outage told", () => listener.errors.some((error) => error instanceof RpcError && error.message.includes("1100")));
    const chainsBefore = listener.chains.length;

    fake.sendConnectivity(1101);
    await waitFor("every line requested again", () => fake.stats.streams === streamsBefore + held && fake.stats.openLines === held);
    await waitFor("a chain after 1101", () => listener.chains.length > chainsBefore && listener.chains.at(-1)!.quotes.length === held - 1, 5000);
    expect(listener.chains.at(-1)!.underlyingPrice).toBeCloseTo(fake.spot("SPY")!, 2);
  });
});

describe("a live feed when TWS loses IBKR while a chain waits for its interval", () => {
  it("sends the waiting chain before the error: no chain after it says the data is back until TWS does", async () => {
    // A long interval, so that a chain surely waits when the outage comes.
    const { fake, market } = await ibkr.start({ seed: 5, now: () => NOW }, { feedIntervalMs: 1000 });
    const heard: ({ readonly chain: OptionChain } | { readonly error: unknown })[] = [];
    const chains = (): OptionChain[] => heard.flatMap((event) => ("chain" in event ? [event.chain] : []));
    market.openFeed({ symbol: "SPY", query: QUERY }, { onChain: (chain) => heard.push({ chain }), onError: (error) => heard.push({ error }) });
    await waitFor("the feed to stream", () => market.stats().feeds === 1 && chains().length > 0);
    const held = market.stats().openLines;
    await waitFor("a full chain", () => (chains().at(-1)?.quotes ?? []).length === held - 1);

    // A tick after a quiet spell goes out at once; the next, within the interval, waits for it.
    fake.tick();
    const beforeTick = chains().length;
    await waitFor("the first tick's chain", () => chains().length > beforeTick);
    fake.tick();
    const secondTick = heard.length;
    fake.sendConnectivity(1100);
    await waitFor("the outage told", () => heard.some((event) => "error" in event));
    const outage = heard.findIndex((event) => "error" in event);
    expect((heard[outage] as { error: unknown }).error).toBeInstanceOf(RpcError);
    // The second tick's chain came before the error: its quotes are from before the outage.
    const waiting = heard.slice(secondTick, outage).flatMap((event) => ("chain" in event ? [event.chain] : []));
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.at(-1)?.underlyingPrice).toBeCloseTo(fake.spot("SPY")!, 2);

    // Only TWS's word ends the outage: the next chain is the one 1102 brings.
    fake.sendConnectivity(1102);
    await waitFor("a chain after 1102", () => heard.length > outage + 1, 5000);
    expect(heard.slice(outage + 1).map((event) => ("chain" in event ? "chain" : "error"))).toEqual(["chain"]);
  });
});

// IV history from IBKR's historical data against the fake TWS (the real @stoqey/ib client over
// TCP, the fake answering reqHistoricalData on the wire with daily OPTION_IMPLIED_VOLATILITY
// bars and enforcing the historical pacing as TWS does, with error 162). The bars come back as
// the history; a symbol without IV data is unknown, not a failure; a burst over the pacing
// limit waits its turn and no request is refused, while the same burst unpaced is refused.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { RpcError } from "../../services/common/errors.js";
import { createLogger } from "../../services/common/logger.js";
import { IvHistoryCache } from "../../services/coordinator/market/iv-history/iv-history-cache.js";
import { withIvHistory } from "../../services/coordinator/market/iv-history/attach-iv-history.js";
import { isTradingDay } from "../../services/market-model/trading-days.js";
import { simulatedVolatilityHistory } from "../../services/market-model/implied-volatility-history.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { ibkrProviderOnFake, waitUntil } from "../support/ibkr-provider-on-fake.js";

/** Wednesday 11 March 2026, 11:00 in New York. */
const NOW = new Date("2026-03-11T15:00:00Z");
const TODAY = "2026-03-11";
const SEED = 3;

const logger = createLogger({ service: "ibkr-iv-history-test", level: "silent", format: "json" });
const ibkr = ibkrProviderOnFake({
  fake: { seed: SEED, now: () => NOW },
  market: {
    clientId: 9,
    marketDataType: 1,
    maxLines: 90,
    maxMessagesPerSecond: 45,
    lookupTimeoutMs: 5000,
    logger,
    now: () => NOW,
    reconnectInitialDelayMs: 50,
    reconnectMaxDelayMs: 200,
  },
});

afterEach(async () => {
  await ibkr.close();
});

describe("IbkrMarket.ivHistory against the fake TWS", () => {
  it("brings back the fake's daily IV bars before the chain's date as the history", async () => {
    const { fake, market } = await ibkr.start();
    const days = await market.ivHistory.fetchHistory("SPY", TODAY);
    // The fake serves the model's IV path (its seed) to six decimals, today's session included;
    // the history keeps the days before today.
    const profile = SYMBOL_PROFILES.SPY;
    if (!profile || !days) throw new Error("expected a history");
    const model = simulatedVolatilityHistory({ symbol: "SPY", profile, seed: SEED, before: TODAY, days: days.length });
    expect(days).toEqual(model.map((day) => ({ date: day.date, impliedVolatility: Math.round(day.impliedVolatility * 1e6) / 1e6 })));
    // Two years of bars: far more than the year of trading days IV rank needs.
    expect(days.length).toBeGreaterThan(400);
    expect(days.at(-1)?.date).toBe("2026-03-10");
    expect(days.every((day) => isTradingDay(day.date))).toBe(true);
    expect(fake.stats.historicalRequests).toBe(1);
    expect(fake.stats.errorsSent[162]).toBeUndefined();
  });

  it("attaches it to a chain fetched through the coordinator's wrapper, once per symbol and day", async () => {
    const { fake, market } = await ibkr.start();
    const cache = new IvHistoryCache({ source: market.ivHistory, logger });
    const provider = withIvHistory(market, { cache });
    const query = ScanQuery.fromPartial({ filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.25, maxWidth: 1 } });
    const [first, second] = await Promise.all([provider.fetchChain({ symbol: "SPY", query }), provider.fetchChain({ symbol: "SPY", query })]);
    expect(first.impliedVolatilityHistory?.source).toBe("ibkr");
    expect(first.impliedVolatilityHistory?.days).toHaveLength(252);
    expect(first.impliedVolatilityHistory?.days.at(-1)?.date).toBe("2026-03-10");
    expect(second.impliedVolatilityHistory).toEqual(first.impliedVolatilityHistory);
    expect(fake.stats.historicalRequests).toBe(1);
  });

  it("leaves the history unknown for a symbol without IV data (162, no data) or unknown to IBKR (200)", async () => {
    const { fake, market } = await ibkr.start({ noHistorySymbols: ["IWM"], unknownSymbols: ["ZZZZ"] });
    expect(await market.ivHistory.fetchHistory("IWM", TODAY)).toBeUndefined();
    expect(fake.stats.errorsSent[162]).toBe(1);
    expect(await market.ivHistory.fetchHistory("ZZZZ", TODAY)).toBeUndefined();
    // And the wrapper still serves IWM's chain, with no history on it.
    const provider = withIvHistory(market, { cache: new IvHistoryCache({ source: market.ivHistory, logger }) });
    const chain = await provider.fetchChain({
      symbol: "IWM",
      query: ScanQuery.fromPartial({ filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.22, maxWidth: 1 } }),
    });
    expect(chain.quotes.length).toBeGreaterThan(0);
    expect(chain.impliedVolatilityHistory).toBeUndefined();
  });
});

describe("a historical request TWS does not answer in time", () => {
  it("fails UNAVAILABLE after the timeout and cancels the request at TWS", async () => {
    const { fake, market } = await ibkr.start({ historicalDelayMs: 5000 }, { historicalTimeoutMs: 200 });
    const failure: unknown = await market.ivHistory.fetchHistory("SPY", TODAY).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect((failure as RpcError).code).toBe(GrpcStatus.UNAVAILABLE);
    expect((failure as RpcError).message).toMatch(/did not answer the IV history request for SPY within 200 ms/);
    await waitUntil("the cancel to reach the fake", () => fake.stats.historicalCancels === 1, 5000);
    expect(fake.stats.historicalBarsSent).toBe(0);
  });
});

/** Each rule of the fake's historical pacing alone, small enough that a burst reaches it in seconds. */
const RULES = [
  {
    rule: "at most 3 requests in 1.5 s",
    pacing: { maxRequests: 3, windowMs: 1500, identicalWithinMs: 0 },
    burst: ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA"],
    // Sent at once, the fourth and later are over the limit.
    refusedUnpaced: 4,
  },
  {
    rule: "no identical request within 1 s",
    pacing: { maxRequests: 100, windowMs: 1500, identicalWithinMs: 1000 },
    burst: ["SPY", "SPY", "QQQ", "SPY"],
    // Sent at once, both repeats of SPY are identical to the first.
    refusedUnpaced: 2,
  },
];

describe.each(RULES)("historical data pacing: $rule", ({ pacing, burst, refusedUnpaced }) => {
  it("paces a burst over the limit: every request is answered, none refused with 162", async () => {
    const { fake, market } = await ibkr.start({ historicalPacing: pacing }, { historicalPacing: { ...pacing, marginMs: 300 } });
    const histories = await Promise.all(burst.map((symbol) => market.ivHistory.fetchHistory(symbol, TODAY)));
    for (const days of histories) expect(days?.length).toBeGreaterThan(400);
    expect(fake.stats.historicalRequests).toBe(burst.length);
    expect(fake.stats.historicalPacingViolations).toBe(0);
    expect(fake.stats.errorsSent[162]).toBeUndefined();
  });

  it("unpaced, the same burst is refused by the fake with 162 pacing violations, and the provider says UNAVAILABLE", async () => {
    const { fake, market } = await ibkr.start({ historicalPacing: pacing }, { historicalPacing: "off" });
    const outcomes = await Promise.allSettled(burst.map((symbol) => market.ivHistory.fetchHistory(symbol, TODAY)));
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(fake.stats.historicalPacingViolations).toBeGreaterThanOrEqual(refusedUnpaced);
    expect(fake.stats.errorsSent[162]).toBe(fake.stats.historicalPacingViolations);
    expect(refused).toHaveLength(fake.stats.historicalPacingViolations);
    for (const outcome of refused) {
      const reason: unknown = outcome.reason;
      expect(reason).toBeInstanceOf(RpcError);
      expect((reason as RpcError).code).toBe(GrpcStatus.UNAVAILABLE);
      expect((reason as RpcError).message).toMatch(/error 162.*pacing violation/);
    }
  });
});

// The coordinator's one place of attaching IV history: chains fetched and chains from a feed
// carry the symbol's history before their New York date; a symbol's day is fetched from the
// source once however many ask at once; a source without history, or failing, leaves the
// history unknown (unset) and the chain served; a failure is tried again after its delay.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DailyImpliedVolatility, OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { createLogger } from "../../../services/common/logger.js";
import { unavailable } from "../../../services/common/errors.js";
import { withIvHistory } from "../../../services/coordinator/market/iv-history/attach-iv-history.js";
import { IvHistoryCache } from "../../../services/coordinator/market/iv-history/iv-history-cache.js";
import type { IvHistorySource } from "../../../services/coordinator/market/iv-history/iv-history-source.js";
import { SimulatedIvHistory } from "../../../services/coordinator/market/iv-history/simulated-iv-history.js";
import { isTradingDay } from "../../../services/market-model/trading-days.js";
import { simulatedVolatilityHistory } from "../../../services/market-model/implied-volatility-history.js";
import { profileFor } from "../../../services/market-model/symbol-profiles.js";
import { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";
import { newYorkDate } from "../../../services/engine/new-york-time.js";
import { waitUntil } from "../../support/ibkr-provider-on-fake.js";
import { MINUTE, stillMarket } from "../../support/simulated-market-helpers.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const markets: SimulatedMarket[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(markets.splice(0).map((market) => market.close()));
});

function market(seed = 3): SimulatedMarket {
  const made = stillMarket(seed, MINUTE);
  markets.push(made);
  return made;
}

/** A source that counts its calls and answers what the test says. */
function countingSource(answer: (symbol: string, before: string) => Promise<DailyImpliedVolatility[] | undefined>): IvHistorySource & { calls: number } {
  const source = {
    name: "counting",
    calls: 0,
    fetchHistory: (symbol: string, before: string) => {
      source.calls++;
      return answer(symbol, before);
    },
  };
  return source;
}

describe("withIvHistory on the simulated market", () => {
  it("attaches the 252 trading days before the chain's New York date, the model's own", async () => {
    const simulated = market();
    const cache = new IvHistoryCache({ source: simulated.ivHistory, logger });
    const chain = await withIvHistory(simulated, { cache }).fetchChain({ symbol: "SPY" });
    const history = chain.impliedVolatilityHistory;
    expect(history?.source).toBe("simulated");
    expect(history?.days).toHaveLength(252);
    // The market's clock: Monday 2 June 2025, so the last day is Friday 30 May.
    expect(history?.days.at(-1)?.date).toBe("2025-05-30");
    expect(history?.days.every((day) => isTradingDay(day.date) && day.date < "2025-06-02")).toBe(true);
    const profile = profileFor("SPY");
    if (!profile) throw new Error("no SPY profile");
    expect(history?.days).toEqual(simulatedVolatilityHistory({ symbol: "SPY", profile, seed: 3, before: "2025-06-02" }));
    // The quotes are the provider's, untouched.
    const plain = await simulated.fetchChain({ symbol: "SPY" });
    expect(chain.quotes).toEqual(plain.quotes);
  });

  it("fetches a symbol's day once for everyone asking at once, and chains of a feed carry it too", async () => {
    const simulated = market();
    const source = countingSource((symbol, before) => new SimulatedIvHistory(3).fetchHistory(symbol, before));
    const cache = new IvHistoryCache({ source, logger });
    const provider = withIvHistory(simulated, { cache });
    const chains = await Promise.all(Array.from({ length: 6 }, () => provider.fetchChain({ symbol: "QQQ" })));
    expect(source.calls).toBe(1);
    for (const chain of chains) expect(chain.impliedVolatilityHistory?.days).toHaveLength(252);

    // A feed ticks on the market's timers, which run on the real clock.
    const live = new SimulatedMarket({ seed: 3, tickIntervalMs: 10 });
    markets.push(live);
    const liveSource = countingSource((symbol, before) => new SimulatedIvHistory(3).fetchHistory(symbol, before));
    const liveProvider = withIvHistory(live, { cache: new IvHistoryCache({ source: liveSource, logger }) });
    const heard: OptionChain[] = [];
    const feed = liveProvider.openFeed({ symbol: "QQQ" }, { onChain: (chain) => heard.push(chain), onError: () => undefined });
    await waitUntil("three chains from the feed", () => heard.length >= 3, 5000);
    feed.close();
    expect(liveSource.calls).toBe(1);
    for (const chain of heard) {
      const day = newYorkDate(chain.asOf ?? new Date(Number.NaN));
      expect(chain.impliedVolatilityHistory?.days).toHaveLength(252);
      expect(chain.impliedVolatilityHistory?.days.every((entry) => entry.date < day)).toBe(true);
    }
  });
});

describe("a history that is not there", () => {
  it("leaves the chain without history when the source has none, asking once that day", async () => {
    const source = countingSource(() => Promise.resolve(undefined));
    const provider = withIvHistory(market(), { cache: new IvHistoryCache({ source, logger }) });
    const first = await provider.fetchChain({ symbol: "SPY" });
    const second = await provider.fetchChain({ symbol: "SPY" });
    expect(first.impliedVolatilityHistory).toBeUndefined();
    expect(second.impliedVolatilityHistory).toBeUndefined();
    expect(first.quotes.length).toBeGreaterThan(0);
    expect(source.calls).toBe(1);
  });

  it("serves the chain when the source fails, and asks again only after the retry delay", async () => {
    let clock = 0;
    let fail = true;
    const source = countingSource((symbol, before) =>
      fail ? Promise.reject(unavailable("TWS did not answer")) : new SimulatedIvHistory(3).fetchHistory(symbol, before),
    );
    const cache = new IvHistoryCache({ source, logger, retryDelayMs: 1000, now: () => clock });
    const provider = withIvHistory(market(), { cache });
    expect((await provider.fetchChain({ symbol: "SPY" })).impliedVolatilityHistory).toBeUndefined();
    fail = false;
    clock = 999;
    expect((await provider.fetchChain({ symbol: "SPY" })).impliedVolatilityHistory).toBeUndefined();
    expect(source.calls).toBe(1);
    clock = 1000;
    expect((await provider.fetchChain({ symbol: "SPY" })).impliedVolatilityHistory?.days).toHaveLength(252);
    expect(source.calls).toBe(2);
  });

  it("holds a chain at most waitMs for a history that has not come, the next ones not at all, and attaches it once it has", async () => {
    let release: (days: DailyImpliedVolatility[]) => void = () => undefined;
    const source = countingSource(
      () =>
        new Promise<DailyImpliedVolatility[]>((resolve) => {
          release = resolve;
        }),
    );
    // The wait runs on timers the test moves: nothing here depends on the real clock.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const cache = new IvHistoryCache({ source, logger });
    const provider = withIvHistory(market(), { cache, waitMs: 1000 });
    const first = provider.fetchChain({ symbol: "SPY" });
    await vi.advanceTimersByTimeAsync(1000);
    expect((await first).impliedVolatilityHistory).toBeUndefined();
    // Once one chain has waited it out, the next do not wait for it at all: this one comes back
    // with the timers standing still.
    expect((await provider.fetchChain({ symbol: "SPY" })).impliedVolatilityHistory).toBeUndefined();
    expect(source.calls).toBe(1);
    vi.useRealTimers();
    release([
      { date: "2025-05-29", impliedVolatility: 0.2 },
      { date: "2025-05-30", impliedVolatility: 0.21 },
      // Not before the chain's date, not a date, no volatility the engine takes: left out.
      { date: "2025-06-02", impliedVolatility: 0.5 },
      { date: "2025-5-28", impliedVolatility: 0.2 },
      { date: "2025-05-27", impliedVolatility: 12 },
      { date: "2025-05-26", impliedVolatility: 0 },
    ]);
    // Once it has come (the fetch settled), chains carry it.
    await cache.history("SPY", "2025-06-02");
    const later = await provider.fetchChain({ symbol: "SPY" });
    expect(later.impliedVolatilityHistory).toEqual({
      source: "counting",
      days: [
        { date: "2025-05-29", impliedVolatility: 0.2 },
        { date: "2025-05-30", impliedVolatility: 0.21 },
      ],
    });
    expect(source.calls).toBe(1);
  });

  it("asks again, without waiting, for a history a chain waited out and whose fetch then failed, once the retry delay has passed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let clock = 0;
    let failFirst: (error: Error) => void = () => undefined;
    const source = countingSource((symbol, before) =>
      source.calls === 1
        ? new Promise<DailyImpliedVolatility[]>((_, reject) => {
            failFirst = reject;
          })
        : new SimulatedIvHistory(3).fetchHistory(symbol, before),
    );
    const cache = new IvHistoryCache({ source, logger, retryDelayMs: 5000, now: () => clock });
    const provider = withIvHistory(market(), { cache, waitMs: 1000 });
    const first = provider.fetchChain({ symbol: "SPY" });
    await vi.advanceTimersByTimeAsync(1000);
    expect((await first).impliedVolatilityHistory).toBeUndefined();
    failFirst(new Error("TWS did not answer"));
    // The failure settles (unknown, retried 5000 after it); then the delay passes.
    expect(await cache.history("SPY", "2025-06-02")).toBeUndefined();
    clock = 5000;
    // Due again: this chain does not wait, but its fetch starts.
    expect((await provider.fetchChain({ symbol: "SPY" })).impliedVolatilityHistory).toBeUndefined();
    expect(source.calls).toBe(2);
    await cache.history("SPY", "2025-06-02");
    expect((await provider.fetchChain({ symbol: "SPY" })).impliedVolatilityHistory?.days).toHaveLength(252);
    vi.useRealTimers();
  });
});

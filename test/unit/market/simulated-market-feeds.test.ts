// The simulated market's live feeds: one ticker per symbol shared by its feeds, on the
// market's step grid, stopped with the last feed, and told of outages.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { RpcError } from "../../../services/common/errors.js";
import type { FeedListener } from "../../../services/coordinator/market/market-data-provider.js";
import { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";
import { bytesOf, MINUTE, rejectionOf, rpcCodeOf, START } from "../../support/simulated-market-helpers.js";

describe("feeds", () => {
  // Long enough for every tick to move the spot by whole cents.
  const TICK = 10 * MINUTE;

  interface Recorder extends FeedListener {
    readonly chains: OptionChain[];
    readonly errors: unknown[];
  }

  function recorder(): Recorder {
    const chains: OptionChain[] = [];
    const errors: unknown[] = [];
    return { chains, errors, onChain: (chain) => chains.push(chain), onError: (error) => errors.push(error) };
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("shares one ticker between feeds of a symbol: one path, the same chains", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const [first, second] = [recorder(), recorder()];
    market.openFeed({ symbol: "AAPL" }, first);
    market.openFeed({ symbol: "AAPL" }, second);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(3 * TICK);
    expect(first.chains).toHaveLength(3);
    expect(second.chains).toEqual(first.chains);
    expect(second.chains.every((chain, index) => chain === first.chains[index])).toBe(true);
    expect(first.chains.map((chain) => chain.asOf?.getTime())).toEqual([1, 2, 3].map((tick) => START.getTime() + tick * TICK));
    expect(new Set(first.chains.map((chain) => chain.underlyingPrice)).size).toBe(3);
    expect(first.errors).toEqual([]);
  });

  it("ticks on the market's step grid, however late in a step a feed opens", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    vi.advanceTimersByTime(TICK / 4);
    const listener = recorder();
    market.openFeed({ symbol: "AAPL" }, listener);
    // An interval would fire a whole tick after the opening; the grid's next step comes first.
    vi.advanceTimersByTime((3 * TICK) / 4);
    expect(listener.chains.map((chain) => chain.asOf?.getTime())).toEqual([START.getTime() + TICK]);
    vi.advanceTimersByTime(2 * TICK);
    expect(listener.chains.map((chain) => chain.asOf?.getTime())).toEqual([1, 2, 3].map((tick) => START.getTime() + tick * TICK));
  });

  it("ticks exactly as explicit ticks of a twin market do", () => {
    const fed = new SimulatedMarket({ seed: 21, tickIntervalMs: TICK });
    const twin = new SimulatedMarket({ seed: 21, tickIntervalMs: TICK, now: () => new Date(START) });
    const listener = recorder();
    fed.openFeed({ symbol: "AMZN" }, listener);
    vi.advanceTimersByTime(4 * TICK);
    expect(listener.chains.map(bytesOf)).toEqual([1, 2, 3, 4].map(() => bytesOf(twin.tick("AMZN"))));
  });

  it("stops a symbol's ticker when its last feed closes, and close() stops them all", async () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const [first, second, other] = [recorder(), recorder(), recorder()];
    const feeds = [market.openFeed({ symbol: "IWM" }, first), market.openFeed({ symbol: "IWM" }, second)];
    market.openFeed({ symbol: "NVDA" }, other);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(TICK);
    feeds[0]!.close();
    feeds[0]!.close(); // closing twice changes nothing
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(TICK);
    expect([first.chains.length, second.chains.length]).toEqual([1, 2]);
    feeds[1]!.close();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(TICK);
    expect([first.chains.length, second.chains.length, other.chains.length]).toEqual([1, 2, 3]);
    // Opening again starts a fresh ticker on the same path.
    const again = recorder();
    market.openFeed({ symbol: "IWM" }, again);
    expect(vi.getTimerCount()).toBe(2);
    await market.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5 * TICK);
    expect([again.chains.length, other.chains.length]).toEqual([0, 3]);
    expect(market.isAvailable()).toBe(false);
    expect(rpcCodeOf(await rejectionOf(market.fetchChain({ symbol: "SPY" })))).toBe(GrpcStatus.UNAVAILABLE);
  });

  it("reports the outage to feeds instead of ticking, and carries on when the market is back", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const listener = recorder();
    market.openFeed({ symbol: "MSFT" }, listener);
    vi.advanceTimersByTime(TICK);
    market.setAvailable(false);
    vi.advanceTimersByTime(2 * TICK);
    expect(listener.chains).toHaveLength(1);
    expect(listener.errors).toHaveLength(2);
    for (const error of listener.errors) {
      expect(rpcCodeOf(error)).toBe(GrpcStatus.UNAVAILABLE);
      expect((error as RpcError).details.retryDelayMs).toBe(1000);
    }
    market.setAvailable(true);
    vi.advanceTimersByTime(TICK);
    expect(listener.chains).toHaveLength(2);
    expect(listener.errors).toHaveLength(2);
    // The path catches up with the clock it missed while down.
    expect(listener.chains[1]?.asOf).toEqual(new Date(START.getTime() + 4 * TICK));
  });

  it("keeps ticking when a listener throws, telling that listener through onError", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const failure = new Error("listener broke");
    const errors: unknown[] = [];
    market.openFeed(
      { symbol: "QQQ" },
      {
        onChain: () => {
          throw failure;
        },
        onError: (error) => {
          errors.push(error);
          throw new Error("and so did its error handler");
        },
      },
    );
    const healthy = recorder();
    market.openFeed({ symbol: "QQQ" }, healthy);
    vi.advanceTimersByTime(2 * TICK);
    expect(errors).toEqual([failure, failure]);
    expect(healthy.chains).toHaveLength(2);
  });

  it("closes a feed when its request's signal aborts", () => {
    const market = new SimulatedMarket({ seed: 12, tickIntervalMs: TICK });
    const controller = new AbortController();
    const listener = recorder();
    market.openFeed({ symbol: "TSLA", signal: controller.signal }, listener);
    vi.advanceTimersByTime(TICK);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(TICK);
    expect(listener.chains).toHaveLength(1);
  });
});

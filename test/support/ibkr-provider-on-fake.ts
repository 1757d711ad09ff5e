// The set-up the IbkrMarket tests share: fake TWS servers on loopback and IbkrMarket providers
// connected to them through the real @stoqey/ib, each test file with its own defaults (seed,
// clock, lines, pacing, feed timings), all closed together after each test. Also the small
// helpers those files had each written again: polling a condition, catching an RpcError, and a
// feed listener that keeps what it hears.
import { expect } from "vitest";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { RpcError } from "../../services/common/errors.js";
import { IbkrMarket, type IbkrMarketOptions } from "../../services/coordinator/market/ibkr/ibkr-market.js";
import type { FeedListener } from "../../services/coordinator/market/market-data-provider.js";
import { FakeTws, type FakeTwsOptions } from "../fixtures/fake-tws/index.js";

export interface IbkrProviderDefaults {
  readonly fake?: FakeTwsOptions;
  /** Everything but where TWS listens, which comes from the fake. */
  readonly market: Omit<IbkrMarketOptions, "host" | "port">;
}

export interface IbkrProviderOnFake {
  /** A fake TWS with the defaults under `options`, closed by close(). */
  readonly startFake: (options?: FakeTwsOptions) => Promise<FakeTws>;
  /** A provider on `fake` with the defaults under `options`, connected (asserted) and closed by close(). */
  readonly startMarket: (fake: FakeTws, options?: Partial<IbkrMarketOptions>) => Promise<IbkrMarket>;
  /** Both of the above. */
  readonly start: (fakeOptions?: FakeTwsOptions, marketOptions?: Partial<IbkrMarketOptions>) => Promise<{ fake: FakeTws; market: IbkrMarket }>;
  /** Closes every provider started, then every fake; for afterEach. */
  readonly close: () => Promise<void>;
}

export function ibkrProviderOnFake(defaults: IbkrProviderDefaults): IbkrProviderOnFake {
  const fakes: FakeTws[] = [];
  const markets: IbkrMarket[] = [];
  const harness: IbkrProviderOnFake = {
    startFake: async (options = {}) => {
      const fake = await FakeTws.start({ ...defaults.fake, ...options });
      fakes.push(fake);
      return fake;
    },
    startMarket: async (fake, options = {}) => {
      const market = new IbkrMarket({ host: "127.0.0.1", port: fake.port, ...defaults.market, ...options });
      markets.push(market);
      expect(await market.whenConnected(5000)).toBe(true);
      return market;
    },
    start: async (fakeOptions, marketOptions) => {
      const fake = await harness.startFake(fakeOptions);
      return { fake, market: await harness.startMarket(fake, marketOptions) };
    },
    close: async () => {
      await Promise.all(markets.splice(0).map((market) => market.close()));
      await Promise.all(fakes.splice(0).map((fake) => fake.close()));
    },
  };
  return harness;
}

/** Polls `condition` every 10 ms; fails, naming `what`, if it is still false after `timeoutMs` (which only bounds a failure). */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The RpcError `promise` rejects with; fails if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RpcError);
    return error as RpcError;
  }
  throw new Error("expected a rejection");
}

/** A listener that keeps every chain and error it hears. */
export function recorder(): FeedListener & { chains: OptionChain[]; errors: unknown[] } {
  const chains: OptionChain[] = [];
  const errors: unknown[] = [];
  return { chains, errors, onChain: (chain) => chains.push(chain), onError: (error) => errors.push(error) };
}

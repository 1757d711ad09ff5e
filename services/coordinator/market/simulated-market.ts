// The default market data source: a deterministic synthetic market. Each symbol's spot walks
// its own seeded GBM path, and its chain is the shared synthetic model repriced at the path's
// spot and instant, so the simulated and the scanner's test chains are one model.
//
// The paths keep the market's clock (`now`): a feed advances its symbol one step per timer
// tick, and fetchChain first brings the symbol up to the clock in whole steps, so a chain's
// as-of follows the clock whether anyone watches the symbol or not. Given the same seed and
// the same clock readings, the same calls give the same chains.
import type { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { notFound, unavailable, type RpcError } from "../../common/errors.js";
import { ContractRandom } from "../../market-model/contract-random.js";
import { SYMBOL_PROFILES, profileFor, type SymbolProfile } from "../../market-model/symbol-profiles.js";
import { SIMULATED_SOURCE, listSyntheticContracts, priceSyntheticChain, type ListedContract } from "../../market-model/synthetic-chain.js";
import { addDays, expiryInstant, newYorkDate, newYorkInstant } from "../../engine/new-york-time.js";
import type { ChainFeed, ChainRequest, FeedListener, MarketDataProvider } from "./market-data-provider.js";
import { PricePath } from "./price-path.js";
import { SimulatedIvHistory } from "./iv-history/simulated-iv-history.js";

/** The paths' drift: each profile's r − q (risk-neutral, the default) or none at all. */
export type SimulatedDrift = "risk-neutral" | "zero";

export interface SimulatedMarketOptions {
  /** Any safe integer: the same seed, clock readings and ticks give the same chains. */
  readonly seed: number;
  /** One step of every path in simulated time, and the period of live feeds, milliseconds. */
  readonly tickIntervalMs: number;
  /** The market's clock; every path starts at its reading when the market is made. Defaults to the system clock. */
  readonly now?: () => Date;
  /** Defaults to "risk-neutral". */
  readonly drift?: SimulatedDrift;
}

/** What a caller should wait before retrying while the market is down (google.rpc.RetryInfo). */
const RETRY_DELAY_MS = 1000;
/** A timer's longest delay: anything longer fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Listing {
  /** Epoch milliseconds at which the listing goes stale: New York midnight or its first expiry, whichever comes first. */
  readonly validUntil: number;
  readonly contracts: readonly ListedContract[];
}

interface SymbolState {
  readonly symbol: string;
  readonly profile: SymbolProfile;
  readonly path: PricePath;
  listing?: Listing;
  /** The chain priced at `path.time`, shared by every reader until the path moves. */
  priced?: { readonly time: number; readonly chain: OptionChain };
}

/** One open feed; its own object, so a listener opened twice is two feeds. */
interface Subscription {
  readonly listener: FeedListener;
}

interface Ticker {
  timer: NodeJS.Timeout;
  readonly subscriptions: Set<Subscription>;
}

export class SimulatedMarket implements MarketDataProvider {
  readonly name = SIMULATED_SOURCE;
  /** The model's seeded daily IV history of each symbol, with this market's seed. */
  readonly ivHistory: SimulatedIvHistory;
  private readonly seed: number;
  private readonly tickIntervalMs: number;
  private readonly now: () => Date;
  private readonly drift: SimulatedDrift;
  private readonly origin: number;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly tickers = new Map<string, Ticker>();
  private available = true;
  private closed = false;

  constructor({ seed, tickIntervalMs, now = () => new Date(), drift = "risk-neutral" }: SimulatedMarketOptions) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    if (!(tickIntervalMs >= 1 && tickIntervalMs <= MAX_TIMER_MS)) {
      throw new RangeError(`tickIntervalMs must be between 1 and ${MAX_TIMER_MS}, got ${tickIntervalMs}`);
    }
    this.seed = seed;
    this.ivHistory = new SimulatedIvHistory(seed);
    this.tickIntervalMs = tickIntervalMs;
    this.now = now;
    this.drift = drift;
    this.origin = this.clock();
  }

  /** The symbol's chain, after bringing its path up to the clock. */
  fetchChain(request: ChainRequest): Promise<OptionChain> {
    // The executor's throws become the rejection; pricing is synchronous, so there is
    // nothing to abort once it has started.
    return new Promise((resolve) => {
      request.signal?.throwIfAborted();
      resolve(this.caughtUp(request.symbol));
    });
  }

  /**
   * Advances the symbol one step (more when its path has fallen behind the clock) and returns
   * the new chain: what a feed does on each timer tick, callable directly to drive the market
   * in tests. Throws NOT_FOUND for an unknown symbol and UNAVAILABLE while the market is down.
   */
  tick(symbol: string): OptionChain {
    this.assertServing();
    const state = this.stateOf(symbol);
    state.path.advance(Math.max(1, state.path.stepsUntil(this.clock())));
    return this.chainOf(state);
  }

  /**
   * The symbol's chain with its path brought up to the clock: a fetch, and a feed's tick.
   * Unlike tick(), no step when the path is already there, so that it never runs ahead.
   */
  private caughtUp(symbol: string): OptionChain {
    this.assertServing();
    const state = this.stateOf(symbol);
    const steps = state.path.stepsUntil(this.clock());
    if (steps > 0) state.path.advance(steps);
    return this.chainOf(state);
  }

  /**
   * Calls `listener.onChain` on every tick of the symbol, `onError` instead while the market is
   * down. Feeds of one symbol share its ticker, so they see the same chains. Throws NOT_FOUND
   * for an unknown symbol; aborting `request.signal` closes the feed.
   */
  openFeed(request: ChainRequest, listener: FeedListener): ChainFeed {
    request.signal?.throwIfAborted();
    if (this.closed) throw closedError();
    const { symbol } = this.stateOf(request.symbol);
    let ticker = this.tickers.get(symbol);
    if (!ticker) {
      ticker = { timer: this.nextTickTimer(symbol), subscriptions: new Set() };
      this.tickers.set(symbol, ticker);
    }
    const subscription: Subscription = { listener };
    ticker.subscriptions.add(subscription);
    const owner = ticker;
    const signal = request.signal;
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      signal?.removeEventListener("abort", close);
      owner.subscriptions.delete(subscription);
      if (owner.subscriptions.size === 0 && this.tickers.get(symbol) === owner) {
        clearTimeout(owner.timer);
        this.tickers.delete(symbol);
      }
    };
    signal?.addEventListener("abort", close, { once: true });
    return { close };
  }

  /** Fault injection: while false, fetches fail UNAVAILABLE and feeds report it instead of ticking. */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  isAvailable(): boolean {
    return this.available && !this.closed;
  }

  /** Stops every ticker; the market serves nothing afterwards. */
  close(): Promise<void> {
    this.closed = true;
    for (const ticker of this.tickers.values()) clearTimeout(ticker.timer);
    this.tickers.clear();
    return Promise.resolve();
  }

  /**
   * A timer for the symbol's next step on the market's grid (origin + k × tick). Each tick
   * aims at the grid again rather than repeating an interval, which would drift by every
   * late firing: a feed's chains keep one cadence, and their as-of stays as far behind the
   * moment they are sent as it was at the start.
   */
  private nextTickTimer(symbol: string): NodeJS.Timeout {
    const step = this.tickIntervalMs;
    return this.tickTimerAt(symbol, this.origin + (Math.floor((this.clock() - this.origin) / step) + 1) * step);
  }

  private tickTimerAt(symbol: string, dueAt: number): NodeJS.Timeout {
    const timer = setTimeout(
      () => {
        const ticker = this.tickers.get(symbol);
        if (ticker?.timer !== timer) return;
        // Timers run on the monotonic clock and the market on the wall clock: one may fire a
        // moment before its step is due, and would then find no step to take.
        if (this.clock() < dueAt) {
          ticker.timer = this.tickTimerAt(symbol, dueAt);
          return;
        }
        ticker.timer = this.nextTickTimer(symbol);
        this.onTimer(symbol);
      },
      Math.max(0, dueAt - this.clock()),
    );
    // A simulated feed is no reason for the process to stay up.
    timer.unref();
    return timer;
  }

  private onTimer(symbol: string): void {
    const ticker = this.tickers.get(symbol);
    if (!ticker) return;
    // A snapshot, since a listener may open or close feeds from its callback; one closed
    // meanwhile hears nothing more.
    const subscriptions = [...ticker.subscriptions];
    let chain: OptionChain;
    try {
      chain = this.caughtUp(symbol);
    } catch (error) {
      for (const subscription of subscriptions) {
        if (ticker.subscriptions.has(subscription)) reportError(subscription.listener, error);
      }
      return;
    }
    for (const subscription of subscriptions) {
      if (!ticker.subscriptions.has(subscription)) continue;
      try {
        subscription.listener.onChain(chain);
      } catch (error) {
        reportError(subscription.listener, error);
      }
    }
  }

  private assertServing(): void {
    if (this.closed) throw closedError();
    if (!this.available) throw unavailable("the simulated market is down (made unavailable by setAvailable(false))", RETRY_DELAY_MS);
  }

  private stateOf(requested: string): SymbolState {
    const symbol = requested.toUpperCase();
    const known = this.symbols.get(symbol);
    if (known) return known;
    const profile = profileFor(symbol);
    if (!profile) {
      throw notFound(`the simulated market has no symbol ${JSON.stringify(requested)}; it knows ${Object.keys(SYMBOL_PROFILES).join(", ")}`);
    }
    // Each symbol draws from its own stream, so its path does not depend on which other
    // symbols were asked for, or in what order.
    const path = new PricePath({
      spot: profile.spot,
      time: this.origin,
      volatility: profile.atmVolatility,
      drift: this.drift === "risk-neutral" ? profile.rate - profile.dividendYield : 0,
      stepMs: this.tickIntervalMs,
      random: new ContractRandom(this.seed, `${symbol}|underlying`),
    });
    const state: SymbolState = { symbol, profile, path };
    this.symbols.set(symbol, state);
    return state;
  }

  private chainOf(state: SymbolState): OptionChain {
    const time = state.path.time;
    if (state.priced?.time === time) return state.priced.chain;
    const asOf = new Date(time);
    // The path keeps full precision, so its statistics stay exact; the quoted spot trades in cents.
    const spot = Math.max(0.01, Math.round(state.path.spot * 100) / 100);
    const chain = priceSyntheticChain({
      symbol: state.symbol,
      profile: state.profile,
      spot,
      asOf,
      seed: this.seed,
      contracts: this.listingOf(state, spot, asOf),
    });
    state.priced = { time, chain };
    return chain;
  }

  /** Listing is the slow half of a chain and only changes with the calendar, so it is done once per New York day. */
  private listingOf(state: SymbolState, spot: number, asOf: Date): readonly ListedContract[] {
    if (state.listing && asOf.getTime() < state.listing.validUntil) return state.listing.contracts;
    const contracts = listSyntheticContracts({ profile: state.profile, spot, asOf });
    const nextMidnight = newYorkInstant(addDays(newYorkDate(asOf), 1), 0).getTime();
    const firstExpiry = contracts[0] ? expiryInstant(contracts[0].expiryDate).getTime() : nextMidnight;
    state.listing = { validUntil: Math.min(nextMidnight, firstExpiry), contracts };
    return contracts;
  }

  private clock(): number {
    const time = this.now().getTime();
    if (!Number.isFinite(time)) throw new RangeError("the market's clock gave an invalid date");
    return time;
  }
}

function closedError(): RpcError {
  return unavailable("the simulated market is closed");
}

/** A listener that throws from onError has nobody left to tell; the timer must survive it. */
function reportError(listener: FeedListener, error: unknown): void {
  try {
    listener.onError(error);
  } catch {
    // Deliberately dropped: see above.
  }
}

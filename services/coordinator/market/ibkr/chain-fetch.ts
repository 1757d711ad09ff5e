// One chain from TWS, in the order IBKR makes us: the underlying's conId, its option
// parameters and price, then an at-the-money call and put of every expiration in the DTE
// range (their implied volatility sizes the strike windows), then quotes of the contracts the
// filters can reach (short streaming requests, with open interest unless today's is known).
// A live feed runs the same plan and streams what it selects instead.
import { setMaxListeners } from "node:events";
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { unavailable, type RpcError } from "../../../common/errors.js";
import type { Logger } from "../../../common/logger.js";
import { daysToExpiry, yearsToExpiry } from "../../../engine/new-york-time.js";
import { assembleChain, DEFAULT_MULTIPLIER, impliedDividendYield, type ContractTicks } from "./chain-assembly.js";
import {
  compareContracts,
  contractKey,
  nearestStrike,
  selectContracts,
  selectExpirations,
  type ChainSelection,
  type ExpiryListing,
  type SelectedContract,
} from "./chain-selection.js";
import { effectiveDteRange } from "../../../engine/query-defaults.js";
import { chainDteRanges, insideDteRange } from "./two-expiry-selection.js";
import { ContractLookup, type Underlying } from "./contract-lookup.js";
import { optionContract, type OptionClass } from "./ib-contracts.js";
import { classesByExpiry } from "./option-classes.js";
import type { OpenInterestCache } from "./open-interest-cache.js";
import { competingSession, RETRY_DELAY_MS, subscriptionMissing, symbolNotFound } from "./ib-errors.js";
import { Priority } from "./message-pacer.js";
import type { QuoteOutcome, QuoteRequests } from "./quote-requests.js";

export interface ChainFetchOptions {
  readonly lookup: ContractLookup;
  readonly quotes: QuoteRequests;
  /** Today's open interest per contract: a contract in it is quoted without generic tick 101. */
  readonly openInterest: OpenInterestCache;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Risk-free rate for the chain (TWS gives none), continuously compounded fraction. */
  readonly rate: number;
  /** Volatility assumed for an expiration whose at-the-money options gave none. */
  readonly defaultVolatility: number;
  readonly maxContracts: number;
  readonly tailDeviations?: number | undefined;
  /** The UNAVAILABLE a fetch fails with when the socket drops under it. */
  readonly notConnected: () => RpcError;
  /** Error 10197 on a request: the provider stops serving for a while. */
  readonly onCompetingSession: (message: string) => void;
}

/** Everything known about a symbol's chain before its contracts are chosen. */
export interface ChainPlan {
  readonly symbol: string;
  readonly underlying: Underlying;
  readonly spot: number;
  readonly spotDelayed: boolean;
  readonly asOf: Date;
  readonly rate: number;
  readonly dividendYield: number;
  readonly multiplier: number;
  /** The expirations inside the DTE range, and the back expirations of calendars and diagonals (backOnly), with their strikes. */
  readonly listings: readonly ExpiryListing[];
  /** Which trading class (and exchange, multiplier) lists each expiration. */
  readonly classOf: ReadonlyMap<string, OptionClass>;
  readonly volatility: ReadonlyMap<string, number>;
  /** The at-the-money quotes already taken, by contractKey. */
  readonly probes: ReadonlyMap<string, ContractTicks>;
  readonly probeCounts: FetchCounts;
}

/** What happened to the contracts of one fetch: skips are counted, not fatal. */
export interface FetchCounts {
  requested: number;
  quoted: number;
  noDefinition: number;
  timedOut: number;
  failed: number;
  /** Answered, but with no price and no computation. */
  empty: number;
  /** Inside the windows, left out to respect maxContracts. */
  trimmed: number;
  /** Quoted with what the wait had (see QuoteRequests): kept, not thrown away. */
  partial: number;
  /** Quotes whose request asked for open interest (generic tick 101). */
  openInterestAsked: number;
  /** ...and got it. */
  openInterestReceived: number;
  /** Quotes whose open interest was already known today. */
  openInterestCached: number;
  /** Quotes whose open interest could not be had: marked unknown, never 0. */
  openInterestUnknown: number;
}

export interface FetchResult {
  readonly chain: OptionChain;
  readonly counts: FetchCounts;
}

const RIGHTS = ["C", "P"] as const;

function zeroCounts(): FetchCounts {
  return {
    requested: 0,
    quoted: 0,
    noDefinition: 0,
    timedOut: 0,
    failed: 0,
    empty: 0,
    trimmed: 0,
    partial: 0,
    openInterestAsked: 0,
    openInterestReceived: 0,
    openInterestCached: 0,
    openInterestUnknown: 0,
  };
}

export class ChainFetcher {
  private readonly options: ChainFetchOptions;

  constructor(options: ChainFetchOptions) {
    this.options = options;
  }

  /** The symbol's chain: quotes of every contract the query can use that TWS answered for. */
  async fetch(symbol: string, query: ScanQuery | undefined, signal?: AbortSignal): Promise<FetchResult> {
    // Siblings stop as soon as one request fails the whole fetch.
    const stop = new AbortController();
    const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    // Every request waiting for a line or the pacer listens to it: hundreds, by design.
    setMaxListeners(0, combined);
    try {
      const plan = await this.plan(symbol, query, combined);
      const selection = this.select(plan, query, this.options.maxContracts);
      const counts = { ...plan.probeCounts, trimmed: selection.trimmed };
      const results = new Map<string, ContractTicks>(plan.probes);
      const wanted = selection.contracts.filter((contract) => !plan.probes.has(contractKey(contract)));
      await Promise.all(
        wanted.map(async (contract) => {
          const entry = await this.quoteOption(plan, contract, counts, combined);
          if (entry) results.set(contractKey(contract), entry);
        }),
      );
      // Probes the selection left out (a delta filter can exclude the money) are still real quotes.
      const chain = assembleChain({
        symbol: plan.symbol,
        spot: plan.spot,
        asOf: this.options.now(),
        rate: plan.rate,
        dividendYield: plan.dividendYield,
        multiplier: plan.multiplier,
        // Delayed as its requests were answered (each quote's own flag counts too), not as the session once was.
        delayed: plan.spotDelayed,
        quotes: [...results.values()].sort((a, b) => compareContracts(a.contract, b.contract)),
      });
      counts.quoted = chain.quotes.length;
      return { chain, counts };
    } finally {
      // Anything still queued (a sibling of a failure) leaves the queues now.
      if (!stop.signal.aborted) stop.abort(new Error("fetch finished"));
    }
  }

  /** Underlying, option parameters, price and ATM volatility: what choosing contracts needs. */
  async plan(symbol: string, query: ScanQuery | undefined, signal: AbortSignal): Promise<ChainPlan> {
    const { lookup, now } = this.options;
    const underlying = await lookup.underlying(symbol, signal);
    const [groups, spotOutcome] = await Promise.all([
      lookup.optionParameters(underlying, signal),
      this.options.quotes.quote(ContractLookup.stock(underlying), { needs: { kind: "stock" }, priority: Priority.LOOKUP, signal }),
    ]);
    const spotTicks = this.spotTicks(symbol, spotOutcome);
    const spot = spotTicks.spot;
    if (spot === undefined) throw unavailable(`TWS gave no price (bid/ask, last or close) for ${symbol}`, RETRY_DELAY_MS);
    const asOf = now();

    // Standard classes on SMART only (contract-lookup); each expiration from the first listing it.
    const { classOf, strikesOf } = classesByExpiry(symbol, groups);
    // The query's fronts, and the backs its calendars and diagonals can buy (none for other queries).
    const frontRange = effectiveDteRange(query?.filters);
    const expirations = selectExpirations(classOf.keys(), asOf, chainDteRanges(query));
    const listings = expirations.map((expiryDate) => ({
      expiryDate,
      strikes: strikesOf.get(expiryDate) ?? [],
      backOnly: !insideDteRange(daysToExpiry(asOf, expiryDate), frontRange),
    }));

    // The straddle nearest the money of each front: its implied volatility sizes the windows.
    // A back-only expiration takes its strikes from the fronts' windows, so it needs no probe.
    const probeCounts = zeroCounts();
    const probes = new Map<string, ContractTicks>();
    const probePlan = { symbol, classOf };
    const atm = listings.flatMap(({ expiryDate, strikes, backOnly }) => {
      if (backOnly) return [];
      const strike = nearestStrike(strikes, spot);
      return strike === undefined ? [] : RIGHTS.map((right): SelectedContract => ({ expiryDate, strike, right }));
    });
    await Promise.all(
      atm.map(async (contract) => {
        const entry = await this.quoteOption(probePlan, contract, probeCounts, signal);
        if (entry) probes.set(contractKey(contract), entry);
      }),
    );

    const found = new Map<string, number[]>();
    for (const entry of probes.values()) {
      const iv = entry.ticks.computation((c) => (c.impliedVolatility !== undefined && c.impliedVolatility > 0 ? c.impliedVolatility : undefined));
      if (iv === undefined) continue;
      const list = found.get(entry.contract.expiryDate) ?? [];
      list.push(iv);
      found.set(entry.contract.expiryDate, list);
    }
    const volatility = new Map<string, number>();
    for (const { expiryDate, backOnly } of listings) {
      const ivs = found.get(expiryDate);
      if (!ivs && !backOnly)
        this.options.logger.debug({ symbol, expiryDate }, "ibkr: no implied volatility at the money; sizing the strike window with the default");
      volatility.set(expiryDate, ivs ? ivs.reduce((sum, value) => sum + value, 0) / ivs.length : this.options.defaultVolatility);
    }
    let dividendYield: number | undefined;
    // The farthest expiration's model has seen the most dividends: the steadiest yield estimate.
    for (const entry of [...probes.values()].sort((a, b) => compareContracts(b.contract, a.contract))) {
      dividendYield = impliedDividendYield(
        spot,
        entry.ticks.computation((c) => c.pvDividend),
        yearsToExpiry(asOf, entry.contract.expiryDate),
      );
      if (dividendYield !== undefined) break;
    }
    const firstClass = listings[0] ? classOf.get(listings[0].expiryDate) : undefined;
    return {
      symbol,
      underlying,
      spot,
      spotDelayed: spotTicks.delayed,
      asOf,
      rate: this.options.rate,
      dividendYield: dividendYield ?? 0,
      multiplier: firstClass?.multiplier ?? DEFAULT_MULTIPLIER,
      listings,
      classOf,
      volatility,
      probes,
      probeCounts,
    };
  }

  /** The contracts the query can use, at most `maxContracts` (nearest the money kept). */
  select(plan: ChainPlan, query: ScanQuery | undefined, maxContracts: number): ChainSelection {
    return selectContracts({
      asOf: plan.asOf,
      spot: plan.spot,
      listings: plan.listings,
      volatilityOf: (expiry) => plan.volatility.get(expiry) ?? this.options.defaultVolatility,
      rate: plan.rate,
      dividendYield: plan.dividendYield,
      filters: query?.filters,
      strategies: query?.strategies,
      probabilityModel: query?.probabilityModel,
      maxContracts,
      tailDeviations: this.options.tailDeviations,
    });
  }

  /** Every contract a fetch of `query` would quote: what a live feed keeps current, streamed or re-quoted in turns. */
  reach(plan: ChainPlan, query: ScanQuery | undefined): readonly SelectedContract[] {
    return this.select(plan, query, this.options.maxContracts).contracts;
  }

  /**
   * One more quote of a contract a live feed does not stream, as a fetch takes it (a short
   * streaming request, open interest from today's cache), at `priority`. `unknown` when TWS
   * has no such contract (error 200): not worth asking again. Throws what would fail a fetch.
   */
  async requote(
    plan: ChainPlan,
    contract: SelectedContract,
    priority: number,
    signal: AbortSignal,
  ): Promise<{ readonly entry: ContractTicks | undefined; readonly unknown: boolean }> {
    const counts = zeroCounts();
    const entry = await this.quoteOption(plan, contract, counts, signal, priority);
    return { entry, unknown: counts.noDefinition > 0 };
  }

  /** One option's quote, counted; throws for the outcomes that fail the whole fetch. */
  private async quoteOption(
    plan: { readonly symbol: string; readonly classOf: ReadonlyMap<string, OptionClass> },
    contract: SelectedContract,
    counts: FetchCounts,
    signal: AbortSignal,
    priority: number = Priority.QUOTE,
  ): Promise<ContractTicks | undefined> {
    const optionClass = plan.classOf.get(contract.expiryDate);
    if (!optionClass) return this.record(plan.symbol, contract, { kind: "no-definition", message: "no trading class lists this expiration" }, counts);
    const interestKey = `${plan.symbol}|${optionClass.tradingClass}|${contractKey(contract)}`;
    const knownInterest = this.options.openInterest.get(interestKey);
    const outcome = await this.options.quotes.quote(optionContract(plan.symbol, contract, optionClass), {
      needs: { kind: "option", right: contract.right, openInterest: knownInterest === undefined },
      priority,
      signal,
    });
    const entry = this.record(plan.symbol, contract, outcome, counts);
    if (!entry) return undefined;
    if (knownInterest !== undefined) {
      counts.openInterestCached++;
      return { ...entry, openInterest: knownInterest };
    }
    counts.openInterestAsked++;
    const received = entry.ticks.openInterest(contract.right);
    if (received === undefined) {
      counts.openInterestUnknown++;
      return entry;
    }
    counts.openInterestReceived++;
    this.options.openInterest.set(interestKey, received);
    return { ...entry, openInterest: received };
  }

  /** Counts one option's outcome; throws for the outcomes that fail the whole fetch. */
  private record(symbol: string, contract: SelectedContract, outcome: QuoteOutcome, counts: FetchCounts): ContractTicks | undefined {
    counts.requested++;
    switch (outcome.kind) {
      case "done":
        if (outcome.ticks.empty) {
          counts.empty++;
          return undefined;
        }
        if (!outcome.complete) counts.partial++;
        return { contract, ticks: outcome.ticks, quoteTime: outcome.at };
      case "no-definition":
        counts.noDefinition++;
        return undefined;
      case "timeout":
        counts.timedOut++;
        return undefined;
      case "failed":
        counts.failed++;
        return undefined;
      case "not-subscribed":
        throw subscriptionMissing(symbol, "option", `error ${outcome.code}: ${outcome.message}`);
      case "competing-session":
        this.options.onCompetingSession(outcome.message);
        throw competingSession(outcome.message);
      case "disconnected":
        throw this.options.notConnected();
    }
  }

  /** The underlying's quote, or the error that ends the fetch. */
  private spotTicks(symbol: string, outcome: QuoteOutcome): { readonly spot: number | undefined; readonly delayed: boolean } {
    switch (outcome.kind) {
      case "done":
        return { spot: outcome.ticks.spot, delayed: outcome.ticks.delayed };
      case "no-definition":
        throw symbolNotFound(symbol, outcome.message);
      case "timeout":
        throw unavailable(`TWS sent no price for ${symbol} within the quote wait (IB_QUOTE_WAIT)`, RETRY_DELAY_MS);
      case "failed":
        throw unavailable(`TWS refused market data for ${symbol} (error ${outcome.code}): ${outcome.message}`, RETRY_DELAY_MS);
      case "not-subscribed":
        throw subscriptionMissing(symbol, "stock", `error ${outcome.code}: ${outcome.message}`);
      case "competing-session":
        this.options.onCompetingSession(outcome.message);
        throw competingSession(outcome.message);
      case "disconnected":
        throw this.options.notConnected();
    }
  }
}

// Each symbol's IV history, fetched once per New York day: from memory, else from the
// database (a history this or another coordinator fetched earlier that day), else from the
// provider's source, then kept in both. Everyone asking for a symbol's day while its fetch is
// under way shares that fetch, and no asker's abort cancels it for the others.
//
// A history the source does not have (undefined) is remembered for the day like any other
// answer; a failed fetch (the source down or refusing) is remembered as unknown for
// retryDelayMs only, then tried again.
import type { ImpliedVolatilityHistory } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { Logger } from "../../../common/logger.js";
import { cleanHistory, type IvHistorySource } from "./iv-history-source.js";
import type { IvHistoryStore } from "./iv-history-store.js";

export interface IvHistoryCacheOptions {
  readonly source: IvHistorySource;
  /** Absent: memory only (tests, tools). */
  readonly store?: IvHistoryStore | undefined;
  readonly logger: Logger;
  /** How long a failed fetch is answered "unknown" before it is tried again, ms; default 60 s. */
  readonly retryDelayMs?: number;
  /** Monotonic ms, for the retry delay; performance.now by default. */
  readonly now?: () => number;
}

interface DayEntry {
  /** The New York date the history is for (its days are before it). */
  readonly day: string;
  history: Promise<ImpliedVolatilityHistory | undefined>;
  /** Set once the fetch settled: the history, or undefined when unknown. */
  settled?: { readonly value: ImpliedVolatilityHistory | undefined };
  /** A failed fetch's entry is dropped after this (monotonic ms); undefined: kept for the day. */
  retryAt?: number;
}

const DEFAULT_RETRY_DELAY_MS = 60_000;

export class IvHistoryCache {
  private readonly entries = new Map<string, DayEntry>();
  private readonly now: () => number;

  constructor(private readonly options: IvHistoryCacheOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * The history of `symbol` before the New York date `day`; undefined when unknown. Never
   * rejects (unknown is no failure), except with `signal`'s reason when it aborts: then only
   * this asker stops waiting.
   */
  history(symbol: string, day: string, signal?: AbortSignal): Promise<ImpliedVolatilityHistory | undefined> {
    const entry = this.entryFor(symbol.toUpperCase(), day);
    if (!signal) return entry.history;
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      void entry.history.then((value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      });
    });
  }

  /** The history if it is already known without waiting (settled for that day); `pending` while a fetch is under way or not started. */
  peek(symbol: string, day: string): ImpliedVolatilityHistory | undefined | "pending" {
    const entry = this.entries.get(symbol.toUpperCase());
    if (entry?.day !== day || !entry.settled || this.expired(entry)) return "pending";
    return entry.settled.value;
  }

  private entryFor(symbol: string, day: string): DayEntry {
    const known = this.entries.get(symbol);
    // Only one day per symbol is kept: the day before is of no more use once a chain of a
    // later day has asked (and a chain of an earlier day is not asked for after that).
    if (known?.day === day && !this.expired(known)) return known;
    const entry: DayEntry = { day, history: Promise.resolve(undefined) };
    entry.history = this.load(symbol, day).then(
      (value) => {
        entry.settled = { value };
        return value;
      },
      (error: unknown) => {
        this.options.logger.warn(
          { err: error, symbol, day, source: this.options.source.name },
          "could not fetch the IV history; IV rank is unknown until it is tried again",
        );
        entry.retryAt = this.now() + (this.options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS);
        entry.settled = { value: undefined };
        return undefined;
      },
    );
    this.entries.set(symbol, entry);
    return entry;
  }

  private expired(entry: DayEntry): boolean {
    return entry.retryAt !== undefined && this.now() >= entry.retryAt;
  }

  private async load(symbol: string, day: string): Promise<ImpliedVolatilityHistory | undefined> {
    const { source, store, logger } = this.options;
    const stored = await store?.load(symbol, source.name, day).catch((error: unknown) => {
      // The database away is no reason to leave the history unknown: the source can still answer.
      logger.warn({ err: error, symbol }, "could not read the stored IV history; fetching it");
      return undefined;
    });
    if (stored) {
      logger.info({ symbol, day, source: source.name, days: stored.length }, "IV history read from the database");
      return { days: stored, source: source.name };
    }
    const fetched = await source.fetchHistory(symbol, day);
    if (!fetched) {
      logger.info({ symbol, day, source: source.name }, "the market data provider has no IV history for the symbol; IV rank is unknown");
      return undefined;
    }
    const days = cleanHistory(fetched, day);
    if (days.length === 0) return undefined;
    await store?.save(symbol, source.name, day, days).catch((error: unknown) => {
      logger.warn({ err: error, symbol }, "could not store the IV history; a restarted coordinator fetches it again");
    });
    logger.info({ symbol, day, source: source.name, days: days.length }, "IV history fetched from the market data provider");
    return { days, source: source.name };
  }
}

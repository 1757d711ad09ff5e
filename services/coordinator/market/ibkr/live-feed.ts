// A live chain of one symbol for its watchers: streaming market data (one line per contract,
// plus one for the underlying) for the contracts its queries can reach, as many as the line cap
// spares while leaving room for quote requests, coalesced into at most one chain per interval.
// Watchers of one symbol with different queries share the feed: each query is planned when it
// comes (its expirations, strikes and at-the-money σ), the feed streams the union of their
// selections (feed-contracts.ts says how the lines are shared when they do not suffice), and
// the lines only a departing query needed are cancelled. What the queries reach beyond the
// lines (the line cap, or a line cancelled when the query that took it left) is quoted again
// in turns (feed-requotes.ts), so that no quote in its chains is older than a stated bound.
// It outlives the socket: when the session drops, or TWS loses its data (1101), every line is
// requested again and the chains carry on without the watchers noticing more than a gap. Lines
// TWS stops for a competing session (10197) are cancelled and brought back by StreamRecovery.
// Every error reaches the listeners as it happens, and every chain says per request whether
// its data is delayed or frozen: the coordinator tells watchers from both.
import { setMaxListeners } from "node:events";
import type { Contract } from "@stoqey/ib";
import type { ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { resourceExhausted, type RpcError } from "../../../common/errors.js";
import type { Logger } from "../../../common/logger.js";
import type { FeedListener, FeedReach } from "../market-data-provider.js";
import { OptionRight } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { cancelMarketData } from "./cancel-market-data.js";
import type { ContractTicks } from "./chain-assembly.js";
import type { ChainFetcher, ChainPlan } from "./chain-fetch.js";
import { contractKey, type SelectedContract } from "./chain-selection.js";
import { ContractLookup } from "./contract-lookup.js";
import { feedChain, feedContracts, unionContracts } from "./feed-contracts.js";
import { FeedRequotes } from "./feed-requotes.js";
import { FeedQueries } from "./feed-queries.js";
import type { IbConnection, RequestHandler } from "./ib-connection.js";
import { optionContract } from "./ib-contracts.js";
import { competingSession, mayPrecedeDelayedData, requestErrorAction, subscriptionMissing } from "./ib-errors.js";
import type { LineCap, LineLease } from "./line-cap.js";
import type { MarketDataFarms } from "./market-data-farms.js";
import { Priority, type MessagePacer } from "./message-pacer.js";
import { FeedListeners } from "./feed-listeners.js";
import { QuoteTicks } from "./quote-ticks.js";
import { retryUntilStopped } from "./retry-until-stopped.js";
import { StreamRecovery } from "./stream-recovery.js";
import { UpdateCoalescer } from "./update-coalescer.js";

export interface LiveFeedOptions {
  readonly symbol: string;
  /** At most one chain per this many milliseconds. */
  readonly intervalMs: number;
  readonly fetcher: ChainFetcher;
  readonly connection: IbConnection;
  readonly pacer: MessagePacer;
  readonly lines: LineCap;
  /** How many lines this feed may hold: the cap less the quote requests' share and other feeds' lines. */
  readonly lineAllowance: () => number;
  /** The most contracts one feed streams, lines permitting. */
  readonly maxContracts: number;
  readonly logger: Logger;
  readonly now: () => Date;
  /** New lines wait for TWS's market data farms (2119 → 2104). */
  readonly farms: MarketDataFarms;
  /** Whether the session asks for delayed data (then 354/10089 may precede delayed ticks). */
  readonly delayedRequested: () => boolean;
  /** Error 354 on a stream: true once delayed data has been requested instead. */
  readonly onNotSubscribed: () => Promise<boolean>;
  readonly onCompetingSession: (message: string) => void;
  /** Data flows again on a line TWS had stopped for a competing session. */
  readonly onCompetingSessionOver?: () => void;
  /** The UNAVAILABLE a start fails with while there is no session. */
  readonly notConnected: () => RpcError;
  /** First wait before retrying a start that failed, or before probing lines TWS stopped; doubles up to 30 s. */
  readonly restartDelayMs?: number;
  /** Re-quotes of contracts without a line out at once, each holding a line of the quote requests' share while it waits. */
  readonly requoteLines: number;
  /** A contract without a line is quoted again no sooner than this after its last quote, ms; default 5 s. */
  readonly requoteMinAgeMs?: number;
}

/** One streaming request: a line under the cap, and what TWS ticked on it. */
interface Line {
  readonly key: string;
  /** Undefined for the underlying's line. */
  readonly option: SelectedContract | undefined;
  readonly contract: Contract;
  readonly lease: LineLease;
  readonly ticks: QuoteTicks;
  /** The request id of the live subscription; undefined while there is none (down, or being re-sent). */
  reqId: number | undefined;
  updatedAt: Date | undefined;
}

/** Open interest for option lines (ticks 27/28); TWS refuses generic ticks only on snapshots. */
const OPTION_GENERIC_TICKS = "101";
const MAX_RESTART_DELAY_MS = 30_000;
const DEFAULT_RESTART_DELAY_MS = 1000;
const UNDERLYING_KEY = "underlying";
const DEFAULT_REQUOTE_MIN_AGE_MS = 5000;

export class LiveFeed {
  readonly symbol: string;
  private readonly options: LiveFeedOptions;
  private readonly listeners = new FeedListeners();
  private readonly lines = new Map<string, Line>();
  private readonly coalescer: UpdateCoalescer;
  private readonly recovery: StreamRecovery<Line>;
  private readonly stop = new AbortController();
  private readonly queries = new FeedQueries(() => {
    this.changed();
  });
  /** Contracts TWS refused for good (no definition, a failed request): not requested again when the queries change. */
  private readonly refused = new Set<string>();
  /** The contracts the queries reach that have no line: quoted again in turns. */
  private readonly requotes: FeedRequotes<ChainPlan>;
  /** Every contract the queries reach, by contractKey; undefined until they are planned. */
  private reached: ReadonlySet<string> | undefined;
  /** The plan the chains take their chain-level fields from: the oldest query's. */
  private plan: ChainPlan | undefined;
  private closed = false;
  private started = false;
  /** The queries changed since the lines were last made to match them. */
  private dirty = false;
  private syncing = false;

  constructor(options: LiveFeedOptions) {
    this.options = options;
    this.symbol = options.symbol;
    this.coalescer = new UpdateCoalescer({ intervalMs: options.intervalMs, emit: () => this.emit() });
    this.recovery = new StreamRecovery<Line>({
      initialDelayMs: options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS,
      maxDelayMs: MAX_RESTART_DELAY_MS,
      // The underlying's line ticks with every trade of the stock: the quickest to show data is back.
      pickProbe: (stopped) => stopped.find((line) => line.option === undefined) ?? (stopped[0] as Line),
      request: (line) => {
        this.subscribe(line);
      },
      onRecovered: () => {
        this.options.logger.info({ symbol: this.symbol }, "ibkr: market data flows again after a competing session; live lines requested again");
        this.options.onCompetingSessionOver?.();
      },
    });
    // Every line waiting for the pacer listens to it: as many as the line cap.
    setMaxListeners(0, this.stop.signal);
    this.requotes = new FeedRequotes({
      requote: (plan, option, signal) => options.fetcher.requote(plan, option, Priority.REQUOTE, signal),
      concurrency: options.requoteLines,
      minAgeMs: options.requoteMinAgeMs ?? DEFAULT_REQUOTE_MIN_AGE_MS,
      backoffMs: options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS,
      maxBackoffMs: MAX_RESTART_DELAY_MS,
      onQuote: () => {
        this.coalescer.mark();
      },
      onUnknown: (key) => {
        this.refused.add(key);
      },
      onFailure: (error) => {
        this.options.logger.debug({ err: error, symbol: this.symbol }, "ibkr: could not quote a contract the live feed does not stream; trying again later");
      },
      clock: () => performance.now(),
    });
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Lines held, live or waiting to be requested again. */
  get heldLines(): number {
    return this.lines.size;
  }

  /** The contracts the queries reach now: what the feed's chains keep current. */
  reach(): FeedReach | undefined {
    const reached = this.reached;
    if (!reached) return undefined;
    return {
      settled: !this.dirty && !this.syncing,
      reaches: (quote) =>
        reached.has(contractKey({ expiryDate: quote.expiryDate, strike: quote.strike, right: quote.right === OptionRight.OPTION_RIGHT_CALL ? "C" : "P" })),
    };
  }

  add(listener: FeedListener): void {
    this.listeners.add(listener);
    if (!this.started) {
      this.started = true;
      this.changed();
    }
  }

  /**
   * Streams the contracts `query` can reach too, until the returned function is called: then
   * the lines no other query wants are cancelled. A query already streamed for is counted, not
   * planned again.
   */
  want(query: ScanQuery | undefined): () => void {
    return this.queries.want(query);
  }

  /** Removes a listener; true when none is left (the owner should then close the feed). */
  remove(listener: FeedListener): boolean {
    return this.listeners.remove(listener);
  }

  /** Tells every listener at once; the feed itself keeps going. */
  reportError(error: unknown): void {
    // A chain waiting for its interval holds quotes from before the error. Sent after it, it
    // would tell the listeners the data is back (only a chain does) while it is still down:
    // it goes first.
    this.coalescer.flush();
    this.listeners.error(error);
  }

  /**
   * Requests every line again: after a new session (`reconnected`: the old subscriptions died
   * with the socket) or TWS's 1101 (`data-lost`: they died at IBKR; cancelled first, so a
   * server that did keep them frees their lines).
   */
  resubscribe(kind: "reconnected" | "data-lost"): void {
    if (this.closed) return;
    this.recovery.reset();
    for (const line of this.lines.values()) {
      const old = line.reqId;
      line.reqId = undefined;
      if (old !== undefined) {
        this.options.connection.unregister(old);
        if (kind === "data-lost") this.cancel(old);
      }
      this.subscribe(line);
    }
  }

  /**
   * TWS's 1102: back with every line kept. Only a chain tells the listeners the outage is over,
   * and on a quiet market (or after the close) the next tick may be long in coming: send it now.
   */
  dataMaintained(): void {
    if (this.closed) return;
    this.coalescer.mark();
  }

  /** Cancels every subscription (paced), then gives the lines back. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort(new Error("feed closed"));
    this.coalescer.close();
    this.recovery.close();
    this.requotes.close();
    this.listeners.clear();
    for (const line of this.lines.values()) {
      const reqId = line.reqId;
      line.reqId = undefined;
      if (reqId === undefined) {
        line.lease.release();
        continue;
      }
      this.options.connection.unregister(reqId);
      this.cancel(reqId, () => {
        line.lease.release();
      });
    }
    this.lines.clear();
  }

  /** Whether close() has run; a method, so a check after an await is not narrowed away by one before it. */
  private isStopped(): boolean {
    return this.stop.signal.aborted;
  }

  /** The queries changed: the lines follow, one adjustment at a time, in the order the changes came. */
  private changed(): void {
    this.dirty = true;
    if (!this.started || this.closed || this.syncing) return;
    this.syncing = true;
    void this.follow();
  }

  /** Adjusts the lines until they match the queries, each adjustment retried with backoff until it works or the feed closes. */
  private async follow(): Promise<void> {
    try {
      while (this.dirty && !this.isStopped()) {
        this.dirty = false;
        await retryUntilStopped(() => this.syncLines(), {
          initialDelayMs: this.options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS,
          maxDelayMs: MAX_RESTART_DELAY_MS,
          signal: this.stop.signal,
          onFailure: (error) => {
            this.options.logger.warn({ err: error, symbol: this.symbol }, "ibkr: live feed could not start or take its queries' lines; retrying");
            this.reportError(error);
          },
        });
      }
    } finally {
      this.syncing = false;
    }
  }

  /**
   * Plans the queries not planned yet, then makes the lines the union of their selections:
   * lines no query wants any more are cancelled first, so that theirs go to the new contracts.
   */
  private async syncLines(): Promise<void> {
    const { fetcher, connection, lines, maxContracts } = this.options;
    const stop = this.stop.signal;
    if (!connection.isReady) {
      const ready = await connection.whenReady(MAX_RESTART_DELAY_MS, stop);
      if (!ready) throw this.options.notConnected();
    }
    // Planning sends lookups and quote requests, whose clocks must not run while TWS holds them for a farm.
    const { farms } = this.options;
    if (!farms.ready && !(await farms.whenReady(MAX_RESTART_DELAY_MS, stop)) && !stop.aborted) throw farms.notReady(MAX_RESTART_DELAY_MS);
    await this.queries.planAll((query) => fetcher.plan(this.symbol, query, stop));
    if (stop.aborted) return;
    // Queries that came while planning are planned on the next round (they marked the feed dirty).
    const planned = this.queries.planned();
    const oldest = planned[0];
    if (!oldest) return;
    // One line for the underlying, at least one for an option, within what feeds may hold.
    const allowance = this.options.lineAllowance();
    if (allowance < 2) {
      throw resourceExhausted(
        `no market data lines left for a live feed of ${this.symbol}: ${lines.limit} allowed, the rest kept for quote requests and other feeds`,
        5000,
      );
    }
    const limit = Math.min(maxContracts, allowance - 1);
    const wanted = unionContracts(
      planned.map(({ query, plan }) =>
        feedContracts(fetcher, plan, query, limit)
          .filter((option) => !this.refused.has(contractKey(option)))
          .map((option) => ({ option, plan })),
      ),
      limit,
    );
    this.plan = oldest.plan;
    const keep = new Set(wanted.map(({ option }) => contractKey(option)));
    // Everything a fetch of each query would quote: what has no line is quoted again in turns.
    const reached = unionContracts(
      planned.map(({ query, plan }) =>
        fetcher
          .reach(plan, query)
          .filter((option) => !this.refused.has(contractKey(option)))
          .map((option) => ({ option, plan })),
      ),
      Number.POSITIVE_INFINITY,
    );
    this.reached = new Set([...reached.map(({ option }) => contractKey(option)), ...keep]);
    // A cancelled line's last ticks are its quote, with their own time, until its turn comes.
    const seeds = new Map<string, ContractTicks>();
    for (const line of [...this.lines.values()]) {
      if (!line.option || keep.has(line.key)) continue;
      if (!line.ticks.empty && line.updatedAt) seeds.set(line.key, { contract: line.option, ticks: line.ticks, quoteTime: line.updatedAt });
      this.retire(line);
    }
    this.requotes.set(
      reached.filter(({ option }) => !keep.has(contractKey(option))),
      seeds,
    );
    if (!this.lines.has(UNDERLYING_KEY)) this.addLine(UNDERLYING_KEY, undefined, ContractLookup.stock(oldest.plan.underlying), await lines.acquire(stop));
    for (const { option, plan } of wanted) {
      const key = contractKey(option);
      const optionClass = plan.classOf.get(option.expiryDate);
      if (this.lines.has(key) || !optionClass) continue;
      const lease = await lines.acquire(stop);
      if (this.isStopped()) {
        lease.release();
        return;
      }
      // A probe's quote is the freshest quote of the money until the stream ticks.
      this.addLine(key, option, optionContract(this.symbol, option, optionClass), lease, plan.probes.get(key));
    }
    this.options.logger.info(
      { symbol: this.symbol, lines: this.lines.size, queries: planned.length, requoted: this.requotes.size },
      "ibkr: live feed streaming",
    );
    // A chain after each change, on a quiet market too: the coordinator reads the new reach with
    // it. Not before the underlying's first tick: until then a chain could not say whether the
    // market's data is live, delayed or frozen, and the ticks bring the first chain anyway.
    if (this.lines.get(UNDERLYING_KEY)?.ticks.empty === false) this.coalescer.mark();
  }

  private addLine(key: string, option: SelectedContract | undefined, contract: Contract, lease: LineLease, seed?: ContractTicks): void {
    // The probe is finished with its ticks, so the line may keep adding to them.
    const line: Line = { key, option, contract, lease, ticks: seed?.ticks ?? new QuoteTicks(), reqId: undefined, updatedAt: seed?.quoteTime };
    this.lines.set(key, line);
    this.subscribe(line);
  }

  /** Sends the line's streaming request when the pacer allows; a line that cannot be sent now waits for the next session. */
  private subscribe(line: Line): void {
    const { connection, pacer } = this.options;
    pacer
      .send(
        () => {
          if (this.closed || this.lines.get(line.key) !== line || line.reqId !== undefined) return;
          const reqId = connection.nextRequestId();
          connection.register(reqId, this.handlerFor(line, reqId));
          const genericTicks = line.option ? OPTION_GENERIC_TICKS : "";
          if (!connection.send((api) => api.reqMktData(reqId, line.contract, genericTicks, false, false))) {
            connection.unregister(reqId);
            return;
          }
          line.reqId = reqId;
        },
        { priority: Priority.FEED, signal: this.stop.signal },
      )
      .catch((error: unknown) => {
        if (this.closed) return;
        this.options.logger.warn({ err: error, symbol: this.symbol, line: line.key }, "ibkr: could not request a live line");
      });
  }

  private handlerFor(line: Line, reqId: number): RequestHandler {
    const { pacer, lines, logger } = this.options;
    let answered = false;
    const ticked = (): void => {
      if (!answered) {
        answered = true;
        pacer.answered();
      }
      line.updatedAt = this.options.now();
      if (line.reqId === reqId) this.recovery.flowing(line);
      this.coalescer.mark();
    };
    return {
      onTickPrice: (field, value) => {
        line.ticks.price(field, value);
        ticked();
      },
      onTickSize: (field, value) => {
        line.ticks.size(field, value);
        ticked();
      },
      onOptionComputation: (field, computation) => {
        line.ticks.optionComputation(field, computation);
        ticked();
      },
      onMarketDataType: (type) => {
        line.ticks.marketDataType(type);
      },
      onError: (code, message) => {
        if (line.reqId !== reqId) return;
        const action = requestErrorAction(code);
        switch (action.kind) {
          case "delayed":
            line.ticks.delayedNotice();
            return;
          case "ignore":
            return;
          case "resend":
            pacer.rateExceeded();
            this.forget(line);
            this.subscribe(line);
            return;
          case "requeue":
            // Fewer lines it is: this one goes, the rest stream on.
            lines.reduce();
            logger.warn({ symbol: this.symbol, line: line.key }, "ibkr: TWS refused a live line (error 101, max tickers); streaming fewer");
            this.drop(line);
            return;
          case "not-subscribed":
            // With delayed data asked for, TWS says 354/10089 and then streams delayed ticks.
            if (mayPrecedeDelayedData(code) && this.options.delayedRequested()) return;
            // TWS holds a refused request (and its line) until it is cancelled.
            this.end(line);
            void this.options.onNotSubscribed().then((switched) => {
              if (switched) {
                this.subscribe(line);
                return;
              }
              this.drop(line);
              this.reportError(subscriptionMissing(this.symbol, line.option ? "option" : "stock", `error ${code}: ${message}`));
            });
            return;
          case "competing-session":
            this.stopped(line, message);
            return;
          case "no-definition":
          case "fail":
            logger.debug({ symbol: this.symbol, line: line.key, code, message }, "ibkr: live line refused; dropped");
            this.refused.add(line.key);
            this.end(line);
            this.drop(line);
            return;
        }
      },
      onDisconnect: () => {
        if (line.reqId === reqId) line.reqId = undefined;
      },
    };
  }

  /** Cancels the line's request at TWS (which may hold it, and its line, after an error); our line stays held. */
  private end(line: Line): void {
    const reqId = line.reqId;
    this.forget(line);
    if (reqId !== undefined) this.cancel(reqId);
  }

  /** The request on the line is over (TWS ended it); the line stays held. */
  private forget(line: Line): void {
    if (line.reqId !== undefined) this.options.connection.unregister(line.reqId);
    line.reqId = undefined;
  }

  /**
   * 10197: TWS keeps the request open but sends nothing more on it, now or when the other
   * session ends. It is cancelled (freeing TWS's line) and left to the recovery to request again.
   */
  private stopped(line: Line, message: string): void {
    this.end(line);
    if (this.recovery.stop(line)) {
      this.options.logger.warn({ symbol: this.symbol, message }, "ibkr: live feed stopped by a competing session (10197); probing until data flows again");
      this.options.onCompetingSession(message);
      this.reportError(competingSession(message));
    }
  }

  /** The line goes for good; its request has already ended at TWS. */
  private drop(line: Line): void {
    this.recovery.forget(line);
    this.forget(line);
    if (this.lines.get(line.key) === line) this.lines.delete(line.key);
    line.lease.release();
  }

  /** A line no query wants any more: cancelled at TWS, and its line given back once the cancel is out. */
  private retire(line: Line): void {
    const reqId = line.reqId;
    this.recovery.forget(line);
    this.forget(line);
    this.lines.delete(line.key);
    if (reqId === undefined) {
      line.lease.release();
      return;
    }
    this.cancel(reqId, () => {
      line.lease.release();
    });
  }

  private cancel(reqId: number, then?: () => void): void {
    void cancelMarketData(this.options.connection, this.options.pacer, reqId).then(() => then?.());
  }

  private emit(): void {
    const plan = this.plan;
    // While TWS has stopped lines (10197) a chain would be the old quotes presented as fresh.
    if (this.closed || !plan || this.recovery.active) return;
    this.listeners.chain(feedChain(plan, this.lines.get(UNDERLYING_KEY), this.lines.values(), this.options.now(), this.requotes.quotes()));
  }
}

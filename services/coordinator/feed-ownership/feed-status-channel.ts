// The market data status of each symbol's feed across the fleet, over core NATS. Only the
// feed's owner sees its errors; the other coordinators relay the scanner's watch and would
// see an outage only as silence. The owner publishes every change of the symbol's status, and
// answers a coordinator that starts following the symbol with the status now, so that a
// watcher joining during an outage is told too. Best effort: while NATS is unreachable nothing
// goes, and followers keep what they last heard (and what results say of delayed or frozen).
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { MarketDataStatus } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { Logger } from "../../common/logger.js";
import type { SymbolMarketData } from "../market-data-state.js";

/** Subjects of a symbol: its changes, and the question "what is it now?". */
const subjectOf = (symbol: string): string => `spreadscan.feed_status.${symbol.replace(/[^A-Za-z0-9_=-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
const QUESTION = ".now";

export interface FeedStatusChannelOptions {
  /** The connection, once there is one (the lease store's). */
  readonly connection: () => Promise<NatsConnection | undefined>;
  readonly logger: Logger;
  /** How long a follower waits for the owner's answer, milliseconds. */
  readonly requestTimeoutMs: number;
}

export class FeedStatusChannel {
  constructor(private readonly options: FeedStatusChannelOptions) {}

  /** Tells the fleet the symbol's status changed (the owner's call). */
  publish(status: MarketDataStatus): void {
    void this.options.connection().then((connection) => {
      connection?.publish(subjectOf(status.symbol), MarketDataStatus.encode(status).finish());
    });
  }

  /** Answers followers' questions with `current()` until the returned stop is called (the owner's call). */
  serve(symbol: string, current: () => MarketDataStatus): () => void {
    return this.subscribeWhenConnected(`${subjectOf(symbol)}${QUESTION}`, (connection, subscription) => {
      void (async () => {
        for await (const question of subscription) {
          if (question.reply) connection.publish(question.reply, MarketDataStatus.encode(current()).finish());
        }
      })();
    });
  }

  /** Calls `listener` with the owner's status now (if it answers) and every change, until the returned stop is called. */
  follow(symbol: string, listener: (status: MarketDataStatus) => void): () => void {
    const heard = (data: Uint8Array): void => {
      try {
        listener(MarketDataStatus.decode(data));
      } catch (error) {
        this.options.logger.warn({ err: error, symbol }, "feed status: could not read a status from NATS");
      }
    };
    return this.subscribeWhenConnected(subjectOf(symbol), (connection, subscription) => {
      void (async () => {
        for await (const change of subscription) heard(change.data);
      })();
      connection.request(`${subjectOf(symbol)}${QUESTION}`, undefined, { timeout: this.options.requestTimeoutMs }).then(
        (answer) => heard(answer.data),
        // No owner yet, or none answering: the changes will come.
        () => undefined,
      );
    });
  }

  /** Subscribes once connected; the returned stop works before and after. */
  private subscribeWhenConnected(subject: string, use: (connection: NatsConnection, subscription: Subscription) => void): () => void {
    let stopped = false;
    let subscription: Subscription | undefined;
    void this.options.connection().then((connection) => {
      if (stopped || !connection) {
        if (!connection && !stopped) this.options.logger.warn({ subject }, "feed status: not connected to NATS; the fleet's statuses are not shared");
        return;
      }
      subscription = connection.subscribe(subject);
      use(connection, subscription);
    });
    return () => {
      stopped = true;
      subscription?.unsubscribe();
    };
  }
}

/**
 * A coordinator with watchers of the symbol: while it runs the feed (`owns()`), it tells the
 * fleet each change of the status; otherwise it takes the owner's. Returns the stop.
 */
export function shareMarketDataStatus(marketData: SymbolMarketData, statuses: FeedStatusChannel, owns: () => boolean): () => void {
  const unfollow = statuses.follow(marketData.symbol, (status) => {
    if (!owns()) marketData.adopt(status);
  });
  const unsubscribe = marketData.subscribe((status) => {
    if (owns()) statuses.publish(status);
  });
  return () => {
    unfollow();
    unsubscribe();
  };
}

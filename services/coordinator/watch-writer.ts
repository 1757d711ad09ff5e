// One watcher's stream: the top N updates relayed from the scanner and the symbol's market
// data status, written one at a time through the same send (which waits for the client to
// drain, and fails once the call is cancelled). Updates are written in turn, as the relay
// reads them. A status waits in a slot of one: while a write is on its way only the newest
// status waits, and it is dropped when it says what the watcher last heard. No status goes
// before the first update, so a watch always starts with its initial top N; a status that is
// not live follows it at once.
import { MarketDataState, type MarketDataStatus, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { SpreadsUpdate } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { sameStatus } from "./market-data-state.js";

export class WatchWriter {
  /** What the watcher believes: live until told otherwise (a watch says nothing while data is live). */
  private heard: MarketDataStatus;
  private waiting: MarketDataStatus | undefined;
  private statusQueued = false;
  private updated = false;
  /** The writes in order: each starts when the one before it is out. */
  private tail: Promise<void> = Promise.resolve();
  /** The first write that failed: the stream is over, and the next update says so. */
  private failure: { readonly error: unknown } | undefined;

  constructor(
    symbol: string,
    private readonly send: (message: WatchSpreadsResponse) => Promise<void>,
  ) {
    this.heard = { symbol, state: MarketDataState.MARKET_DATA_STATE_LIVE, reason: "" };
  }

  /** Writes an update after whatever is on its way; rejects when the stream cannot be written. */
  async update(update: SpreadsUpdate): Promise<void> {
    const written = this.tail.then(async () => {
      if (this.failure) throw this.failure.error;
      await this.send({ update });
      this.updated = true;
    });
    this.tail = written.catch((error: unknown) => {
      this.failure ??= { error };
    });
    await written;
    // A status that came before the first update goes right after it.
    if (this.waiting) this.queueStatus();
  }

  /** Tells the watcher the symbol's market data state, as soon as the writes before it allow. */
  status(status: MarketDataStatus): void {
    this.waiting = status;
    if (this.updated) this.queueStatus();
  }

  private queueStatus(): void {
    if (this.statusQueued) return;
    this.statusQueued = true;
    this.tail = this.tail.then(async () => {
      this.statusQueued = false;
      const status = this.waiting;
      this.waiting = undefined;
      if (this.failure || !status || sameStatus(status, this.heard)) return;
      try {
        await this.send({ status });
        this.heard = status;
      } catch (error) {
        this.failure ??= { error };
      }
    });
  }
}

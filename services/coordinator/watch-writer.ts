// One watcher's stream: the top N updates relayed from the scanner and the symbol's market
// data status, written one at a time through the same send (which waits for the client to
// drain, and fails once the call is cancelled). Every message carries an update, numbered
// here 1, 2, 3… in the order written, so that a client that reads only `update` (one
// generated before statuses existed) never meets a message without one: a status goes on the
// initial update when the data is not live then, and afterwards on a repeat of the top N last
// sent (the next sequence number, nothing added or removed). Updates are written in turn, as
// the relay reads them. A status waits in a slot of one: while a write is on its way only the
// newest status waits, and it is dropped when it says what the watcher last heard.
import { MarketDataState, type MarketDataStatus, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { ScanResult, SpreadsUpdate } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { sameStatus } from "./market-data-state.js";

/** What the relay knows of an update: the new top N and what changed; the writer numbers it. */
export type TopChange = Omit<SpreadsUpdate, "sequence" | "initial">;

export class WatchWriter {
  /** What the watcher believes: live until told otherwise (a watch says nothing while data is live). */
  private heard: MarketDataStatus;
  private waiting: MarketDataStatus | undefined;
  private statusQueued = false;
  /** The sequence number of the last message written (0 before the first). */
  private sequence = 0n;
  /** The top N last sent: what a status repeats. */
  private board: ScanResult | undefined;
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
  async update(change: TopChange): Promise<void> {
    const written = this.tail.then(async () => {
      if (this.failure) throw this.failure.error;
      const initial = this.sequence === 0n;
      // The initial update says the state itself when it is not live: no message of its own.
      const status = initial ? this.news() : undefined;
      await this.write({ ...change, sequence: this.sequence + 1n, initial }, status);
    });
    this.tail = written.catch((error: unknown) => {
      this.failure ??= { error };
    });
    await written;
    // A status that came while the initial update was on its way goes right after it.
    if (this.waiting) this.queueStatus();
  }

  /** Tells the watcher the symbol's market data state, as soon as the writes before it allow. */
  status(status: MarketDataStatus): void {
    this.waiting = status;
    // Before the first update there is no top N to repeat: the initial update takes it.
    if (this.sequence > 0n) this.queueStatus();
  }

  /** The waiting status, taken, if the watcher has not heard it. */
  private news(): MarketDataStatus | undefined {
    const status = this.waiting;
    this.waiting = undefined;
    return status && !sameStatus(status, this.heard) ? status : undefined;
  }

  private async write(update: SpreadsUpdate, status: MarketDataStatus | undefined): Promise<void> {
    await this.send(status ? { update, status } : { update });
    this.sequence = update.sequence;
    this.board = update.result;
    if (status) this.heard = status;
  }

  private queueStatus(): void {
    if (this.statusQueued) return;
    this.statusQueued = true;
    this.tail = this.tail.then(async () => {
      this.statusQueued = false;
      if (this.failure) return;
      const status = this.news();
      if (!status) return;
      try {
        // The top N as last sent, under the next number: an old client sees the same board again.
        await this.write({ sequence: this.sequence + 1n, initial: false, result: this.board, addedIds: [], removedIds: [] }, status);
      } catch (error) {
        this.failure ??= { error };
      }
    });
  }
}

// One watcher's stream: the order of updates and market data statuses, what waits while the
// client is slow to read, and what is never sent (nothing before the initial update, nothing
// the watcher already heard).
import { status as grpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { MarketDataState, type MarketDataStatus, type WatchSpreadsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { SpreadsUpdate } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { RpcError } from "../../../services/common/errors.js";
import { SymbolMarketData } from "../../../services/coordinator/market-data-state.js";
import { WatchWriter } from "../../../services/coordinator/watch-writer.js";

const {
  MARKET_DATA_STATE_LIVE: LIVE,
  MARKET_DATA_STATE_DELAYED: DELAYED,
  MARKET_DATA_STATE_FROZEN: FROZEN,
  MARKET_DATA_STATE_UNAVAILABLE: UNAVAILABLE,
} = MarketDataState;

const update = (sequence: number): SpreadsUpdate => ({ sequence: BigInt(sequence), initial: sequence === 1, addedIds: [], removedIds: [] });
const status = (state: MarketDataState, reason = ""): MarketDataStatus => ({ symbol: "SPY", state, reason, since: new Date(0) });

/** A client stream: every write waits until the test lets it through, as a full socket would. */
class SlowClient {
  readonly written: WatchSpreadsResponse[] = [];
  private readonly held: (() => void)[] = [];

  readonly send = (message: WatchSpreadsResponse): Promise<void> =>
    new Promise((resolve) => {
      this.held.push(() => {
        this.written.push(message);
        resolve();
      });
    });

  get waiting(): number {
    return this.held.length;
  }

  /** Lets every write through, including those the released ones lead to. */
  async drain(): Promise<void> {
    for (let rounds = 0; rounds < 100; rounds++) {
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.held.shift();
      if (next) next();
      else if (rounds > 2) return;
    }
  }

  kinds(): string[] {
    return this.written.map((message) => (message.update ? `update ${message.update.sequence}` : `status ${MarketDataState[message.status?.state ?? 0]}`));
  }
}

describe("a watch's writer", () => {
  it("holds a status until the initial update is out, then writes it at once", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    writer.status(status(DELAYED));
    await client.drain();
    expect(client.written).toEqual([]);
    const first = writer.update(update(1));
    await client.drain();
    await first;
    expect(client.kinds()).toEqual(["update 1", "status MARKET_DATA_STATE_DELAYED"]);
  });

  it("says nothing while the data is live, as the watcher assumes", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    writer.status(status(LIVE));
    const first = writer.update(update(1));
    await client.drain();
    await first;
    writer.status(status(LIVE));
    await client.drain();
    expect(client.kinds()).toEqual(["update 1"]);
  });

  it("while a write waits for a slow client, keeps only the newest status, and none the watcher already heard", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    const first = writer.update(update(1));
    await client.drain();
    await first;
    const second = writer.update(update(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.waiting).toBe(1);
    writer.status(status(UNAVAILABLE, "TWS lost IBKR (1100)"));
    writer.status(status(LIVE));
    writer.status(status(FROZEN));
    await client.drain();
    await second;
    expect(client.kinds()).toEqual(["update 1", "update 2", "status MARKET_DATA_STATE_FROZEN"]);

    // Unavailable and back while the client is slow: it heard frozen, and live is news.
    const third = writer.update(update(3));
    writer.status(status(UNAVAILABLE, "TWS lost IBKR (1100)"));
    writer.status(status(LIVE));
    await client.drain();
    await third;
    expect(client.kinds().slice(3)).toEqual(["update 3", "status MARKET_DATA_STATE_LIVE"]);
  });

  it("fails the next update once a write failed (the call went), without an unobserved rejection", async () => {
    let calls = 0;
    const gone = new RpcError(grpcStatus.CANCELLED, "cancelled");
    const writer = new WatchWriter("SPY", (message) => {
      calls++;
      return message.status ? Promise.reject(gone) : Promise.resolve();
    });
    await writer.update(update(1));
    writer.status(status(DELAYED));
    await expect(writer.update(update(2))).rejects.toBe(gone);
    expect(calls).toBe(2);
  });
});

describe("a symbol's market data state", () => {
  it("follows the chains' flags and the feed's errors, keeping the outage's start when only its reason changes", () => {
    let now = 1_000;
    const state = new SymbolMarketData("SPY", () => new Date(now));
    const heard: MarketDataStatus[] = [];
    state.subscribe((changed) => heard.push(changed));

    state.observeQuotes({ delayed: false, frozen: false });
    expect(heard).toEqual([]);
    now = 2_000;
    state.observeError(new RpcError(grpcStatus.UNAVAILABLE, "TWS lost IBKR (1100)"));
    now = 3_000;
    state.observeError(new RpcError(grpcStatus.UNAVAILABLE, "TWS lost IBKR (1100)"));
    state.observeError(new Error("not connected to TWS"));
    now = 4_000;
    state.observeQuotes({ delayed: true, frozen: false });
    now = 5_000;
    state.observeQuotes({ delayed: true, frozen: true });
    expect(heard.map(({ state: value, since, reason }) => [MarketDataState[value], since?.getTime(), reason])).toEqual([
      ["MARKET_DATA_STATE_UNAVAILABLE", 2_000, "TWS lost IBKR (1100)"],
      ["MARKET_DATA_STATE_UNAVAILABLE", 2_000, "not connected to TWS"],
      ["MARKET_DATA_STATE_DELAYED", 4_000, ""],
      ["MARKET_DATA_STATE_FROZEN", 5_000, ""],
    ]);
    expect(state.status.state).toBe(FROZEN);
  });

  it("on a coordinator without the feed: a result from before the outage does not end it, a newer one does; the owner's status is taken as it is", () => {
    const state = new SymbolMarketData("SPY", () => new Date(10_000));
    state.adopt({ symbol: "SPY", state: UNAVAILABLE, since: new Date(5_000), reason: "the owner's feed failed" });
    expect(state.status).toEqual({ symbol: "SPY", state: UNAVAILABLE, since: new Date(5_000), reason: "the owner's feed failed" });
    // A reconnecting watch's snapshot: a chain from before the outage.
    state.observeResult({ delayed: false, frozen: false, chainAsOf: new Date(4_000) });
    expect(state.status.state).toBe(UNAVAILABLE);
    state.observeResult({ delayed: true, frozen: false, chainAsOf: new Date(6_000) });
    expect(state.status).toMatchObject({ state: DELAYED, since: new Date(10_000), reason: "" });
  });
});

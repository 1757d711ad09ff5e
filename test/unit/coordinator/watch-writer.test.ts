// One watcher's stream: every message an update numbered 1, 2, 3…, a market data status on
// the initial update or on a repeat of the top N last sent, what waits while the client is
// slow to read, and what is never sent (nothing the watcher already heard).
import { status as grpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { MarketDataState, type MarketDataStatus, type WatchSpreadsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { RpcError } from "../../../services/common/errors.js";
import { SymbolMarketData } from "../../../services/coordinator/market-data-state.js";
import { WatchWriter, type TopChange } from "../../../services/coordinator/watch-writer.js";

const {
  MARKET_DATA_STATE_LIVE: LIVE,
  MARKET_DATA_STATE_DELAYED: DELAYED,
  MARKET_DATA_STATE_FROZEN: FROZEN,
  MARKET_DATA_STATE_UNAVAILABLE: UNAVAILABLE,
} = MarketDataState;

/** The relay's n-th top N: a result told apart by its chain version, one spread id that came. */
const top = (n: number): TopChange => ({
  result: ScanResult.fromPartial({ symbol: "SPY", chainVersion: BigInt(n), underlyingPrice: 500 + n }),
  addedIds: [`spread-${n}`],
  removedIds: n > 1 ? [`spread-${n - 1}`] : [],
});
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

  /** "update 3 (top 2) UNAVAILABLE": each message's number, the top N it carries, its status if any. */
  kinds(): string[] {
    return this.written.map((message) => {
      const state = message.status ? ` ${MarketDataState[message.status.state].replace("MARKET_DATA_STATE_", "")}` : "";
      return `update ${message.update?.sequence} (top ${message.update?.result?.chainVersion})${state}`;
    });
  }
}

describe("a watch's writer", () => {
  it("puts a status that came before the initial update on the initial update itself", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    writer.status(status(DELAYED));
    await client.drain();
    expect(client.written).toEqual([]);
    const first = writer.update(top(1));
    await client.drain();
    await first;
    expect(client.kinds()).toEqual(["update 1 (top 1) DELAYED"]);
    expect(client.written[0]?.update).toEqual({ ...top(1), sequence: 1n, initial: true });
  });

  it("tells a change as a repeat of the top N last sent: the next number, not initial, nothing added or removed", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    const first = writer.update(top(1));
    await client.drain();
    await first;
    const second = writer.update(top(2));
    await client.drain();
    await second;
    writer.status(status(UNAVAILABLE, "TWS lost IBKR (1100)"));
    await client.drain();
    const third = writer.update(top(3));
    await client.drain();
    await third;
    expect(client.kinds()).toEqual(["update 1 (top 1)", "update 2 (top 2)", "update 3 (top 2) UNAVAILABLE", "update 4 (top 3)"]);
    expect(client.written[2]).toEqual({
      update: { sequence: 3n, initial: false, result: top(2).result, addedIds: [], removedIds: [] },
      status: status(UNAVAILABLE, "TWS lost IBKR (1100)"),
    });
    // The update after the repeat says what changed since the top N the watcher last saw.
    expect(client.written[3]?.update).toEqual({ ...top(3), sequence: 4n, initial: false });
  });

  it("a status that comes while the initial update is on its way follows it as a repeat", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    const first = writer.update(top(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.waiting).toBe(1);
    writer.status(status(FROZEN));
    await client.drain();
    await first;
    await client.drain();
    expect(client.kinds()).toEqual(["update 1 (top 1)", "update 2 (top 1) FROZEN"]);
  });

  it("says nothing while the data is live, as the watcher assumes", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    writer.status(status(LIVE));
    const first = writer.update(top(1));
    await client.drain();
    await first;
    writer.status(status(LIVE));
    await client.drain();
    expect(client.kinds()).toEqual(["update 1 (top 1)"]);
  });

  it("while a write waits for a slow client, keeps only the newest status, and none the watcher already heard", async () => {
    const client = new SlowClient();
    const writer = new WatchWriter("SPY", client.send);
    const first = writer.update(top(1));
    await client.drain();
    await first;
    const second = writer.update(top(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.waiting).toBe(1);
    writer.status(status(UNAVAILABLE, "TWS lost IBKR (1100)"));
    writer.status(status(LIVE));
    writer.status(status(FROZEN));
    await client.drain();
    await second;
    expect(client.kinds()).toEqual(["update 1 (top 1)", "update 2 (top 2)", "update 3 (top 2) FROZEN"]);

    // Unavailable and back while the client is slow: it heard frozen, and live is news.
    const fourth = writer.update(top(3));
    writer.status(status(UNAVAILABLE, "TWS lost IBKR (1100)"));
    writer.status(status(LIVE));
    await client.drain();
    await fourth;
    // Frozen and at once live again: the newest is what the watcher heard, so nothing goes.
    writer.status(status(FROZEN));
    writer.status(status(LIVE));
    await client.drain();
    expect(client.kinds().slice(3)).toEqual(["update 4 (top 3)", "update 5 (top 3) LIVE"]);
  });

  it("fails the next update once a write failed (the call went), without an unobserved rejection", async () => {
    let calls = 0;
    const gone = new RpcError(grpcStatus.CANCELLED, "cancelled");
    const writer = new WatchWriter("SPY", (message) => {
      calls++;
      return message.status ? Promise.reject(gone) : Promise.resolve();
    });
    await writer.update(top(1));
    writer.status(status(DELAYED));
    await expect(writer.update(top(2))).rejects.toBe(gone);
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

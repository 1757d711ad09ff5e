// Versions given by another replica: stored as given, always rising, never applied twice;
// and the outbox that keeps a replica's versions while NATS is down, in order and bounded.
import { describe, expect, it } from "vitest";
import { CorporateEventKind } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { UpdateMode } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { prepareChain } from "../../../services/engine/index.js";
import { sharePreparedChain } from "../../../services/engine/shared-prepared-chain.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { ChainOutbox } from "../../../services/scanner/chain-bus/chain-outbox.js";
import { ChainStore, type PlannedChange } from "../../../services/scanner/chain-store.js";

const CHAIN = generateSyntheticChain({ symbol: "AAPL", seed: 1, asOf: new Date("2026-11-20T15:00:00Z") });

function change(store: ChainStore, spot: number): PlannedChange {
  const planned = store.plan("AAPL", { ...CHAIN, underlyingPrice: spot }, UpdateMode.UPDATE_MODE_REPLACE);
  if ("unchanged" in planned) throw new Error("expected a change");
  return planned;
}

describe("versions given by the publisher", () => {
  it("are stored as given, and one at or below the latest is refused", () => {
    const store = new ChainStore(300_000);
    const prepared = sharePreparedChain(prepareChain(CHAIN), "AAPL#test");
    expect(store.latestVersion("AAPL")).toBe(0n);
    expect(store.commit(change(store, 230), prepared, 7n).version).toBe(7n);
    expect(store.latestVersion("AAPL")).toBe(7n);
    expect(() => store.commit(change(store, 231), prepared, 7n)).toThrow(/not after the latest, 7/);
    expect(() => store.commit(change(store, 231), prepared, 3n)).toThrow(RangeError);
    // A local change goes on from the given one.
    expect(store.commit(change(store, 232), prepared).version).toBe(8n);
    expect(store.symbols()).toEqual(["AAPL"]);
    store.close();
  });
});

describe("a merge another replica published (a delta)", () => {
  const tick = { ...CHAIN, underlyingPrice: 231, quotes: CHAIN.quotes.slice(10, 15).map((quote) => ({ ...quote, bid: quote.bid + 0.05 })) };

  it("is merged only onto exactly its base version, as the publisher merged it", () => {
    const publisher = new ChainStore(300_000);
    const replica = new ChainStore(300_000);
    const prepared = sharePreparedChain(prepareChain(CHAIN), "AAPL#test");
    for (const store of [publisher, replica]) store.commit(change(store, 230), prepared, 4n);
    const planned = publisher.plan("AAPL", tick, UpdateMode.UPDATE_MODE_MERGE);
    if ("unchanged" in planned) throw new Error("expected a change");
    publisher.commit(planned, prepared, 5n);

    expect(replica.mergedOnto("AAPL", 3n, tick)).toBeUndefined();
    expect(replica.mergedOnto("AAPL", 5n, tick)).toBeUndefined();
    expect(replica.mergedOnto("MSFT", 4n, tick)).toBeUndefined();
    const merged = replica.mergedOnto("AAPL", 4n, tick)!;
    const stored = replica.commitMerged("AAPL", 5n, merged, prepared);
    expect(stored.version).toBe(5n);
    // The same chain, to the byte, as the publisher's.
    expect(Buffer.compare(stored.fingerprint, publisher.get("AAPL")!.fingerprint)).toBe(0);
    expect(stored.chain.quotes.length).toBe(CHAIN.quotes.length);
    // And its repeat is told as one.
    expect("unchanged" in replica.plan("AAPL", tick, UpdateMode.UPDATE_MODE_MERGE)).toBe(true);
    publisher.close();
    replica.close();
  });
});

describe("a merge without the chain's context", () => {
  it("keeps the stored IV history and events; a merge that carries them replaces them", () => {
    const store = new ChainStore(300_000);
    const prepared = sharePreparedChain(prepareChain(CHAIN), "AAPL#test");
    const history = { source: "simulated", days: [{ date: "2026-11-19", impliedVolatility: 0.21 }] };
    const events = { source: "file", events: [{ date: "2026-12-01", kind: CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS, timeOfDay: 0 }] };
    const first = store.plan("AAPL", { ...CHAIN, impliedVolatilityHistory: history, events }, UpdateMode.UPDATE_MODE_REPLACE);
    if ("unchanged" in first) throw new Error("expected a change");
    store.commit(first, prepared);

    const bare = { ...CHAIN, underlyingPrice: 231, quotes: CHAIN.quotes.slice(0, 3) };
    const merged = store.plan("AAPL", bare, UpdateMode.UPDATE_MODE_MERGE);
    if ("unchanged" in merged) throw new Error("expected a change");
    expect(merged.chain.impliedVolatilityHistory).toEqual(history);
    expect(merged.chain.events).toEqual(events);
    expect(merged.chain.underlyingPrice).toBe(231);
    store.commit(merged, prepared);

    const newer = { source: "simulated", days: [{ date: "2026-11-20", impliedVolatility: 0.22 }] };
    const replaced = store.plan("AAPL", { ...bare, underlyingPrice: 232, impliedVolatilityHistory: newer }, UpdateMode.UPDATE_MODE_MERGE);
    if ("unchanged" in replaced) throw new Error("expected a change");
    expect(replaced.chain.impliedVolatilityHistory).toEqual(newer);
    expect(replaced.chain.events).toEqual(events);
    // A replacement is the chain as sent: without them, it has none.
    const replacement = store.plan("AAPL", { ...CHAIN, underlyingPrice: 233 }, UpdateMode.UPDATE_MODE_REPLACE);
    if ("unchanged" in replacement) throw new Error("expected a change");
    expect(replacement.chain.impliedVolatilityHistory).toBeUndefined();
    store.close();
  });
});

describe("the outbox", () => {
  const chain = (length: number): Uint8Array => new Uint8Array(length);

  it("keeps each symbol's versions in order", () => {
    const outbox = new ChainOutbox(1000, () => undefined);
    outbox.add("SPY", 1n, chain(10));
    outbox.add("QQQ", 5n, chain(10));
    outbox.add("SPY", 2n, chain(10));
    expect(outbox.size).toBe(3);
    expect(outbox.first("SPY")?.version).toBe(1n);
    outbox.shift("SPY");
    expect(outbox.first("SPY")?.version).toBe(2n);
    outbox.shift("SPY");
    expect(outbox.has("SPY")).toBe(false);
    expect(outbox.symbols()).toEqual(["QQQ"]);
    outbox.discard("QQQ");
    expect(outbox.size).toBe(0);
  });

  it("drops a symbol's oldest versions past its bound in bytes, never the latest", () => {
    const dropped: bigint[] = [];
    const outbox = new ChainOutbox(25, (_symbol, version) => dropped.push(version));
    for (let version = 1n; version <= 4n; version++) outbox.add("SPY", version, chain(10));
    expect(dropped).toEqual([1n, 2n]);
    expect(outbox.first("SPY")?.version).toBe(3n);
    outbox.add("SPY", 5n, chain(100));
    expect(dropped).toEqual([1n, 2n, 3n, 4n]);
    expect(outbox.size).toBe(1);
    expect(outbox.first("SPY")?.version).toBe(5n);
  });
});

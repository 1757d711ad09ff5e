// The chain bus on a real nats-server (its max_payload left at NATS's 1 MB default) between
// scanner replicas assembled in this process: a chain accepted by one replica reaches the
// others chunked and whole, under the version its publisher gave it; replicas updating one
// symbol at once never give two chains one version; NATS down means local updates published
// on its return, none lost or applied twice; NATS back with an empty store means the latest
// chains published again, for replicas that join afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import type { StoredChain } from "../../services/scanner/chain-store.js";
import { closeBusReplicas, startBusReplica, updateChain, type BusReplica } from "../support/bus-replicas.js";
import { startNats, stopAllInfraServers, type InfraServer } from "../support/infra-servers.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
// 1.9 MB encoded: two chunks under the server's 1 MB max_payload.
const SPY = generateSyntheticChain({ symbol: "SPY", seed: 42, asOf: AS_OF });

const replicas: BusReplica[] = [];
let nats: InfraServer;

async function startReplica({ waitForBus = true } = {}): Promise<BusReplica> {
  const replica = await startBusReplica(nats.url, { waitForBus });
  replicas.push(replica);
  return replica;
}

const update = updateChain;

/** A few quotes of the chain, repriced: what a feed's tick merges. */
function tick(chain: OptionChain, step: number): OptionChain {
  const quotes = chain.quotes.slice(step * 7, step * 7 + 5).map((quote) => ({ ...quote, bid: quote.bid + 0.01 * step, ask: quote.ask + 0.01 * step }));
  return { ...chain, quotes };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const held = (replica: BusReplica, symbol = "SPY") => replica.service.store.get(symbol);
const sameChain = (a: StoredChain | undefined, b: StoredChain | undefined) =>
  a !== undefined && b !== undefined && a.version === b.version && Buffer.compare(a.fingerprint, b.fingerprint) === 0;

beforeAll(async () => {
  nats = await startNats();
});

afterAll(async () => {
  await closeBusReplicas(replicas);
  await stopAllInfraServers();
});

describe("chain updates over NATS JetStream", () => {
  it("carries a chain larger than max_payload to every replica, under the publisher's version", async () => {
    const [a, b] = [await startReplica(), await startReplica()];
    expect((await update(a, SPY, UpdateMode.UPDATE_MODE_REPLACE)).version).toBe(1n);
    await until(() => held(b)?.version === 1n, "B holds version 1");
    expect(sameChain(held(a), held(b))).toBe(true);
    const chunks = await b.service.registry.getSingleMetricAsString("spreadscan_chain_bus_chunks_total");
    expect(chunks).toMatch(/direction="received"[^}]*} 2$/m);

    // A merge through the other replica: its version follows, and A applies it.
    expect((await update(b, tick(SPY, 1), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(2n);
    await until(() => held(a)?.version === 2n, "A holds version 2");
    expect(sameChain(held(a), held(b))).toBe(true);
    expect(a.versions.get("SPY")).toEqual([1n, 2n]);
    expect(b.versions.get("SPY")).toEqual([1n, 2n]);
  });

  it("never gives one version to two chains when replicas update a symbol at once", async () => {
    const [a, b] = replicas as [BusReplica, BusReplica];
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, step) => update(step % 2 === 0 ? a : b, tick(SPY, step + 2), UpdateMode.UPDATE_MODE_MERGE)),
    );
    const versions = responses.map((response) => response.version).sort((x, y) => (x < y ? -1 : 1));
    // Twelve changes, twelve versions after the two before: each given once.
    expect(versions).toEqual(Array.from({ length: 12 }, (_, index) => BigInt(index + 3)));
    await until(() => sameChain(held(a), held(b)) && held(a)?.version === 14n, "both replicas hold version 14");
    expect(a.versions.get("SPY")).toEqual(Array.from({ length: 14 }, (_, index) => BigInt(index + 1)));
    expect(b.versions.get("SPY")).toEqual(Array.from({ length: 14 }, (_, index) => BigInt(index + 1)));
    // Every merge landed: each tick's repriced quotes are in the final chain on both.
    const final = held(a)!.chain.quotes;
    for (let step = 2; step < 14; step++) {
      const sent = tick(SPY, step).quotes[0]!;
      expect(final.find((quote) => quote.expiryDate === sent.expiryDate && quote.strike === sent.strike && quote.right === sent.right)?.bid).toBe(sent.bid);
    }
  });

  it("applies locally while NATS is down and publishes on its return, none lost or applied twice", async () => {
    const [a, b] = replicas as [BusReplica, BusReplica];
    await nats.kill();
    const whileDown = [await update(a, tick(SPY, 20), UpdateMode.UPDATE_MODE_MERGE), await update(a, tick(SPY, 21), UpdateMode.UPDATE_MODE_MERGE)];
    expect(whileDown.map((response) => response.version)).toEqual([15n, 16n]);
    expect(held(b)?.version).toBe(14n);
    await nats.restart();
    await until(() => held(b)?.version === 16n, "B holds the versions made while NATS was down");
    expect(sameChain(held(a), held(b))).toBe(true);
    expect(b.versions.get("SPY")?.slice(-3)).toEqual([14n, 15n, 16n]);
    expect(a.versions.get("SPY")?.slice(-3)).toEqual([14n, 15n, 16n]);
    // The consumer reads on after the restart: the next update still reaches B.
    expect((await update(a, tick(SPY, 22), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(17n);
    await until(() => held(b)?.version === 17n, "B holds version 17");
  });

  it("ends with one chain under one version on every replica when two took updates of a symbol while NATS was down", async () => {
    const [a, b] = replicas as [BusReplica, BusReplica];
    await nats.kill();
    // Each replica takes a change of its own on version 17: both call theirs 18.
    expect((await update(a, tick(SPY, 30), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(18n);
    expect((await update(b, tick(SPY, 31), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(18n);
    expect(sameChain(held(a), held(b))).toBe(false);
    await nats.restart();
    // The second to publish finds the first's 18 and publishes its own chain as 19.
    await until(() => sameChain(held(a), held(b)) && held(a)!.version === 19n, "both replicas hold one chain as version 19");
    for (const replica of [a, b]) {
      const versions = replica.versions.get("SPY")!;
      expect(versions.slice(-2)).toEqual([18n, 19n]);
    }
  });

  it("publishes the latest chains again when NATS comes back with an empty store, for replicas that join later", async () => {
    const [a] = replicas as [BusReplica, BusReplica];
    await nats.restart({ emptyStore: true });
    const c = await startReplica();
    await until(() => held(c)?.version === 19n, "a replica that joined after the restart holds the latest chain");
    expect(sameChain(held(a), held(c))).toBe(true);
  });

  it("holds back an update sent to a replica that just started until it has read the stream, so that a merge lands on the fleet's chain", async () => {
    const [a] = replicas as [BusReplica];
    const fresh = await startReplica({ waitForBus: false });
    const response = await update(fresh, tick(SPY, 40), UpdateMode.UPDATE_MODE_MERGE);
    expect(response.version).toBe(20n);
    expect(response.quoteCount).toBe(BigInt(held(a)!.chain.quotes.length));
    await until(() => held(a)?.version === 20n, "A holds the new replica's version 20");
    expect(sameChain(held(a), held(fresh))).toBe(true);
  });
});

// The chain bus's deltas on a real nats-server between scanner replicas assembled in this
// process: a MERGE onto the version before it goes out as what was sent (a few quotes and its
// base version), and a replica holding that base makes the same merge; a replica without the
// base skips the deltas, and holds the fleet's chain again at the next whole chain (published
// after every WHOLE_CHAIN_EVERY-th version's delta, or after the next delta when that one did
// not go out).
import { status } from "@grpc/grpc-js";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { UpdateChainRequest, UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { WHOLE_CHAIN_EVERY } from "../../services/scanner/chain-bus/chain-publications.js";
import { STREAM_NAME, streamConfig, subjectOf } from "../../services/scanner/chain-bus/chain-subjects.js";
import type { StoredChain } from "../../services/scanner/chain-store.js";
import { callUnary } from "../support/echo-server.js";
import { closeBusReplicas, startBusReplica, updateChain, type BusReplica } from "../support/bus-replicas.js";
import { startNats, stopAllInfraServers, type InfraServer } from "../support/infra-servers.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const SYMBOL = "QQQ";
// A slice of a synthetic chain: the deltas' path does not depend on the chain's size, and
// fifty merges of a smaller chain keep the test short.
const FULL = generateSyntheticChain({ symbol: SYMBOL, seed: 7, asOf: AS_OF });
const CHAIN: OptionChain = { ...FULL, quotes: FULL.quotes.slice(0, 2000) };

const replicas: BusReplica[] = [];
let nats: InfraServer;
let connection: NatsConnection;
let jsm: JetStreamManager;

async function startReplica(): Promise<BusReplica> {
  const replica = await startBusReplica(nats.url);
  replicas.push(replica);
  return replica;
}

const update = updateChain;
/** The versions of SYMBOL a replica's store took, in order. */
const versionsOf = (replica: BusReplica): bigint[] => replica.versions.get(SYMBOL) ?? [];

/** A few quotes of the chain, repriced: what a feed's tick merges. */
function tick(step: number): OptionChain {
  const quotes = CHAIN.quotes.slice(step * 7, step * 7 + 5).map((quote) => ({ ...quote, bid: quote.bid + 0.01 * step, ask: quote.ask + 0.01 * step }));
  return { ...CHAIN, quotes };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function counter(replica: BusReplica, name: string): Promise<number> {
  const metric = await replica.service.registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? 0;
}

const held = (replica: BusReplica) => replica.service.store.get(SYMBOL);
const sameChain = (a: StoredChain | undefined, b: StoredChain | undefined) =>
  a !== undefined && b !== undefined && a.version === b.version && Buffer.compare(a.fingerprint, b.fingerprint) === 0;
const range = (from: bigint, to: bigint) => Array.from({ length: Number(to - from + 1n) }, (_, index) => from + BigInt(index));

beforeAll(async () => {
  nats = await startNats();
  connection = await connect({ servers: nats.url });
  jsm = await jetstreamManager(connection);
});

afterAll(async () => {
  await closeBusReplicas(replicas);
  await connection.close();
  await stopAllInfraServers();
});

describe("chain deltas over NATS JetStream", () => {
  it("publishes a merge onto the version before it as what was sent, which a replica holding that version merges alike", async () => {
    const [a, b] = [await startReplica(), await startReplica()];
    expect((await update(a, CHAIN, UpdateMode.UPDATE_MODE_REPLACE)).version).toBe(1n);
    await until(() => held(b)?.version === 1n, "B holds version 1");
    expect((await update(a, tick(1), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(2n);

    // On the wire: the sent quotes and the base, not the chain.
    const last = await jsm.streams.getMessage(STREAM_NAME, { last_by_subj: subjectOf(SYMBOL) });
    expect(last?.header.get("Spreadscan-Version")).toBe("2");
    expect(last?.header.get("Spreadscan-Delta-Base")).toBe("1");
    expect(last!.data.length).toBeLessThan(held(a)!.fingerprint.length / 20);

    await until(() => held(b)?.version === 2n, "B holds version 2");
    expect(sameChain(held(a), held(b))).toBe(true);
    expect(versionsOf(b)).toEqual([1n, 2n]);
    expect(await counter(b, "spreadscan_chain_deltas_skipped_total")).toBe(0);
  });

  it("has a replica without a delta's base skip the deltas and hold the fleet's chain from the next whole chain on", async () => {
    const [a, b] = replicas as [BusReplica, BusReplica];
    // The stream forgets everything of the symbol but version 2's delta: a replica that starts
    // now has no base for it (as one that lost messages with NATS's store).
    await jsm.streams.purge(STREAM_NAME, { filter: subjectOf(SYMBOL), keep: 1 });
    const c = await startReplica();
    await c.service.bus?.ready();
    expect(held(c)).toBeUndefined();
    // A merge sent to C now would be planned on no chain: it is refused, not published as a
    // version over the fleet's chain.
    const refused = await callUnary(
      c.client.updateChain.bind(c.client),
      UpdateChainRequest.fromPartial({ chain: tick(99), mode: UpdateMode.UPDATE_MODE_MERGE }),
    );
    expect(refused.error?.code).toBe(status.UNAVAILABLE);
    expect(held(c)).toBeUndefined();
    expect(versionsOf(c)).toEqual([]);

    for (let version = 3n; version <= WHOLE_CHAIN_EVERY; version++) {
      expect((await update(a, tick(Number(version)), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(version);
    }
    await until(() => held(c)?.version === WHOLE_CHAIN_EVERY && held(b)?.version === WHOLE_CHAIN_EVERY, `B and C hold version ${WHOLE_CHAIN_EVERY}`);
    expect(sameChain(held(a), held(c))).toBe(true);
    expect(sameChain(held(a), held(b))).toBe(true);
    // C skipped every delta (versions 2 to 50), then took the whole chain that follows version 50's delta.
    expect(versionsOf(c)).toEqual([WHOLE_CHAIN_EVERY]);
    expect(await counter(c, "spreadscan_chain_deltas_skipped_total")).toBe(Number(WHOLE_CHAIN_EVERY) - 1);
    // B, up all along, applied every delta and skipped none.
    expect(versionsOf(b)).toEqual(range(1n, WHOLE_CHAIN_EVERY));
    expect(await counter(b, "spreadscan_chain_deltas_skipped_total")).toBe(0);

    // From there on C follows the deltas.
    const next = WHOLE_CHAIN_EVERY + 1n;
    expect((await update(a, tick(Number(next)), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(next);
    await until(() => held(c)?.version === next, `C holds version ${next}`);
    expect(sameChain(held(a), held(c))).toBe(true);
    expect(versionsOf(c)).toEqual([WHOLE_CHAIN_EVERY, next]);
  });

  it("follows the next delta with the whole chain when the one due after a 50th version's delta did not go out", async () => {
    const [a, b] = replicas as [BusReplica, BusReplica];
    const start = held(a)!.version + 1n;
    const due = (start / WHOLE_CHAIN_EVERY + 1n) * WHOLE_CHAIN_EVERY;
    // For a while the stream takes deltas but refuses whole chains (any error but a conflict):
    // the whole chain due after version `due`'s delta does not go out.
    const wholeBytes = held(a)!.fingerprint.length;
    await jsm.streams.update(STREAM_NAME, { ...streamConfig(), max_msg_size: Math.floor(wholeBytes / 2) });
    for (let version = start; version <= due; version++) {
      expect((await update(a, tick(Number(version)), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(version);
    }
    await until(() => held(b)?.version === due, `B holds version ${due}`);
    await jsm.streams.update(STREAM_NAME, { ...streamConfig(), max_msg_size: -1 });

    // A replica without the base (the stream keeps only version `due`'s delta) ...
    await jsm.streams.purge(STREAM_NAME, { filter: subjectOf(SYMBOL), keep: 1 });
    const d = await startReplica();
    await d.service.bus?.ready();
    expect(held(d)).toBeUndefined();
    // ... holds the fleet's chain from the next version on, not 50 versions later.
    const next = due + 1n;
    expect((await update(a, tick(Number(next)), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(next);
    await until(() => held(d)?.version === next, `D holds version ${next}`, 10_000);
    expect(sameChain(held(a), held(d))).toBe(true);
  });
});

// The chain bus after NATS came back with an empty store, on a real nats-server between scanner
// replicas assembled in this process: each replica republishes its latest chains until the new
// stream holds, for every symbol, a whole version at least as new as the replica's. Replicas
// reach NATS through links the test cuts and heals, which orders their reconnections: no race
// decides what the tests see.
//   - A republication the server refuses (any error but a conflict) is tried again: the stream
//     does not lose a symbol that is never updated again (a publish timeout on a loaded
//     machine right after NATS came back is such an error; here the stream refuses for a while).
//   - A lagging replica's older chain republished first does not stay the stream's latest: the
//     replica holding a newer version republishes it after, and a replica that joins later ends
//     with the newer chain, as does the lagging one.
//   - A version of the lost stream that a replica applies after it found the new one (the
//     version waited for the symbol, as on a replica busy preparing chains) does not count as
//     read in the new stream: the replica's own publications still expect the new stream's
//     messages, and are not refused as conflicts until it gives up; and when no other replica
//     holds that version, it is republished.
//   - None of it asks NATS with STREAM.MSG.GET, which crashes nats-server 2.9.10 when it comes
//     while the stream is being made (the subject's last message is read with a direct get).
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { STREAM_NAME, streamConfig, subjectOf } from "../../services/scanner/chain-bus/chain-subjects.js";
import type { StoredChain } from "../../services/scanner/chain-store.js";
import { closeBusReplicas, startBusReplica, updateChain, type BusReplica } from "../support/bus-replicas.js";
import { startCuttableLink, type CuttableLink } from "../support/cuttable-link.js";
import { startNats, stopAllInfraServers, type InfraServer } from "../support/infra-servers.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");

/** A slice of a synthetic chain: one chunk, and what is tested does not depend on the size. */
function chainOf(symbol: string): OptionChain {
  const full = generateSyntheticChain({ symbol, seed: 3, asOf: AS_OF });
  return { ...full, quotes: full.quotes.slice(0, 2000) };
}

const replicas: BusReplica[] = [];
const links: CuttableLink[] = [];
let nats: InfraServer;
let connection: NatsConnection | undefined;
let jsm: JetStreamManager;

/** A replica reaching NATS directly, or through a link the test can cut. */
async function startReplica(link?: CuttableLink): Promise<BusReplica> {
  const replica = await startBusReplica(link ? `nats://127.0.0.1:${link.port}` : nats.url);
  replicas.push(replica);
  return replica;
}

async function startLink(): Promise<CuttableLink> {
  const link = await startCuttableLink(nats.port);
  links.push(link);
  return link;
}

/** A few quotes of the chain, repriced: what a feed's tick merges. */
function tick(chain: OptionChain, step: number): OptionChain {
  const quotes = chain.quotes.slice(step * 7, step * 7 + 5).map((quote) => ({ ...quote, bid: quote.bid + 0.01 * step, ask: quote.ask + 0.01 * step }));
  return { ...chain, quotes };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Holds the replica's updates of the symbol (its own, and those from the bus) until the returned function is called. */
function holdSymbol(replica: BusReplica, symbol: string): () => void {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  void replica.service.scanner.updating.run(symbol, () => held);
  return release;
}

async function counter(replica: BusReplica, name: string): Promise<number> {
  const metric = await replica.service.registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? 0;
}

/**
 * The version of the symbol's last message in the stream when it completes a version. A direct
 * get: a STREAM.MSG.GET while a replica makes the stream crashes nats-server 2.9.10.
 */
async function latestInStream(symbol: string): Promise<string | undefined> {
  const last = await jsm.direct.getMessage(STREAM_NAME, { last_by_subj: subjectOf(symbol) }).catch(() => null);
  const [index, count] = (last?.header.get("Spreadscan-Chunk") ?? "").split("/").map(Number);
  return last && index !== undefined && index + 1 === count ? last.header.get("Spreadscan-Version") : undefined;
}

const held = (replica: BusReplica, symbol: string) => replica.service.store.get(symbol);
const sameChain = (a: StoredChain | undefined, b: StoredChain | undefined) =>
  a !== undefined && b !== undefined && a.version === b.version && Buffer.compare(a.fingerprint, b.fingerprint) === 0;

beforeAll(async () => {
  nats = await startNats();
});

afterEach(async () => {
  // Replicas of a test before would republish too: each test has its own.
  await closeBusReplicas(replicas.splice(0));
});

afterAll(async () => {
  await connection?.close();
  for (const link of links) await link.close();
  await stopAllInfraServers();
});

/**
 * STREAM.MSG.GET requests seen on the server since the last wipe. The bus must send none: a
 * STREAM.MSG.GET that arrives while a replica makes the stream crashes nats-server 2.9.10
 * (Debian's), and after NATS lost its store every replica looks at the stream as it is made.
 */
const messageGets: string[] = [];

/** NATS restarted with an empty store while every replica is cut off from it; the test's own connection to the new server. */
async function wipeWhileCut(cut: readonly CuttableLink[]): Promise<void> {
  for (const link of cut) await link.cut();
  await nats.restart({ emptyStore: true });
  await connection?.close();
  connection = await connect({ servers: nats.url });
  // A direct get of a stream not made yet goes unanswered until this timeout.
  jsm = await jetstreamManager(connection, { timeout: 1000 });
  messageGets.length = 0;
  connection.subscribe("$JS.API.STREAM.MSG.GET.>", { callback: (_error, message) => void messageGets.push(message.subject) });
  await connection.flush();
}

describe("republishing the latest chains after NATS lost its store", () => {
  it("tries a refused republication again, so that a symbol never updated again is not lost with the store", async () => {
    const symbol = "AMZN";
    const [linkA, linkB] = [await startLink(), await startLink()];
    const [a, b] = [await startReplica(linkA), await startReplica(linkB)];
    expect((await updateChain(a, chainOf(symbol), UpdateMode.UPDATE_MODE_REPLACE)).version).toBe(1n);
    await until(() => held(b, symbol)?.version === 1n, "B holds version 1");

    // The new stream refuses every chain for a while (a size limit lifted below): the
    // replicas' republications fail with an error that is not a conflict.
    await wipeWhileCut([linkA, linkB]);
    await jsm.streams.add({ ...streamConfig(), max_msg_size: 512 });
    await linkA.heal();
    await linkB.heal();
    for (const replica of [a, b]) {
      await until(async () => (await counter(replica, "spreadscan_chain_republications_failed_total")) >= 1, "each replica's republication was refused");
    }
    await jsm.streams.update(STREAM_NAME, { ...streamConfig(), max_msg_size: -1 });

    await until(async () => (await latestInStream(symbol)) === "1", "the stream holds the symbol's latest chain again");
    const late = await startReplica();
    await until(() => held(late, symbol)?.version === 1n, "a replica started afterwards holds the symbol");
    expect(sameChain(held(a, symbol), held(late, symbol))).toBe(true);
    expect(messageGets).toEqual([]);
  });

  it("has the replica holding the latest version republish it after a lagging replica's older one, for every replica", async () => {
    const symbol = "MSFT";
    const chain = chainOf(symbol);
    const [linkA, linkB] = [await startLink(), await startLink()];
    const [a, b] = [await startReplica(linkA), await startReplica(linkB)];
    expect((await updateChain(a, chain, UpdateMode.UPDATE_MODE_REPLACE)).version).toBe(1n);
    await until(() => held(b, symbol)?.version === 1n, "B holds version 1");
    // B is cut off while A takes two more versions: B lags at version 1.
    await linkB.cut();
    expect((await updateChain(a, tick(chain, 1), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(2n);
    expect((await updateChain(a, tick(chain, 2), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(3n);

    // NATS loses its store; B comes back first and republishes its version 1, then A comes back.
    await wipeWhileCut([linkA]);
    await linkB.heal();
    await until(async () => (await latestInStream(symbol)) === "1", "B's older version is republished first");
    await linkA.heal();

    const late = await startReplica();
    await until(() => held(late, symbol)?.version === 3n && held(b, symbol)?.version === 3n, "the late replica and B hold A's version 3");
    expect(sameChain(held(a, symbol), held(late, symbol))).toBe(true);
    expect(sameChain(held(a, symbol), held(b, symbol))).toBe(true);
    expect(messageGets).toEqual([]);
  });

  it("does not count a version of the lost stream, applied after the new stream was found, as read in the new one", async () => {
    const symbol = "NVDA";
    const chain = chainOf(symbol);
    const [linkA, linkB] = [await startLink(), await startLink()];
    const [a, b] = [await startReplica(linkA), await startReplica(linkB)];
    // Versions enough that the lost stream's sequences run past the new stream's.
    expect((await updateChain(a, chain, UpdateMode.UPDATE_MODE_REPLACE)).version).toBe(1n);
    for (let step = 1; step <= 10; step++) await updateChain(a, tick(chain, step), UpdateMode.UPDATE_MODE_MERGE);
    await until(() => held(b, symbol)?.version === 11n, "B holds version 11");
    // B takes version 12 from the stream but cannot apply it yet (its symbol is busy).
    const release = holdSymbol(b, symbol);
    const sequenceBefore = await counter(b, "spreadscan_chain_consumer_sequence");
    expect((await updateChain(a, tick(chain, 11), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(12n);
    await until(async () => (await counter(b, "spreadscan_chain_consumer_sequence")) > sequenceBefore, "B took version 12 from the stream");

    await wipeWhileCut([linkA, linkB]);
    await linkA.heal();
    await linkB.heal();
    await until(async () => (await latestInStream(symbol)) === "12", "A's version 12 is republished");
    await until(async () => (await counter(b, "spreadscan_chain_consumer_restarts_total")) >= 2, "B reads the new stream");
    // Version 12 of the lost stream is applied on B now, after B found the new stream.
    release();
    await until(() => held(b, symbol)?.version === 12n, "B holds version 12");

    // An update through B is published on top of the new stream's version 12.
    expect((await updateChain(b, tick(chain, 12), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(13n);
    await until(() => held(a, symbol)?.version === 13n, "A holds B's version 13");
    expect(sameChain(held(a, symbol), held(b, symbol))).toBe(true);
    expect(messageGets).toEqual([]);
  });

  it("republishes a version of the lost stream that a replica applied after it had republished, when no other replica holds it", async () => {
    const symbol = "TSLA";
    const chain = chainOf(symbol);
    const [linkA, linkB] = [await startLink(), await startLink()];
    const [a, b] = [await startReplica(linkA), await startReplica(linkB)];
    expect((await updateChain(a, chain, UpdateMode.UPDATE_MODE_REPLACE)).version).toBe(1n);
    await until(() => held(b, symbol)?.version === 1n, "B holds version 1");
    // B takes version 2 from the stream but cannot apply it yet; A, the only other holder, goes away.
    const release = holdSymbol(b, symbol);
    const sequenceBefore = await counter(b, "spreadscan_chain_consumer_sequence");
    expect((await updateChain(a, tick(chain, 1), UpdateMode.UPDATE_MODE_MERGE)).version).toBe(2n);
    await until(async () => (await counter(b, "spreadscan_chain_consumer_sequence")) > sequenceBefore, "B took version 2 from the stream");
    await closeBusReplicas(replicas.splice(replicas.indexOf(a), 1));

    // NATS loses its store: B republishes the version 1 it holds, then applies version 2.
    await wipeWhileCut([linkB]);
    await linkB.heal();
    await until(async () => (await latestInStream(symbol)) === "1", "B republished version 1");
    release();
    await until(() => held(b, symbol)?.version === 2n, "B holds version 2");

    // Version 2 reaches the new stream, and a replica that joins later.
    await until(async () => (await latestInStream(symbol)) === "2", "the stream holds version 2");
    const late = await startReplica();
    await until(() => held(late, symbol)?.version === 2n, "a replica started afterwards holds version 2");
    expect(sameChain(held(b, symbol), held(late, symbol))).toBe(true);
    expect(messageGets).toEqual([]);
  });
});

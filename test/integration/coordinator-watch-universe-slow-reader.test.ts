// WatchUniverse to a caller that stops reading while its symbols' chains change fast, through
// a real coordinator and scanner, each in its own process: what WatchSpreads promises a slow
// reader (test/faults/stuck-watcher.fault.ts), for a universe. The caller takes the first
// message and pauses its stream; grpc-js then stops reading the HTTP/2 stream once its own
// buffer is full, flow control (a small window, asked for by this client) pushes back to the
// coordinator, and the coordinator's sends wait for drain.
//
// The chains change by the test's hand, not the market's clock (which does not tick here): it
// sends the scanner UpdateChain after UpdateChain, each moving one symbol's underlying price,
// so that every update moves that symbol's top N, and waits for its own WatchSpreads of the
// symbol to see each new version before the next (the pace the scanner evaluates at, whatever
// the host's load). What is counted: the updates the test made (the scanner's chain versions,
// which every message carries in its symbols), and the stream's sequence numbers. A
// coordinator that queued a message per update would send about one per update and the caller
// would read that backlog when it resumes; one that coalesces holds at most what the
// transports hold (the client's buffer, the window, the server stream's buffer), however many
// updates the pause saw, and then sends the newest merged top N.
//
// Resuming is as WatchSpreads has it: neither takes a resume token; a caller whose stream ended
// opens a new one and starts again from a fresh snapshot (sequence 1, initial, every id added).
import { credentials, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoordinatorServiceClient,
  WatchSpreadsRequest,
  WatchUniverseRequest,
  type WatchSpreadsResponse,
  type WatchUniverseResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, UpdateChainRequest, UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { SimulatedMarket } from "../../services/coordinator/market/simulated-market.js";
import { QUERY, startPair, type Pair } from "../support/coordinator-pair.js";
import { callUnary } from "../support/echo-server.js";
import { EventLog } from "../support/event-log.js";
import { mergedByBruteForce } from "../support/universe-merge-reference.js";

const LIMIT = 12;
const PER_SYMBOL = 4;
const UNIVERSE_QUERY = ScanQuery.fromPartial({ ...QUERY, limit: LIMIT, sort: SortKey.SORT_KEY_CREDIT });
const SYMBOL_QUERY = ScanQuery.fromPartial({ ...UNIVERSE_QUERY, limit: PER_SYMBOL });
const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT"];
/**
 * Most messages the transports can hold for a paused caller: grpc-js's client buffer (16
 * messages and one being read), the server stream's buffer (16 and one being written), the
 * HTTP/2 stream's own buffer and this client's 4 KiB window (a few messages of 12 spreads).
 */
const HELD_BOUND = 48;
/** Chain updates while the caller is paused: several times what the transports could hold, so that a queue of one message per update could not hide in them. */
const UPDATES_WHILE_PAUSED = 4 * HELD_BOUND;
/** The paused caller's own connection: a stream window small enough that the coordinator feels the pause at once. */
const SMALL_WINDOW = { "grpc-node.flow_control_window": 4096 };

const idsOf = (spreads: readonly Spread[]): string[] => spreads.map((spread) => spread.id);
const versionsOf = (message: WatchUniverseResponse): bigint[] => message.symbols.map((symbol) => symbol.result?.chainVersion ?? -1n);
const sum = (values: readonly bigint[]): bigint => values.reduce((total, value) => total + value, 0n);

/** The test's own watch of each symbol, with the same per-symbol query: its top N by chain version, and its newest version. */
class OwnWatches {
  readonly topByVersion = SYMBOLS.map(() => new Map<bigint, Spread[]>());
  readonly latest = SYMBOLS.map(() => -1n);
  private readonly calls: ClientReadableStream<WatchSpreadsResponse>[];
  private readonly waiting = new Set<() => void>();

  constructor(client: CoordinatorServiceClient) {
    this.calls = SYMBOLS.map((symbol, index) => {
      const call = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol, query: SYMBOL_QUERY, minIntervalMs: 1 }));
      call.on("data", (message: WatchSpreadsResponse) => {
        const result = message.update?.result;
        if (!result) return;
        this.topByVersion[index]!.set(result.chainVersion, result.spreads);
        if (result.chainVersion > this.latest[index]!) this.latest[index] = result.chainVersion;
        for (const wake of this.waiting) wake();
      });
      call.on("error", () => undefined);
      return call;
    });
  }

  /** Resolves once `seen` holds, checked after each message of the watches. */
  async until(seen: () => boolean): Promise<void> {
    while (!seen()) await new Promise<void>((resolve) => this.waiting.add(resolve)).finally(() => this.waiting.clear());
  }

  /** The merge of the symbols' own top Ns at these chain versions, when each was seen. */
  mergeAt(versions: readonly bigint[]): Spread[] | undefined {
    const lists = versions.map((version, index) => this.topByVersion[index]!.get(version));
    if (lists.some((list) => list === undefined)) return undefined;
    return mergedByBruteForce(lists as Spread[][], SortKey.SORT_KEY_CREDIT, LIMIT, PER_SYMBOL);
  }

  cancel(): void {
    for (const call of this.calls) call.cancel();
  }
}

/** Moves each symbol's stored chain on by the test's hand: its chain-level fields with the underlying price nudged, merged into what the scanner holds. */
class ChainMover {
  private readonly scanner: ScannerServiceClient;
  private readonly chains: OptionChain[] = [];
  private moves = 0;

  constructor(scannerPort: number) {
    this.scanner = new ScannerServiceClient(`127.0.0.1:${scannerPort}`, credentials.createInsecure());
  }

  async load(): Promise<void> {
    const market = new SimulatedMarket({ seed: 1, tickIntervalMs: 3_600_000 });
    for (const symbol of SYMBOLS) this.chains.push(await market.fetchChain({ symbol }));
    await market.close();
  }

  /** One update of symbol `index`: its new version, as the scanner numbers it. */
  async move(index: number): Promise<bigint> {
    const chain = this.chains[index]!;
    this.moves++;
    // Up and down by a cent or so: every move changes the spreads' figures, none walks the chain away.
    const underlyingPrice = chain.underlyingPrice * (1 + (this.moves % 2 === 0 ? 1 : -1) * 0.00005 * (1 + (this.moves % 7)));
    const { response, error } = await callUnary(this.scanner.updateChain.bind(this.scanner), {
      chain: { ...chain, underlyingPrice, quotes: [] },
      mode: UpdateMode.UPDATE_MODE_MERGE,
    } satisfies UpdateChainRequest);
    if (error || !response?.changed) throw new Error(`UpdateChain of ${chain.symbol} failed: ${error?.message ?? "nothing changed"}`);
    return response.version;
  }

  close(): void {
    this.scanner.close();
  }
}

type StreamEvent = { readonly message: WatchUniverseResponse } | { readonly end: ServiceError | undefined };

async function nextMessage(events: EventLog<StreamEvent>): Promise<WatchUniverseResponse> {
  const event = await events.next();
  if ("end" in event) throw new Error(`the stream ended: ${event.end?.code} ${event.end?.details}`);
  return event.message;
}

/** Every message consistent with the one before it: the next sequence, and the ids added and removed against it. */
function expectFollows(message: WatchUniverseResponse, previous: WatchUniverseResponse | undefined): void {
  expect(message.sequence).toBe((previous?.sequence ?? 0n) + 1n);
  expect(message.initial).toBe(previous === undefined);
  const ids = idsOf(message.spreads);
  const before = previous ? idsOf(previous.spreads) : [];
  expect(message.addedIds).toEqual(ids.filter((id) => !before.includes(id)));
  expect(message.removedIds).toEqual(before.filter((id) => !ids.includes(id)));
}

describe("WatchUniverse to a caller that stops reading while the chains change", () => {
  let pair: Pair;
  let paused: CoordinatorServiceClient;
  let mover: ChainMover;
  beforeAll(async () => {
    // The market does not tick: every change is one the test makes.
    pair = await startPair({ SIMULATED_TICK_INTERVAL: "3600" });
    const address = pair.client.getChannel().getTarget().replace(/^dns:/, "");
    paused = new CoordinatorServiceClient(address, credentials.createInsecure(), SMALL_WINDOW);
    mover = new ChainMover(pair.scannerPort);
    await mover.load();
  });
  afterAll(() => {
    mover.close();
    paused.close();
    pair.close();
  });

  it("holds no backlog: the messages of the pause are bounded, far fewer than its updates, without gaps, then the newest merged top N", async () => {
    const own = new OwnWatches(pair.client);
    await own.until(() => own.latest.every((version) => version >= 0n));

    const call = paused.watchUniverse(
      WatchUniverseRequest.fromPartial({ symbols: SYMBOLS, query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL, minIntervalMs: 1 }),
    );
    const events = new EventLog<StreamEvent>();
    // It takes the first message, then reads nothing: a stream never read at all would be
    // buffered by grpc-js without bound, the client's memory, not a paused reader.
    call.once("data", () => call.pause());
    call.on("data", (message: WatchUniverseResponse) => events.push({ message }));
    call.on("error", (error: ServiceError) => events.push({ end: error }));
    call.on("end", () => events.push({ end: undefined }));
    const first = await nextMessage(events);
    expectFollows(first, undefined);
    const pausedAt = versionsOf(first);

    // The symbols in turn, each update seen by the test's own watch of it before the next.
    const finalVersions = [...pausedAt];
    for (let update = 0; update < UPDATES_WHILE_PAUSED; update++) {
      const index = update % SYMBOLS.length;
      const version = await mover.move(index);
      finalVersions[index] = version;
      await own.until(() => own.latest[index]! >= version);
    }
    call.resume();

    // What the transports held from the pause, then the message made from the final chains.
    const held: WatchUniverseResponse[] = [];
    let fresh: WatchUniverseResponse | undefined;
    while (fresh === undefined) {
      const message = await nextMessage(events);
      expectFollows(message, held.at(-1) ?? first);
      if (versionsOf(message).every((version, index) => version === finalVersions[index])) fresh = message;
      else held.push(message);
    }
    // The updates the pause saw, as the scanner counted them.
    expect(sum(finalVersions) - sum(pausedAt)).toBe(BigInt(UPDATES_WHILE_PAUSED));
    // Messages sent while the caller read nothing, by the sequence numbers they took: bounded, whatever the updates.
    expect(held.length).toBeLessThanOrEqual(HELD_BOUND);
    // Latest wins: the message after the held ones jumps over the updates the caller was never sent.
    const lastHeld = held.at(-1) ?? first;
    expect(sum(versionsOf(fresh)) - sum(versionsOf(lastHeld))).toBeGreaterThan(BigInt(HELD_BOUND));
    // And it is the newest merged top N: the merge of each symbol's own top N at the final chains.
    expect(fresh.spreads).toEqual(own.mergeAt(finalVersions));
    expect(fresh.spreads).toHaveLength(LIMIT);

    call.cancel();
    own.cancel();
  }, 120_000);

  it("starts a reconnecting caller again from a fresh snapshot, as WatchSpreads does", async () => {
    const request = WatchUniverseRequest.fromPartial({ symbols: SYMBOLS, query: UNIVERSE_QUERY, perSymbolLimit: PER_SYMBOL, minIntervalMs: 1 });
    for (let stream = 0; stream < 2; stream++) {
      const call = pair.client.watchUniverse(request);
      const events = new EventLog<StreamEvent>();
      call.on("data", (message: WatchUniverseResponse) => events.push({ message }));
      call.on("error", (error: ServiceError) => events.push({ end: error }));
      const snapshot = await nextMessage(events);
      expectFollows(snapshot, undefined);
      expect(snapshot.spreads).toHaveLength(LIMIT);
      await mover.move(stream);
      expectFollows(await nextMessage(events), snapshot);
      call.cancel();
      let event = await events.next();
      while (!("end" in event)) event = await events.next();
      expect(event.end?.code).toBe(status.CANCELLED);
    }
  });
});

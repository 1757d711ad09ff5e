// One coordinator watcher that reads nothing for 60 s beside 100 that read: the stuck one
// must cost the others neither delivery latency nor updates, and the coordinator no more
// than a bounded amount of memory (flow control holds its backlog, the scanner coalesces).
//
// The measure of delivery is each message's latency from its chain's as-of instant to its
// arrival here. The simulated market stamps a chain's as-of on its own clock, the host's,
// which this process shares, so the latency covers everything between a tick and the
// watcher: the coordinator's push to the scanner, the scanner's evaluation and fan-out, the
// relay. Inter-arrival regularity alone would miss a delay that holds every message back by
// the same amount; it is reported beside it. The as-of instants lie on the market's step grid,
// and the feed's timer aims at each grid point (an interval would drift by every late firing,
// and a run measured later would seem slower by the drift: 5 to 45 ms over this suite, seen
// before the timer was fixed). What is left is a constant offset plus the service's own time,
// so the run without the stuck watcher and the run with it are taken from one feed, one after
// the other, and compared on the latency above the floor the first run sets (its minimum).
//
// The stuck watcher's backlog is measured by what the services held for it, not by its own
// buffer (grpc-js keeps 16 messages there whatever the server does): after the 60 s it reads
// again, and every message that then arrives with a chain older than a second was held
// somewhere on its way (the coordinator's stream and relay, the scanner's watch, the
// transports between them). Less the 16 of its own buffer, that is what the services held.
// Flow control bounds it, whatever the time stuck; a service that wrote past it (not waiting
// for drain) or queued updates instead of coalescing them would hold one per update.
//
// Bounds marked "from spread" are derived from recorded runs (support/spread.ts:
// max + range of test/faults/spread/stuck-watcher.json).
import { credentials, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { percentile, round } from "./support/call-recorder.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { criterion, mebibytes, recordResult, statusName } from "./support/fault-report.js";
import { CREDIT_QUERY } from "./support/queries.js";
import { forceGc, INSPECT_ARGUMENTS } from "./support/force-gc.js";
import {
  CLIENT_CHANNEL_OPTIONS,
  killAll,
  prometheusValue,
  residentMemoryBytes,
  sleep,
  startCoordinator,
  startScanner,
  type RunningService,
} from "./support/services.js";
import { saneBand, slack, upperBound } from "./support/spread.js";

const SUITE = "stuck-watcher";
const READERS = 100;
const CHANNELS = 10;
const SYMBOL = "AAPL";
const TICK_MS = 500;
const BASELINE_MS = 30_000;
const SETTLE_MS = 5000;
const STUCK_MS = 60_000;
/** A baseline needs at least one delivery per reader per second (half the ticks) to be a baseline. */
const MIN_BASELINE_SAMPLES = (READERS * BASELINE_MS) / 1000;
/** Messages that reach the stuck watcher once it reads again with a chain older than this were held for it. */
const FRESH_MS = 1000;
// From spread (max + range of the recorded runs; support/spread.ts):
/** Coordinator RSS growth over the stuck minute (after forced GCs), MB. */
const MEMORY_BOUND = upperBound(SUITE, "rssGrowthMb", { unit: " MB" });
/** Absolute slack of the 2× latency criteria: the excess over 2× the baseline seen, ms (none when it never went above). */
const P50_SLACK = slack(SUITE, "p50ExcessMs", { unit: " ms" });
const P99_SLACK = slack(SUITE, "p99ExcessMs", { unit: " ms" });
/** Where a baseline's p50 and p99 (above the floor) must lie to be one. */
const BASE_P50_BAND = saneBand(SUITE, "baseP50Ms", { unit: " ms" });
const BASE_P99_BAND = saneBand(SUITE, "baseP99Ms", { unit: " ms" });
/** Messages the services held for the stuck watcher: their transports' and streams' buffers, from spread. */
const HELD_BOUND = upperBound(SUITE, "heldByServices");

afterAll(killAll);

interface Reader {
  readonly call: ClientReadableStream<WatchSpreadsResponse>;
  readonly sequences: bigint[];
  /** Arrival minus chain as-of, ms, with the arrival instant and the as-of (epoch ms). */
  readonly deliveries: { readonly arrivedAt: number; readonly asOf: number; readonly latencyMs: number }[];
  ended: status | undefined;
}

function read(client: CoordinatorServiceClient): Reader {
  const call = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: SYMBOL, query: CREDIT_QUERY, minIntervalMs: 1 }));
  const reader: Reader = { call, sequences: [], deliveries: [], ended: undefined };
  call.on("data", (message: WatchSpreadsResponse) => {
    const arrivedAt = Date.now();
    reader.sequences.push(message.update?.sequence ?? 0n);
    const asOf = message.update?.result?.chainAsOf?.getTime();
    if (asOf !== undefined && !message.update?.initial) reader.deliveries.push({ arrivedAt, asOf, latencyMs: arrivedAt - asOf });
  });
  call.on("error", (error: ServiceError) => (reader.ended = error.code));
  call.on("end", () => (reader.ended ??= status.OK));
  return reader;
}

function lost(sequences: readonly bigint[]): number {
  let missing = 0;
  sequences.forEach((sequence, index) => {
    if (sequence !== BigInt(index + 1)) missing++;
  });
  return missing;
}

/** Each reader's gaps between messages, ms: how regular delivery is. */
function interArrivals(readers: readonly Reader[], from: number, to: number): number[] {
  return readers.flatMap((reader) => {
    const arrivals = reader.deliveries.filter((delivery) => delivery.arrivedAt >= from && delivery.arrivedAt < to).map((delivery) => delivery.arrivedAt);
    return arrivals.slice(1).map((arrival, index) => arrival - (arrivals[index] ?? arrival));
  });
}

/**
 * Memory the coordinator holds, after a forced full GC: a single reading of a process that
 * reprices a chain every tick swings by a hundred MB with where its collector happens to be.
 * Taken outside the latency windows, so that the pause is not measured as delivery.
 */
async function settledMemory(service: RunningService): Promise<{ rss: number; heap: number }> {
  await forceGc(service.process);
  await sleep(300);
  await forceGc(service.process);
  return { rss: await residentMemoryBytes(service.adminPort), heap: await prometheusValue(service.adminPort, "nodejs_heap_size_used_bytes") };
}

const latenciesBetween = (readers: readonly Reader[], from: number, to: number): number[] =>
  readers.flatMap((reader) =>
    reader.deliveries.filter((delivery) => delivery.arrivedAt >= from && delivery.arrivedAt < to).map((delivery) => delivery.latencyMs),
  );

describe("a watcher that reads nothing for 60 s beside 100 that read", () => {
  it("costs the others no latency and no updates, and the coordinator less than 50 MB", async () => {
    const began = performance.now();
    const scanner = await startScanner();
    const coordinator = await startCoordinator(scanner.address, { SIMULATED_TICK_INTERVAL: String(TICK_MS / 1000) }, 0, INSPECT_ARGUMENTS);
    // The readers come from a few connections, as a few client processes would; the stuck one has its own.
    const channels = Array.from(
      { length: CHANNELS },
      () => new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS),
    );
    const stuckChannel = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    const readers: Reader[] = [];
    let stuck: ClientReadableStream<WatchSpreadsResponse> | undefined;
    try {
      for (let index = 0; index < READERS; index++) readers.push(read(channels[index % CHANNELS]!));
      const warm = Date.now() + 20_000;
      while (readers.some((reader) => reader.deliveries.length < 3) && Date.now() < warm) await sleep(100);
      expect(readers.every((reader) => reader.deliveries.length >= 3)).toBe(true);
      // The first seconds of 100 new watches are their start, not the steady state.
      await sleep(SETTLE_MS);
      const memoryAtStart = await settledMemory(coordinator);
      await sleep(1000);

      const baselineFrom = Date.now();
      await sleep(BASELINE_MS);
      const baselineTo = Date.now();
      const memoryBefore = await settledMemory(coordinator);
      const scannerMemoryBefore = await residentMemoryBytes(scanner.adminPort);
      const coalescedBefore = await prometheusValue(scanner.adminPort, "spreadscan_updates_coalesced_total");

      // Stuck: a watcher that takes its first message and then nothing. It must take one:
      // grpc-js reads (and buffers without bound) a stream nobody ever started reading, and
      // that would be the client's memory, not a stuck reader. Once one message is taken and
      // the stream paused, grpc-js stops reading the HTTP/2 stream when its buffer is full,
      // and flow control pushes back to the coordinator, and from there to the scanner.
      const stuckCall = stuckChannel.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: SYMBOL, query: CREDIT_QUERY, minIntervalMs: 1 }));
      stuck = stuckCall;
      let stuckFirstMessage: WatchSpreadsResponse | undefined;
      stuckCall.once("data", (message: WatchSpreadsResponse) => {
        stuckFirstMessage = message;
        stuckCall.pause();
      });
      let stuckEnded: status | undefined;
      stuckCall.on("error", (error: ServiceError) => (stuckEnded = error.code));
      const stuckFrom = Date.now();
      await sleep(STUCK_MS);
      const stuckTo = Date.now();
      const memoryAfter = await settledMemory(coordinator);
      const scannerMemoryAfter = await residentMemoryBytes(scanner.adminPort);
      const coalescedAfter = await prometheusValue(scanner.adminPort, "spreadscan_updates_coalesced_total");
      const scannerWatchers = await prometheusValue(scanner.adminPort, "spreadscan_active_watchers");
      // What the stuck watcher had buffered, unread, when it reads again; then everything the
      // services held for it, and the first fresh message after that.
      const stuckBuffered = stuckCall.readableLength;
      const resumedAt = Date.now();
      const afterResume: { sequence: bigint; asOf: number; arrivedAt: number }[] = [];
      stuckCall.on("data", (message: WatchSpreadsResponse) =>
        afterResume.push({ sequence: message.update?.sequence ?? 0n, asOf: message.update?.result?.chainAsOf?.getTime() ?? Number.NaN, arrivedAt: Date.now() }),
      );
      stuckCall.resume();
      const drained = Date.now() + 10_000;
      while (!afterResume.some((message) => message.asOf >= resumedAt - FRESH_MS) && Date.now() < drained) await sleep(100);
      const held = afterResume.filter((message) => message.asOf < resumedAt - FRESH_MS);
      const firstFresh = afterResume.find((message) => message.asOf >= resumedAt - FRESH_MS);
      const heldByServices = held.length - stuckBuffered;
      // The updates the stuck watcher would have had: the readers' chains after its first one, up to its last second.
      const stuckFirstAsOf = stuckFirstMessage?.update?.result?.chainAsOf?.getTime() ?? Number.NaN;
      const updatesWhileStuck = new Set(
        readers[0]!.deliveries.filter((delivery) => delivery.asOf > stuckFirstAsOf && delivery.asOf < resumedAt - FRESH_MS).map((delivery) => delivery.asOf),
      ).size;
      const stuckSequencesInOrder = afterResume.every((message, index) => message.sequence === BigInt(index + 2));

      const baseline = latenciesBetween(readers, baselineFrom, baselineTo);
      // The first seconds after the stuck watcher joins are its start, not its being stuck.
      const withStuck = latenciesBetween(readers, stuckFrom + 2000, stuckTo);
      const floor = Math.min(...baseline);
      const above = (values: readonly number[]): number[] => values.map((value) => value - floor);
      const baseP50 = percentile(above(baseline), 0.5);
      const baseP99 = percentile(above(baseline), 0.99);
      const stuckP50 = percentile(above(withStuck), 0.5);
      const stuckP99 = percentile(above(withStuck), 0.99);
      const rawBaseP99 = percentile(baseline, 0.99);
      const rawStuckP99 = percentile(withStuck, 0.99);
      const gapsBase = interArrivals(readers, baselineFrom, baselineTo);
      const gapsStuck = interArrivals(readers, stuckFrom + 2000, stuckTo);
      const lostUpdates = readers.reduce((sum, reader) => sum + lost(reader.sequences), 0);
      const growthMb = mebibytes(memoryAfter.rss - memoryBefore.rss);
      const messagesPerReader = readers.map((reader) => reader.sequences.length);
      const baselineSane = (value: number, band: typeof BASE_P50_BAND): boolean => baseline.length >= MIN_BASELINE_SAMPLES && band.contains(value);

      const criteria = [
        criterion(
          "every reader stays connected",
          `${readers.filter((reader) => reader.ended === undefined).length} of ${READERS}`,
          readers.every((reader) => reader.ended === undefined),
        ),
        criterion(
          "the stuck watcher is held open, not dropped",
          stuckEnded === undefined ? "open" : `ended ${statusName(stuckEnded)}`,
          stuckEnded === undefined,
        ),
        criterion(
          "readers keep getting updates with the stuck watcher (≥ 1 every 2 ticks)",
          `min ${Math.min(...readers.map((reader) => reader.deliveries.filter((delivery) => delivery.arrivedAt >= stuckFrom).length))} in ${STUCK_MS / 1000} s`,
          readers.every((reader) => reader.deliveries.filter((delivery) => delivery.arrivedAt >= stuckFrom).length >= STUCK_MS / (2 * TICK_MS)),
        ),
        criterion(
          `p50 delivery latency (above the floor) with the stuck watcher ≤ 2× without it, ${P50_SLACK.text}; the baseline sane (≥ ${MIN_BASELINE_SAMPLES} deliveries, p50 within ${BASE_P50_BAND.text})`,
          `${round(stuckP50)} ms vs ${round(baseP50)} ms (${baseline.length} deliveries)`,
          baselineSane(baseP50, BASE_P50_BAND) && stuckP50 <= 2 * baseP50 + P50_SLACK.value,
        ),
        criterion(
          `p99 delivery latency (above the floor) with the stuck watcher ≤ 2× without it, ${P99_SLACK.text}; the baseline sane (≥ ${MIN_BASELINE_SAMPLES} deliveries, p99 within ${BASE_P99_BAND.text})`,
          `${round(stuckP99)} ms vs ${round(baseP99)} ms (${baseline.length} deliveries)`,
          baselineSane(baseP99, BASE_P99_BAND) && stuckP99 <= 2 * baseP99 + P99_SLACK.value,
        ),
        criterion(
          `the stuck watcher's backlog is bounded: the services hold at most ${HELD_BOUND.text} messages for it, far fewer than its updates, and coalesce the rest: once it reads again, the held ones, then the latest update`,
          `held ${heldByServices} (${held.length} older than ${FRESH_MS / 1000} s reached it, ${stuckBuffered} of them from its own buffer) of ${updatesWhileStuck} updates; then a fresh one: ${firstFresh ? `${round((firstFresh.arrivedAt - firstFresh.asOf) / 1000, 2)} s old` : "none"}; sequence numbers in order: ${stuckSequencesInOrder}`,
          heldByServices <= HELD_BOUND.value && updatesWhileStuck - stuckBuffered > HELD_BOUND.value && firstFresh !== undefined && stuckSequencesInOrder,
        ),
        criterion(
          `coordinator RSS (after a forced GC) grows < ${MEMORY_BOUND.text} over the ${STUCK_MS / 1000} s`,
          `${growthMb} MB`,
          growthMb < MEMORY_BOUND.value,
        ),
        criterion("no reader loses an update (sequence gaps)", `${lostUpdates}`, lostUpdates === 0),
      ];
      recordResult({
        name: "stuck-watcher",
        title: "3. A stuck watcher beside 100 readers",
        load: `${READERS} coordinator WatchSpreads readers of ${SYMBOL} (over ${CHANNELS} connections), ticks every ${TICK_MS / 1000} s; ${BASELINE_MS / 1000} s without, then ${STUCK_MS / 1000} s with the stuck watcher`,
        faults: `one more watcher, on its own connection, that takes its first message and then reads nothing for ${STUCK_MS / 1000} s (stream paused), then reads again`,
        calls: READERS + 1,
        byStatus: { "open streams (no status)": READERS + (stuckEnded === undefined ? 1 : 0) },
        hungCalls: 0,
        lostWatcherUpdates: lostUpdates,
        memory: [
          {
            process: "coordinator",
            beforeMb: mebibytes(memoryBefore.rss),
            afterMb: mebibytes(memoryAfter.rss),
            note: "after a forced GC, at the end of the run without and of the run with the stuck watcher",
          },
          { process: "scanner", beforeMb: mebibytes(scannerMemoryBefore), afterMb: mebibytes(scannerMemoryAfter) },
        ],
        criteria,
        figures: {
          "coordinator RSS after forced GC: start, end without, end with the stuck watcher (MB)": `${mebibytes(memoryAtStart.rss)}, ${mebibytes(memoryBefore.rss)}, ${mebibytes(memoryAfter.rss)}`,
          "coordinator live heap at the same points (MB)": `${mebibytes(memoryAtStart.heap)}, ${mebibytes(memoryBefore.heap)}, ${mebibytes(memoryAfter.heap)}`,
          "messages per reader, min / max": `${Math.min(...messagesPerReader)} / ${Math.max(...messagesPerReader)}`,
          "latency floor: min arrival − as-of without the stuck watcher (ms)": round(floor),
          "latency above the floor without, p50 / p99 (ms)": `${round(baseP50)} / ${round(baseP99)}`,
          "latency above the floor with, p50 / p99 (ms)": `${round(stuckP50)} / ${round(stuckP99)}`,
          "raw arrival − as-of p99, without / with (ms)": `${round(rawBaseP99)} / ${round(rawStuckP99)}`,
          "inter-arrival p50 / p99, without (ms)": `${round(percentile(gapsBase, 0.5))} / ${round(percentile(gapsBase, 0.99))}`,
          "inter-arrival p50 / p99, with (ms)": `${round(percentile(gapsStuck, 0.5))} / ${round(percentile(gapsStuck, 0.99))}`,
          "scanner updates coalesced during the stuck run": coalescedAfter - coalescedBefore,
          "scanner watches open at the end (readers + stuck)": scannerWatchers,
          "stuck watcher, once it read again: older than 1 s (its own buffer / held by the services) / updates while stuck": `${held.length} (${stuckBuffered} / ${heldByServices}) / ${updatesWhileStuck}`,
        },
        measurements: {
          baseP50Ms: round(baseP50),
          baseP99Ms: round(baseP99),
          p50ExcessMs: round(stuckP50 - 2 * baseP50),
          p99ExcessMs: round(stuckP99 - 2 * baseP99),
          baselineDeliveries: baseline.length,
          floorMs: round(floor),
          rssGrowthMb: growthMb,
          heldByServices,
          updatesWhileStuck,
          coalesced: coalescedAfter - coalescedBefore,
        },
        durationSeconds: round((performance.now() - began) / 1000),
      });
      assertCriteria(criteria);
    } finally {
      stuck?.cancel();
      for (const reader of readers) reader.call.cancel();
      for (const channel of [...channels, stuckChannel]) channel.close();
    }
  });
});

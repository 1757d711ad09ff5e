// Predictive invalidation end to end: a coordinator running a live feed of SPY (a watcher keeps
// it open; the simulated market ticks every 2 s, each tick a new as-of) drops a cached SPY
// result as soon as a tick moves what it depends on (the clock, at least), instead of serving it
// for its 60 s TTL, and recomputes it at once because a caller had been asking for it: the next
// answer names a newer chain, from another job.
import { credentials, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoordinatorServiceClient,
  ScanRequest,
  WatchSpreadsRequest,
  type ScanResponse,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { callUnary } from "../support/echo-server.js";
import { startInProcessScanner, type InProcessScanner } from "../support/in-process-scanner.js";
import { scrapeSum } from "../support/prometheus-samples.js";

let scanner: InProcessScanner;
let coordinator: InProcessCoordinator;
let client: CoordinatorServiceClient;
let watch: ClientReadableStream<WatchSpreadsResponse> | undefined;

const WATCHED = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 7, maxDte: 30, maxWidth: 5 }, limit: 3 });
const CACHED = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BEAR_CALL], filters: { minDte: 7, maxDte: 30, maxWidth: 5 }, limit: 4 });

async function scan(): Promise<ScanResponse> {
  const outcome = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: CACHED }), { deadlineMs: 20_000 });
  if (outcome.error || !outcome.response) throw outcome.error ?? new Error("no response");
  return outcome.response;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const counter = (metric: string, labels: Record<string, string> = {}): Promise<number> => scrapeSum(coordinator.adminPort, metric, labels);

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 400; tries++) {
    if (await condition()) return;
    await sleep(25);
  }
  throw new Error(`never: ${what}`);
}

beforeAll(async () => {
  scanner = await startInProcessScanner();
  coordinator = await startInProcessCoordinator({
    SCANNER_ADDR: `127.0.0.1:${scanner.port}`,
    SCAN_CACHE_TTL: "60",
    SIMULATED_TICK_INTERVAL: "2",
    REQUESTS_PER_SECOND: "1000",
    BURST_SIZE: "1000",
  });
  client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  watch?.cancel();
  client.close();
  await coordinator.close();
  await scanner.close();
});

describe("predictive invalidation on a live feed", () => {
  it("drops a cached result when a tick moves its reach, long before its TTL, and recomputes it for its callers", async () => {
    const stream = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "SPY", query: WATCHED }));
    watch = stream;
    stream.on("error", () => undefined);
    await new Promise<void>((resolve) => stream.once("data", () => resolve()));

    // A result computed while the feed runs, then asked for again (a hit: its callers want it).
    let first = await scan();
    let again = await scan();
    while (!again.cacheHit || again.jobId !== first.jobId) {
      first = again;
      again = await scan();
    }
    const invalidationsBefore = await counter("spreadscan_scan_cache_early_invalidations_total");
    const firstAsOf = first.result!.chainAsOf!.getTime();

    // The next tick drops it (its as-of, at least, moved) and has it recomputed.
    await until(async () => (await counter("spreadscan_scan_cache_early_invalidations_total")) > invalidationsBefore, "an early invalidation");
    await until(async () => (await counter("spreadscan_scan_cache_refreshes_total", { outcome: "computed" })) >= 1, "a refresh computed");
    const later = await scan();
    expect(later.jobId).not.toBe(first.jobId);
    expect(later.result!.chainAsOf!.getTime()).toBeGreaterThan(firstAsOf);
    expect(await counter("spreadscan_scan_cache_kept_on_update_total")).toBe(0);
  }, 30_000);
});

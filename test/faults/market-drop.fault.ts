// Market data drops out under a light load of scans and live watchers: scans that need the
// market fail fast with UNAVAILABLE (or, where STALE_RESULT_MAX_AGE allows, are answered
// with the last result, marked stale), watches stay open, and everything recovers by itself
// when the market is back. The simulated market's fault switch exists only in-process, so
// the coordinator here is assembled in this process from main.ts's classes; the scanner is
// its own process.
import { credentials, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CoordinatorServiceClient,
  ScanRequest,
  WatchSpreadsRequest,
  type ScanResponse,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { startClosedLoopLoad, type ClosedLoopLoad } from "./support/closed-loop-load.js";
import { CallRecorder, countByStatus, percentile, round, type CallOutcome } from "./support/call-recorder.js";
import { criterion, failuresText, mebibytes, recordResult, statusName, type Criterion } from "./support/fault-report.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "./support/in-process-coordinator.js";
import { CREDIT_QUERY } from "./support/queries.js";
import { CLIENT_CHANNEL_OPTIONS, killAll, residentMemoryBytes, sleep, startScanner, type RunningService } from "./support/services.js";

const DEADLINE_MS = 5000;
const OUTAGE_MS = 5000;
const CLIENTS = 5;
const THINK_MS = 200;
const WATCHERS = 5;
// Scans of these symbols make the load: small chains, so the load is light.
const LOAD_SYMBOLS = ["IWM", "AAPL", "MSFT", "TSLA", "AMZN"] as const;
const FAIL_FAST_MS = 500;
const RECOVERY_BOUND_MS = 2000;

let scanner: RunningService;
const recorder = new CallRecorder();
const criteria: Criterion[] = [];
const figures: Record<string, string | number> = {};
const memory: { process: string; beforeMb: number; afterMb: number; note?: string }[] = [];
let lostWatcherUpdates = 0;
const began = performance.now();

beforeAll(async () => {
  scanner = await startScanner();
});
afterAll(() => {
  killAll();
});

interface Watcher {
  readonly call: ClientReadableStream<WatchSpreadsResponse>;
  /** Sequence numbers of the updates that brought a new top N. */
  readonly sequences: bigint[];
  readonly arrivals: number[];
  /** Sequence numbers of every message, the repeats that carry a market data status included: the stream's numbering. */
  readonly numbered: bigint[];
  ended: { code: status } | undefined;
}

function watch(client: CoordinatorServiceClient, symbol: string): Watcher {
  const call = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol, query: CREDIT_QUERY, minIntervalMs: 1 }));
  const watcher: Watcher = { call, sequences: [], arrivals: [], numbered: [], ended: undefined };
  call.on("data", (message: WatchSpreadsResponse) => {
    if (!message.update) return;
    watcher.numbered.push(message.update.sequence);
    // A market data status (the feed went down or came back) comes on a repeat of the top N: numbered, but no news.
    if (message.status && !message.update.initial) return;
    watcher.sequences.push(message.update.sequence);
    watcher.arrivals.push(performance.now());
  });
  call.on("error", (error: ServiceError) => (watcher.ended = { code: error.code }));
  call.on("end", () => (watcher.ended ??= { code: status.OK }));
  return watcher;
}

/** Sequence numbers missing from 1..last: updates a watcher never saw. */
function gaps(sequences: readonly bigint[]): number {
  let missing = 0;
  sequences.forEach((sequence, index) => {
    const expected = BigInt(index + 1);
    if (sequence !== expected) missing += Number(sequence - expected > 0n ? sequence - expected : 1n);
  });
  return missing;
}

async function readyz(adminPort: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status;
}

/** CLIENTS scanning in a closed loop until stopped; each outcome tagged with the market's state when it ended. */
function runLoad(
  client: CoordinatorServiceClient,
  isDown: () => boolean,
): ClosedLoopLoad & { outcomes: { outcome: CallOutcome<ScanResponse>; down: boolean }[] } {
  const outcomes: { outcome: CallOutcome<ScanResponse>; down: boolean }[] = [];
  const load = startClosedLoopLoad(CLIENTS, THINK_MS, async (index) => {
    const request = ScanRequest.fromPartial({ symbol: LOAD_SYMBOLS[index % LOAD_SYMBOLS.length], query: CREDIT_QUERY, bypassCache: true });
    const outcome = await recorder.unary(client.scan.bind(client), request, DEADLINE_MS);
    outcomes.push({ outcome, down: isDown() });
  });
  return { stop: () => load.stop(), outcomes };
}

describe("market data drops out", () => {
  it("fails scans fast with UNAVAILABLE while it is down (STALE_RESULT_MAX_AGE=0), keeps watches open, and recovers by itself", async () => {
    const coordinator: InProcessCoordinator = await startInProcessCoordinator({
      SCANNER_ADDR: scanner.address,
      SIMULATED_TICK_INTERVAL: "0.5",
      STALE_RESULT_MAX_AGE: "0",
      REQUESTS_PER_SECOND: "1000",
      BURST_SIZE: "1000",
      LOG_LEVEL: "info",
    });
    const client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    const watchers: Watcher[] = [];
    try {
      for (const symbol of LOAD_SYMBOLS)
        expect((await recorder.unary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query: CREDIT_QUERY }), DEADLINE_MS)).code).toBe(status.OK);
      for (let index = 0; index < WATCHERS; index++) watchers.push(watch(client, "IWM"));
      const watchDeadline = Date.now() + 15_000;
      while (watchers.some((watcher) => watcher.sequences.length < 2) && Date.now() < watchDeadline) await sleep(100);
      const memoryBefore = await residentMemoryBytes(coordinator.adminPort);

      let down = false;
      const load = runLoad(client, () => down);
      await sleep(3000);

      coordinator.market.setAvailable(false);
      down = true;
      const droppedAt = performance.now();
      await sleep(300);
      const readyWhileDown = await readyz(coordinator.adminPort);
      const watchMessagesAtDrop = watchers.map((watcher) => watcher.sequences.length);
      await sleep(OUTAGE_MS - 300);
      const watchMessagesDuringOutage = watchers.reduce((sum, watcher, index) => sum + watcher.sequences.length - (watchMessagesAtDrop[index] ?? 0), 0);

      coordinator.market.setAvailable(true);
      down = false;
      const restoredAt = performance.now();
      const watchMessagesAtRestore = watchers.map((watcher) => watcher.sequences.length);
      await sleep(4000);
      await load.stop();
      const readyAfter = await readyz(coordinator.adminPort);
      const memoryAfter = await residentMemoryBytes(coordinator.adminPort);

      const duringOutage = load.outcomes
        .filter(({ outcome }) => outcome.startedAt > droppedAt + 100 && outcome.endedAt < restoredAt)
        .map(({ outcome }) => outcome);
      const outageDurations = duringOutage.map((outcome) => outcome.durationMs);
      const firstFresh = load.outcomes
        .map(({ outcome }) => outcome)
        .filter((outcome) => outcome.code === status.OK && outcome.startedAt >= restoredAt)
        .sort((a, b) => a.endedAt - b.endedAt)[0];
      const recoveryMs = (firstFresh?.endedAt ?? Number.POSITIVE_INFINITY) - restoredAt;
      const afterRecovery = load.outcomes.map(({ outcome }) => outcome).filter((outcome) => outcome.startedAt > restoredAt + RECOVERY_BOUND_MS);
      const resumed = watchers.every((watcher, index) => watcher.sequences.length >= (watchMessagesAtRestore[index] ?? 0) + 2);
      const lost = watchers.reduce((sum, watcher) => sum + gaps(watcher.numbered), 0);
      lostWatcherUpdates += lost;
      const loadFailures = load.outcomes.filter(({ outcome }) => outcome.code !== status.OK).map(({ outcome }) => outcome);

      const first = criteria.length;
      criteria.push(
        criterion(
          "[no stale answers] scans while the market is down end UNAVAILABLE",
          `${duringOutage.filter((outcome) => outcome.code === status.UNAVAILABLE).length} of ${duringOutage.length}`,
          duringOutage.length > 0 && duringOutage.every((outcome) => outcome.code === status.UNAVAILABLE),
        ),
        criterion(
          `[no stale answers] ... within ${FAIL_FAST_MS} ms`,
          `max ${round(Math.max(0, ...outageDurations))} ms`,
          Math.max(0, ...outageDurations) < FAIL_FAST_MS,
        ),
        criterion(
          "[no stale answers] every load call ends OK or UNAVAILABLE",
          failuresText(countByStatus(loadFailures)),
          loadFailures.every((outcome) => outcome.code === status.UNAVAILABLE),
        ),
        criterion("[no stale answers] /readyz is 503 while down, 200 after", `${readyWhileDown}, ${readyAfter}`, readyWhileDown === 503 && readyAfter === 200),
        criterion(
          `[no stale answers] fresh scans succeed within ${RECOVERY_BOUND_MS} ms of the market's return`,
          `${round(recoveryMs)} ms`,
          recoveryMs <= RECOVERY_BOUND_MS,
        ),
        criterion(
          "[no stale answers] every scan started after that succeeds",
          `${afterRecovery.filter((outcome) => outcome.code === status.OK).length} of ${afterRecovery.length}`,
          afterRecovery.length > 0 && afterRecovery.every((outcome) => outcome.code === status.OK),
        ),
        criterion(
          "[no stale answers] watches stay open through the outage and resume",
          `${watchers.filter((watcher) => watcher.ended === undefined).length} of ${WATCHERS} open, resumed: ${resumed}`,
          resumed && watchers.every((watcher) => watcher.ended === undefined),
        ),
        criterion("[no stale answers] no watcher update lost (sequence gaps)", `${lost}`, lost === 0),
      );
      Object.assign(figures, {
        "[no stale answers] scans during the outage: calls, p50 / max (ms)": `${duringOutage.length}, ${round(percentile(outageDurations, 0.5))} / ${round(Math.max(0, ...outageDurations))}`,
        "[no stale answers] market back to first fresh scan (ms)": round(recoveryMs),
        "[no stale answers] watch messages during the outage (all watchers)": watchMessagesDuringOutage,
        "[no stale answers] watch messages per watcher, whole run": watchers.map((watcher) => watcher.sequences.length).join(", "),
      });
      memory.push({ process: "test process (in-process coordinator)", beforeMb: mebibytes(memoryBefore), afterMb: mebibytes(memoryAfter) });
      assertCriteria(criteria.slice(first));
    } finally {
      for (const watcher of watchers) watcher.call.cancel();
      client.close();
      await coordinator.close();
    }
  });

  it("answers the last result, marked stale, while it is down (STALE_RESULT_MAX_AGE=60), and fresh ones when it is back", async () => {
    const coordinator = await startInProcessCoordinator({
      SCANNER_ADDR: scanner.address,
      SIMULATED_TICK_INTERVAL: "0.5",
      // A cached result lives one second: after that a scan needs the market, or a stale answer.
      SCAN_CACHE_TTL: "1",
      STALE_RESULT_MAX_AGE: "60",
      REQUESTS_PER_SECOND: "1000",
      BURST_SIZE: "1000",
    });
    const client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    const scan = (symbol: string, query = CREDIT_QUERY, bypassCache = false): Promise<CallOutcome<ScanResponse>> =>
      recorder.unary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query, bypassCache }), DEADLINE_MS);
    try {
      const fresh = await Promise.all(LOAD_SYMBOLS.map((symbol) => scan(symbol)));
      expect(fresh.every((outcome) => outcome.code === status.OK && outcome.response?.stale === false)).toBe(true);

      coordinator.market.setAvailable(false);
      // Past the cache's TTL, so that nothing is answered fresh from the cache.
      await sleep(1500);
      const stale = await Promise.all(LOAD_SYMBOLS.map((symbol) => scan(symbol)));
      const unseenQuery = ScanQuery.fromPartial({ ...CREDIT_QUERY, strategies: [Strategy.STRATEGY_IRON_CONDOR] });
      const unseen = await scan("IWM", unseenQuery);
      const bypassed = await scan("IWM", CREDIT_QUERY, true);
      coordinator.market.setAvailable(true);
      const restoredAt = performance.now();
      let recovered: CallOutcome<ScanResponse> | undefined;
      while (performance.now() - restoredAt < 10_000) {
        const outcome = await scan("IWM");
        if (outcome.code === status.OK && outcome.response?.stale === false) {
          recovered = outcome;
          break;
        }
        await sleep(50);
      }
      const recoveryMs = (recovered?.endedAt ?? Number.POSITIVE_INFINITY) - restoredAt;
      const staleAges = stale.map((outcome) => Number(outcome.response?.age?.seconds ?? 0n) + (outcome.response?.age?.nanos ?? 0) / 1e9);

      const first = criteria.length;
      criteria.push(
        criterion(
          "[stale allowed] scans of known queries are answered stale, with the first result and an age >= 1 s",
          `${stale.filter((outcome) => outcome.response?.stale).length} of ${stale.length} stale, ages ${staleAges.map((age) => round(age, 2)).join(", ")} s`,
          stale.every(
            (outcome, index) => outcome.code === status.OK && outcome.response?.stale === true && outcome.response.jobId === fresh[index]?.response?.jobId,
          ) && staleAges.every((age) => age >= 1),
        ),
        criterion(
          `[stale allowed] ... within ${FAIL_FAST_MS} ms`,
          `max ${round(Math.max(...stale.map((outcome) => outcome.durationMs)))} ms`,
          Math.max(...stale.map((outcome) => outcome.durationMs)) < FAIL_FAST_MS,
        ),
        criterion("[stale allowed] a query never answered before: UNAVAILABLE", statusName(unseen.code), unseen.code === status.UNAVAILABLE),
        criterion("[stale allowed] bypass_cache: UNAVAILABLE (fresh or nothing)", statusName(bypassed.code), bypassed.code === status.UNAVAILABLE),
        criterion(
          `[stale allowed] fresh answers again within ${RECOVERY_BOUND_MS} ms of the market's return`,
          `${round(recoveryMs)} ms`,
          recoveryMs <= RECOVERY_BOUND_MS,
        ),
      );
      figures["[stale allowed] stale answers: p50 / max (ms)"] = `${round(
        percentile(
          stale.map((outcome) => outcome.durationMs),
          0.5,
        ),
      )} / ${round(Math.max(...stale.map((outcome) => outcome.durationMs)))}`;
      figures["[stale allowed] market back to first fresh answer (ms)"] = round(recoveryMs);
      assertCriteria(criteria.slice(first));
    } finally {
      client.close();
      await coordinator.close();
    }
  });

  afterAll(() => {
    recordResult({
      name: "market-drop",
      title: "6. Market data drop",
      load: `${CLIENTS} clients scanning with bypass_cache (${THINK_MS} ms apart, 5 small symbols) and ${WATCHERS} live watchers of IWM; then single scans with a 1 s cache`,
      faults: `simulated market setAvailable(false) for ${OUTAGE_MS / 1000} s with STALE_RESULT_MAX_AGE=0, then for ~2 s with STALE_RESULT_MAX_AGE=60 (in-process coordinator, scanner process)`,
      calls: recorder.total + WATCHERS,
      byStatus: recorder.byStatus(),
      hungCalls: recorder.hungCalls,
      lostWatcherUpdates,
      memory,
      criteria,
      figures,
      durationSeconds: round((performance.now() - began) / 1000),
    });
  });
});

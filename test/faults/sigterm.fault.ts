// SIGTERM to each service under load, then a restart on the same port: the calls the service
// had started when signalled finish with their answers (graceful shutdown: calls in flight
// finish within SHUTDOWN_GRACE_PERIOD, new ones are refused with UNAVAILABLE), watches of the
// stopping service end UNAVAILABLE, watchers that reconnect start again from a full snapshot
// (initial, sequence 1) and carry on, and the coordinator's own watchers ride out a scanner
// restart without a gap. Nothing hangs.
//
// Which calls a service had started when it was signalled is read from its own log: each
// call's line carries the request id the test sent (x-request-id), its end and its duration,
// and the service logs "shutting down" when the signal arrives. A call that arrived later was
// never in flight there: it is refused, and UNAVAILABLE is its right answer. (Scans sent
// through the coordinator a moment before the scanner's signal used to be counted as in flight
// at the scanner; most had not left the coordinator yet, still fetching and pricing their
// chains, and the stopping scanner rightly refused them: "0 of 5 OK" said nothing about
// graceful shutdown. The scans in flight at the scanner are now sent to it directly.)
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest, WatchSpreadsRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import {
  ScannerServiceClient,
  ScanRequest as ScannerScanRequest,
  WatchSpreadsRequest as ScannerWatchSpreadsRequest,
} from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { startClosedLoopLoad, type ClosedLoopLoad } from "./support/closed-loop-load.js";
import { CallRecorder, countByStatus, round, type CallOutcome } from "./support/call-recorder.js";
import { criterion, failuresText, mebibytes, recordResult, statusName } from "./support/fault-report.js";
import { inFlightVerdict } from "./support/in-flight-verdict.js";
import { CREDIT_QUERY, SYMBOLS } from "./support/queries.js";
import { gaps, ReconnectingWatcher, startsWithSnapshot } from "./support/reconnecting-watcher.js";
import {
  callsInFlight,
  CLIENT_CHANNEL_OPTIONS,
  killAll,
  residentMemoryBytes,
  sleep,
  startCoordinator,
  startScanner,
  stopWith,
  waitUntil,
  type RunningService,
} from "./support/services.js";

const SCAN_CLIENTS = 10;
const COORDINATOR_WATCHERS = 10;
const SCANNER_WATCHERS = 5;
const THINK_MS = 1000;
const DEADLINE_MS = 10_000;
const GRACE_S = 5;
const WATCH_SYMBOL = "IWM";
const RECONNECT_MS = 200;
/** How long after SIGTERM a watch of the stopping service may take to end (the grace period and a second). */
const WATCH_END_BOUND_MS = (GRACE_S + 1) * 1000;
/** Scans in flight at each signal: sent just before it, each with a request id of its own. */
const IN_FLIGHT = 5;
/**
 * What the scans in flight at the scanner ask: iron condors on an inline SPY chain, a few
 * hundred ms each on the scanner's threads, so that all five are still running when it is
 * signalled.
 */
const SLOW_QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxDte: 45, maxWidth: 5 }, limit: 10 });

const COORDINATOR_ENV = {
  CIRCUIT_BREAKER_THRESHOLD: "3",
  CIRCUIT_BREAKER_TIMEOUT: "2",
  SCANNER_MAX_RETRIES: "1",
  SCANNER_TIMEOUT: "2",
  REQUESTS_PER_SECOND: "1000",
  BURST_SIZE: "1000",
  MAX_CONCURRENT_SCANS: "20",
  SHUTDOWN_GRACE_PERIOD: String(GRACE_S),
};
const SCANNER_ENV = { SHUTDOWN_GRACE_PERIOD: String(GRACE_S) };

afterAll(killAll);

/**
 * Waits (five seconds at most) until `service` has at least IN_FLIGHT Scan calls in flight and,
 * when `openHere` sends every Scan it gets, as many as `openHere` has open: then it has started
 * each of them, and none can be refused by the signal.
 */
async function untilStarted(service: RunningService, openHere?: CallRecorder): Promise<boolean> {
  return waitUntil(
    "the service to start the calls in flight",
    async () => {
      // The most calls open here from just before the scrape: the service cannot have as many in flight unless it has them all.
      openHere?.markPeak();
      const running = await callsInFlight(service.adminPort, "Scan");
      return running >= Math.max(IN_FLIGHT, openHere?.peakInFlight ?? 0);
    },
    5000,
    10,
  ).then(
    () => true,
    () => false,
  );
}

describe("SIGTERM to each service under load", () => {
  it("finishes or fails retryably what is in flight, ends watches UNAVAILABLE, and lets reconnecting clients carry on from a snapshot", async () => {
    const began = performance.now();
    let scanner: RunningService = await startScanner(SCANNER_ENV);
    let coordinator: RunningService = await startCoordinator(scanner.address, COORDINATOR_ENV);
    const scannerPort = scanner.grpcPort;
    const coordinatorPort = coordinator.grpcPort;
    const scanClients = Array.from(
      { length: SCAN_CLIENTS },
      () => new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS),
    );
    const watchClient = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    const scannerWatchClient = new ScannerServiceClient(scanner.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    const directScanner = new ScannerServiceClient(scanner.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    const slowChain = generateSyntheticChain({ symbol: "SPY", seed: 7, asOf: new Date() });
    const recorder = new CallRecorder();
    const scan = (index: number): Promise<CallOutcome<unknown>> => {
      const client = scanClients[index % SCAN_CLIENTS]!;
      return recorder.unary(
        client.scan.bind(client),
        ScanRequest.fromPartial({ symbol: SYMBOLS[index % SYMBOLS.length], query: CREDIT_QUERY, bypassCache: true }),
        DEADLINE_MS,
      );
    };
    const coordinatorWatchers: ReconnectingWatcher[] = [];
    const scannerWatchers: ReconnectingWatcher[] = [];
    let load: ClosedLoopLoad | undefined;
    try {
      for (let index = 0; index < COORDINATOR_WATCHERS; index++) {
        coordinatorWatchers.push(
          new ReconnectingWatcher(
            () => watchClient.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: WATCH_SYMBOL, query: CREDIT_QUERY, minIntervalMs: 1 })),
            RECONNECT_MS,
          ),
        );
      }
      // The scanner has IWM's chain once the coordinator's feed has sent it.
      await waitUntil(
        "the coordinator's watchers to get two messages",
        () => coordinatorWatchers.every((watcher) => (watcher.current?.updates.length ?? 0) >= 2),
        20_000,
      );
      for (let index = 0; index < SCANNER_WATCHERS; index++) {
        scannerWatchers.push(
          new ReconnectingWatcher(
            () => scannerWatchClient.watchSpreads(ScannerWatchSpreadsRequest.fromPartial({ symbol: WATCH_SYMBOL, query: CREDIT_QUERY, minIntervalMs: 1 })),
            RECONNECT_MS,
          ),
        );
      }
      await waitUntil("the scanner's watchers to get a message", () => scannerWatchers.every((watcher) => (watcher.current?.updates.length ?? 0) >= 1), 20_000);
      load = startClosedLoopLoad(SCAN_CLIENTS, THINK_MS, scan);
      await sleep(3000);

      // ---- the coordinator ----
      const coordinatorMemory = await residentMemoryBytes(coordinator.adminPort);
      const inFlightA = Array.from({ length: IN_FLIGHT }, (_, index) => {
        const client = scanClients[index % SCAN_CLIENTS]!;
        return recorder.unary(
          client.scan.bind(client),
          ScanRequest.fromPartial({ symbol: SYMBOLS[index % SYMBOLS.length], query: CREDIT_QUERY, bypassCache: true }),
          DEADLINE_MS,
          {
            requestId: `in-flight-coordinator-${index}`,
          },
        );
      });
      // Every scan sent to the coordinator comes from this test: once it has as many in flight as are open here, it has ours.
      const startedA = await untilStarted(coordinator, recorder);
      const stoppedCoordinator = coordinator;
      const termA = performance.now();
      const exitA = await stopWith(coordinator, "SIGTERM", (GRACE_S + 5) * 1000);
      const exitedA = performance.now();
      const endedA = coordinatorWatchers.map((watcher) => watcher.connectionAt(termA));
      await sleep(1000);
      coordinator = await startCoordinator(scanner.address, COORDINATOR_ENV, coordinatorPort);
      const backA = performance.now();
      await waitUntil(
        "the coordinator's watchers to reconnect and get three messages",
        () => coordinatorWatchers.every((watcher) => watcher.connectionsAfter(backA - 1000).some((connection) => connection.updates.length >= 3)),
        20_000,
      ).catch(() => undefined);
      const outcomesA = await Promise.all(inFlightA);
      await sleep(2000);

      // ---- the scanner ----
      const scannerMemory = await residentMemoryBytes(scanner.adminPort);
      const coordinatorSeqBeforeB = coordinatorWatchers.map((watcher) => watcher.current?.updates.length ?? 0);
      const inFlightB = Array.from({ length: IN_FLIGHT }, (_, index) =>
        recorder.unary(
          directScanner.scan.bind(directScanner),
          ScannerScanRequest.fromPartial({ symbol: "SPY", chain: slowChain, query: SLOW_QUERY }),
          DEADLINE_MS,
          {
            requestId: `in-flight-scanner-${index}`,
          },
        ),
      );
      // The coordinator's scans count here too: at least IN_FLIGHT in flight, most of them ours (which run longest).
      const startedB = await untilStarted(scanner);
      const stoppedScanner = scanner;
      const termB = performance.now();
      const exitB = await stopWith(scanner, "SIGTERM", (GRACE_S + 5) * 1000);
      const exitedB = performance.now();
      const endedB = scannerWatchers.map((watcher) => watcher.connectionAt(termB));
      await sleep(1000);
      scanner = await startScanner(SCANNER_ENV, scannerPort);
      const backB = performance.now();
      await waitUntil(
        "every watcher to carry on after the scanner's restart",
        () =>
          scannerWatchers.every((watcher) => watcher.connectionsAfter(backB - 1000).some((connection) => connection.updates.length >= 2)) &&
          coordinatorWatchers.every((watcher, index) => (watcher.current?.updates.length ?? 0) >= (coordinatorSeqBeforeB[index] ?? 0) + 3),
        30_000,
      ).catch(() => undefined);
      const outcomesB = await Promise.all(inFlightB);
      // Scans work again (the coordinator's circuit closes after its 2 s timeout and a probe).
      const firstOkAfterB = await (async () => {
        const deadline = performance.now() + 20_000;
        while (performance.now() < deadline) {
          const ok = recorder.outcomes.find((outcome) => outcome.code === status.OK && outcome.startedAt > backB);
          if (ok) return ok.endedAt;
          await sleep(100);
        }
        return Number.POSITIVE_INFINITY;
      })();
      await sleep(3000);
      await load.stop();
      const coordinatorMemoryAfter = await residentMemoryBytes(coordinator.adminPort);
      const scannerMemoryAfter = await residentMemoryBytes(scanner.adminPort);

      // ---- verdicts ----
      const loadFailures = recorder.outcomes.filter((outcome) => outcome.code !== status.OK);
      const settledAfterB = recorder.outcomes.filter((outcome) => outcome.startedAt > firstOkAfterB + 1000);
      const watchEndsA = endedA.map((connection) => connection?.ended);
      const watchEndsB = endedB.map((connection) => connection?.ended);
      const endedInTime = (ends: ({ code: status; at: number } | undefined)[], from: number): boolean =>
        ends.every((end) => end !== undefined && end.at - from <= WATCH_END_BOUND_MS);
      const reconnectedA = coordinatorWatchers.map((watcher) => watcher.connectionsAfter(backA - 1000).find((connection) => connection.updates.length > 0));
      const reconnectedB = scannerWatchers.map((watcher) => watcher.connectionsAfter(backB - 1000).find((connection) => connection.updates.length > 0));
      const coordinatorConnectionsInB = coordinatorWatchers.map((watcher) => watcher.connectionAt(termB));
      const lost =
        coordinatorWatchers.reduce((sum, watcher) => sum + watcher.connections.reduce((inner, connection) => inner + gaps(connection), 0), 0) +
        scannerWatchers.reduce((sum, watcher) => sum + watcher.connections.reduce((inner, connection) => inner + gaps(connection), 0), 0);
      // A watch of a stopped service still open a second past the bound has hung.
      const hungAfter = (ends: ({ at: number } | undefined)[], from: number): number =>
        ends.filter((end) => end === undefined || end.at - from > WATCH_END_BOUND_MS + 1000).length;
      const streamHung = hungAfter(watchEndsA, termA) + hungAfter(watchEndsB, termB);
      const codesText = (ends: ({ code: status } | undefined)[]): string => ends.map((end) => (end ? statusName(end.code) : "still open")).join(", ");
      const verdictA = inFlightVerdict(stoppedCoordinator, outcomesA);
      const verdictB = inFlightVerdict(stoppedScanner, outcomesB);
      const gracePeriodOver = (service: RunningService): boolean => service.process.logs.some((line) => String(line.msg).startsWith("grace period over"));
      const exitText = (exit: { code: number | null; signal: NodeJS.Signals | null }, seconds: number, service: RunningService): string =>
        `${exit.code ?? exit.signal} after ${round(seconds, 2)} s${gracePeriodOver(service) ? ", calls cancelled at the end of the grace period" : ", nothing cancelled"}`;
      const countOk = (outcomes: CallOutcome<unknown>[]): string =>
        `${outcomes.filter((outcome) => outcome.code === status.OK).length} OK, ${outcomes.filter((outcome) => outcome.code === status.UNAVAILABLE).length} UNAVAILABLE of ${outcomes.length}`;

      // Streams count as calls too: each connection a watcher opened.
      for (const watcher of [...coordinatorWatchers, ...scannerWatchers]) {
        for (const connection of watcher.connections) if (connection.ended) recorder.record(connection.ended.code);
      }
      const otherFailures = loadFailures
        .filter((outcome) => outcome.code !== status.UNAVAILABLE)
        .map(
          (outcome) =>
            `${round((outcome.startedAt - termA) / 1000, 1)} / ${round((outcome.startedAt - termB) / 1000, 1)}: ${statusName(outcome.code)}, ${round(outcome.durationMs)} ms, ${outcome.details}`,
        )
        .join("; ");
      const criteria = [
        criterion("no call hangs past its deadline + 1 s", `${recorder.hungCalls}`, recorder.hungCalls === 0),
        criterion(
          "every scan ends OK or UNAVAILABLE (retryable)",
          `${failuresText(countByStatus(loadFailures))}${otherFailures ? ` (${otherFailures})` : ""}`,
          loadFailures.every((outcome) => outcome.code === status.UNAVAILABLE),
        ),
        criterion(
          `coordinator SIGTERM: the scans it had started when signalled (of ${IN_FLIGHT} sent just before) finish OK; any it had not started are refused (UNAVAILABLE)`,
          verdictA.text,
          verdictA.passed,
        ),
        criterion(
          `coordinator SIGTERM: it exits 0 within the grace period (${GRACE_S} s), cancelling nothing`,
          exitText(exitA, (exitedA - termA) / 1000, stoppedCoordinator),
          exitA.code === 0 && !gracePeriodOver(stoppedCoordinator),
        ),
        criterion(
          `coordinator SIGTERM: every watch ends UNAVAILABLE within ${WATCH_END_BOUND_MS / 1000} s`,
          codesText(watchEndsA),
          watchEndsA.every((end) => end?.code === status.UNAVAILABLE) && endedInTime(watchEndsA, termA),
        ),
        criterion(
          "coordinator restarted: every watcher reconnects to a full snapshot (initial, sequence 1) and carries on (≥ 3 messages)",
          `${reconnectedA.filter((connection) => connection && startsWithSnapshot(connection)).length} of ${COORDINATOR_WATCHERS}`,
          reconnectedA.every((connection) => connection !== undefined && startsWithSnapshot(connection) && connection.updates.length >= 3),
        ),
        criterion(
          `scanner SIGTERM: the Scan calls it had started when signalled (of ${IN_FLIGHT} sent to it directly just before) finish OK; any it had not started are refused (UNAVAILABLE)`,
          verdictB.text,
          verdictB.passed,
        ),
        criterion(
          `scanner SIGTERM: it exits 0 within the grace period (${GRACE_S} s), cancelling nothing`,
          exitText(exitB, (exitedB - termB) / 1000, stoppedScanner),
          exitB.code === 0 && !gracePeriodOver(stoppedScanner),
        ),
        criterion(
          `scanner SIGTERM: its watches end UNAVAILABLE within ${WATCH_END_BOUND_MS / 1000} s`,
          codesText(watchEndsB),
          watchEndsB.every((end) => end?.code === status.UNAVAILABLE) && endedInTime(watchEndsB, termB),
        ),
        criterion(
          "scanner restarted: its watchers reconnect to a full snapshot (initial, sequence 1) and carry on",
          `${reconnectedB.filter((connection) => connection && startsWithSnapshot(connection)).length} of ${SCANNER_WATCHERS}`,
          reconnectedB.every((connection) => connection !== undefined && startsWithSnapshot(connection) && connection.updates.length >= 2),
        ),
        criterion(
          "scanner restart: the coordinator's watches stay open and carry on (≥ 3 more messages)",
          `${coordinatorConnectionsInB.filter((connection) => connection?.ended === undefined).length} of ${COORDINATOR_WATCHERS} open`,
          coordinatorConnectionsInB.every(
            (connection, index) =>
              connection !== undefined && connection.ended === undefined && connection.updates.length >= (coordinatorSeqBeforeB[index] ?? 0) + 3,
          ),
        ),
        criterion("no watcher update lost (sequence gaps within a connection)", `${lost}`, lost === 0),
        criterion(
          "scans succeed again after the scanner's restart, and all of them once one has",
          `${round((firstOkAfterB - backB) / 1000, 2)} s to the first; ${countOk(settledAfterB)} after`,
          Number.isFinite(firstOkAfterB) && settledAfterB.length > 0 && settledAfterB.every((outcome) => outcome.code === status.OK),
        ),
      ];
      recordResult({
        name: "sigterm",
        title: "2. SIGTERM to each service under load",
        load: `${SCAN_CLIENTS} clients scanning (bypass_cache, ${THINK_MS} ms apart, deadline ${DEADLINE_MS / 1000} s), ${COORDINATOR_WATCHERS} coordinator and ${SCANNER_WATCHERS} scanner watchers of ${WATCH_SYMBOL}, reconnecting ${RECONNECT_MS} ms after an end`,
        faults: `SIGTERM to the coordinator, restart on its port 1 s after it exits; then SIGTERM to the scanner, likewise (SHUTDOWN_GRACE_PERIOD ${GRACE_S} s); ${IN_FLIGHT} scans in flight at each signal (to the coordinator; to the scanner directly, iron condors on an inline SPY chain), the signal sent once the service has started them`,
        calls: recorder.total,
        byStatus: recorder.byStatus(),
        hungCalls: recorder.hungCalls + streamHung,
        lostWatcherUpdates: lost,
        memory: [
          {
            process: "coordinator",
            beforeMb: mebibytes(coordinatorMemory),
            afterMb: mebibytes(coordinatorMemoryAfter),
            note: "before: the first process, before SIGTERM; after: the restarted one, at the end",
          },
          {
            process: "scanner",
            beforeMb: mebibytes(scannerMemory),
            afterMb: mebibytes(scannerMemoryAfter),
            note: "before: the first process, before SIGTERM; after: the restarted one, at the end",
          },
        ],
        criteria,
        figures: {
          "coordinator: in-flight scans started before the signal / waited until it had them all": `${verdictA.started.length} of ${IN_FLIGHT} / ${startedA ? "yes" : "no (5 s)"}`,
          "scanner: in-flight scans started before the signal / waited until it had five in flight": `${verdictB.started.length} of ${IN_FLIGHT} / ${startedB ? "yes" : "no (5 s)"}`,
          "coordinator: SIGTERM to exit (s)": round((exitedA - termA) / 1000, 2),
          "coordinator: watches ended after SIGTERM within (ms)": round(Math.max(...watchEndsA.map((end) => (end ? end.at - termA : Number.NaN)))),
          "coordinator: watch end details": watchEndsA[0]?.details ?? "",
          "scanner: SIGTERM to exit (s)": round((exitedB - termB) / 1000, 2),
          "scanner: watches ended after SIGTERM within (ms)": round(Math.max(...watchEndsB.map((end) => (end ? end.at - termB : Number.NaN)))),
          "scanner restart to first successful scan (s)": round((firstOkAfterB - backB) / 1000, 2),
          "scans that ended neither OK nor UNAVAILABLE (started, after the coordinator's / scanner's SIGTERM, s: status, ms, details)": otherFailures || "none",
          "connections per coordinator watcher / scanner watcher": `${coordinatorWatchers.map((watcher) => watcher.connectionsAfter(0).length).join(",")} / ${scannerWatchers.map((watcher) => watcher.connectionsAfter(0).length).join(",")}`,
        },
        measurements: {
          coordinatorExitSeconds: round((exitedA - termA) / 1000, 2),
          scannerExitSeconds: round((exitedB - termB) / 1000, 2),
          coordinatorInFlightStarted: verdictA.started.length,
          scannerInFlightStarted: verdictB.started.length,
          scannerRestartToFirstScanSeconds: round((firstOkAfterB - backB) / 1000, 2),
        },
        durationSeconds: round((performance.now() - began) / 1000),
      });
      assertCriteria(criteria);
      expect(streamHung, "watches of a stopped service still open").toBe(0);
    } finally {
      const stopping = load?.stop();
      for (const watcher of [...coordinatorWatchers, ...scannerWatchers]) watcher.stop();
      await stopping;
      for (const client of [...scanClients, watchClient, scannerWatchClient, directScanner]) client.close();
    }
  });
});

// The scanner dies without warning (SIGKILL) under a steady load of fresh scans from 20
// clients through the coordinator, and comes back on the same port: every call ends, failures
// are UNAVAILABLE and fast once the circuit is open, and scans succeed again within the
// circuit's timeout plus one probe of the restarted scanner.
//
// Two defects this suite found are guarded by what the services did, not by how long it took
// (a timing bound passed in runs where either defect was present):
// - KD-2: while the circuit is open, no scan fetches a chain from the market. The coordinator
//   counts its fetches (spreadscan_market_chain_fetches_total); this suite reads the count
//   every POLL_MS and compares it across each stretch in which the circuit was open and no
//   probe was due (from the coordinator's log: "scanner circuit opened", plus
//   CIRCUIT_BREAKER_TIMEOUT).
// - KD-1: once the restarted scanner is listening, no half-open probe fails without reaching
//   it. A probe is the coordinator's "half open: probing" log line; it failed when the next
//   circuit event is "opened"; it reached the scanner when the restarted scanner logged a Scan
//   call that started between the two.
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { startClosedLoopLoad } from "./support/closed-loop-load.js";
import { CallRecorder, percentile, round, type CallOutcome } from "./support/call-recorder.js";
import { criterion, failuresText, mebibytes, recordResult } from "./support/fault-report.js";
import { CREDIT_QUERY, SYMBOLS } from "./support/queries.js";
import { CLIENT_CHANNEL_OPTIONS, killAll, prometheusValue, residentMemoryBytes, sleep, startCoordinator, startScanner, stopWith } from "./support/services.js";
import { upperBound } from "./support/spread.js";
import type { LogLine } from "../support/echo-server.js";

const CLIENTS = 20;
// A fresh scan moves a 0.6–2.2 MB chain from the market to the scanner: 20 clients scanning
// back to back would saturate two cores on their own, and the deadlines would measure that
// rather than the fault. A second between a client's scans is a steady, sustainable load.
const THINK_MS = 1000;
const DEADLINE_MS = 10_000;
const BREAKER_TIMEOUT_S = 3;
const SCANNER_TIMEOUT_S = 2;
const RETRIES = 1;
const DOWN_MS = 5000;
/**
 * Recovery is bounded by the configuration: the circuit's timeout, then one probe within its
 * attempt's time limit. The margin is the probe's own work before its attempt starts (its
 * chain fetched and priced) and the restarted scanner's first, cold scan.
 */
const RECOVERY_MARGIN_MS = 1500;
/**
 * "Quickly": the open circuit's answer costs no more than a cache lookup. The bound on the
 * median is the recorded runs' largest plus their range (support/spread.ts); a scan that
 * fetched and priced its chain before being refused (KD-2) took tens of ms more.
 */
const FAST_FAIL_P50 = upperBound("scanner-sigkill", "circuitOpenP50Ms", { unit: " ms" });
/** How often the coordinator's fetch count is read while the scanner is down. */
const POLL_MS = 100;
/**
 * A job that consulted the circuit just before it opened may still fetch its chain just after
 * (its pacing grant comes in between): the stretch in which no fetch may start begins this long
 * after the circuit opens, and ends 50 ms before a probe is due.
 */
const OPEN_SETTLE_MS = 500;
const PROBE_MARGIN_MS = 50;

/** A log line's time, epoch ms (pino writes it as an ISO string here). */
const logTime = (line: LogLine): number => Date.parse(String(line.time));
/** The epoch ms of a performance.now() instant of this process. */
const epoch = (instant: number): number => performance.timeOrigin + instant;

interface FetchSample {
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly fetches: number;
}

/** Chains fetched while the circuit was open and no probe due: each stretch's count from the first sample inside it to the last. */
function fetchesWhileOpen(
  openedAt: readonly number[],
  samples: readonly FetchSample[],
  breakerTimeoutMs: number,
): { fetches: number; stretches: number; sampledMs: number } {
  let fetches = 0;
  let stretches = 0;
  let sampledMs = 0;
  for (const opened of openedAt) {
    const from = opened + OPEN_SETTLE_MS;
    const to = opened + breakerTimeoutMs - PROBE_MARGIN_MS;
    const first = samples.find((sample) => sample.sentAt >= from);
    const last = samples.findLast((sample) => sample.receivedAt <= to);
    if (!first || !last || last.sentAt <= first.sentAt) continue;
    stretches++;
    sampledMs += last.receivedAt - first.sentAt;
    fetches += last.fetches - first.fetches;
  }
  return { fetches, stretches, sampledMs };
}

afterAll(killAll);

describe("the scanner killed with SIGKILL under load", () => {
  it("ends every call, fails fast while the circuit is open, and recovers within the circuit's timeout plus one probe", async () => {
    const began = performance.now();
    const scanner = await startScanner();
    const coordinator = await startCoordinator(scanner.address, {
      CIRCUIT_BREAKER_THRESHOLD: "3",
      CIRCUIT_BREAKER_TIMEOUT: String(BREAKER_TIMEOUT_S),
      SCANNER_MAX_RETRIES: String(RETRIES),
      SCANNER_TIMEOUT: String(SCANNER_TIMEOUT_S),
      // Market data pacing is not under test here: no scan should wait for a token.
      REQUESTS_PER_SECOND: "1000",
      BURST_SIZE: "1000",
      MAX_CONCURRENT_SCANS: String(CLIENTS),
    });
    const clients = Array.from(
      { length: CLIENTS },
      () => new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS),
    );
    const recorder = new CallRecorder();
    const scan = (index: number): Promise<CallOutcome<unknown>> => {
      const client = clients[index % CLIENTS]!;
      return recorder.unary(
        client.scan.bind(client),
        ScanRequest.fromPartial({ symbol: SYMBOLS[index % SYMBOLS.length], query: CREDIT_QUERY, bypassCache: true }),
        DEADLINE_MS,
      );
    };
    try {
      // Each symbol once, so that first listings are not part of the load.
      for (let index = 0; index < SYMBOLS.length; index++) expect((await scan(index)).code).toBe(status.OK);
      const memoryBefore = await residentMemoryBytes(coordinator.adminPort);
      const warmupCalls = recorder.outcomes.length;

      const load = startClosedLoopLoad(CLIENTS, THINK_MS, scan);
      const fetchSamples: FetchSample[] = [];
      const sampling = { on: true };
      const sampler = (async () => {
        while (sampling.on) {
          const sentAt = Date.now();
          const fetches = await prometheusValue(coordinator.adminPort, "spreadscan_market_chain_fetches_total");
          fetchSamples.push({ sentAt, receivedAt: Date.now(), fetches });
          await sleep(POLL_MS);
        }
      })();

      await sleep(6000);
      const killedAt = performance.now();
      await stopWith(scanner, "SIGKILL");
      await sleep(DOWN_MS);
      const restarted = await startScanner({}, scanner.grpcPort);
      const backAt = performance.now();
      // Recovered: the first scan to succeed after the scanner is back.
      const deadline = backAt + 20_000;
      while (!recorder.outcomes.some((outcome) => outcome.code === status.OK && outcome.endedAt > backAt) && performance.now() < deadline) await sleep(50);
      const recoveredAt = recorder.outcomes.find((outcome) => outcome.code === status.OK && outcome.endedAt > backAt)?.endedAt ?? Number.POSITIVE_INFINITY;
      // A few more rounds of steady load after recovery.
      await sleep(4000);
      await load.stop();
      sampling.on = false;
      await sampler;
      const memoryAfter = await residentMemoryBytes(coordinator.adminPort);
      await stopWith(restarted, "SIGKILL");

      const loadCalls = recorder.outcomes.slice(warmupCalls);
      const failed = loadCalls.filter((outcome) => outcome.code !== status.OK);
      const unavailable = failed.filter((outcome) => outcome.code === status.UNAVAILABLE);
      const circuitOpen = unavailable.filter((outcome) => outcome.details.includes("circuit open"));
      const beforeKill = loadCalls.filter((outcome) => outcome.endedAt < killedAt);
      const afterRecovery = loadCalls.filter((outcome) => outcome.startedAt > recoveredAt + 1000);
      const recoveryMs = recoveredAt - backAt;
      const recoveryBoundMs = (BREAKER_TIMEOUT_S + SCANNER_TIMEOUT_S) * 1000 + RECOVERY_MARGIN_MS;
      const maxCircuitOpenMs = Math.max(0, ...circuitOpen.map((outcome) => outcome.durationMs));
      const p50CircuitOpenMs = percentile(
        circuitOpen.map((outcome) => outcome.durationMs),
        0.5,
      );
      // Failures that are not the open circuit's: the calls caught by the kill, retried once.
      const maxOtherUnavailableMs = Math.max(
        0,
        ...unavailable.filter((outcome) => !outcome.details.includes("circuit open")).map((outcome) => outcome.durationMs),
      );
      const attemptsBoundMs = (RETRIES + 1) * SCANNER_TIMEOUT_S * 1000 + 1000;

      // The circuit as the coordinator logged it, and the restarted scanner's calls as it logged them.
      const circuitEvents = coordinator.process.logs
        .filter((line) => line.msg === "scanner circuit opened" || line.msg === "scanner circuit half open: probing" || line.msg === "scanner circuit closed")
        .map((line) => ({ event: String(line.msg), at: logTime(line) }));
      const openedAt = circuitEvents.filter((each) => each.event === "scanner circuit opened").map((each) => each.at);
      const whileOpen = fetchesWhileOpen(openedAt, fetchSamples, BREAKER_TIMEOUT_S * 1000);
      const refusedWhileOpen = circuitOpen.filter((outcome) =>
        openedAt.some(
          (opened) => epoch(outcome.startedAt) >= opened + OPEN_SETTLE_MS && epoch(outcome.endedAt) <= opened + BREAKER_TIMEOUT_S * 1000 - PROBE_MARGIN_MS,
        ),
      ).length;
      const listeningAt = logTime(restarted.process.logs.find((line) => line.msg === "listening") ?? {});
      const restartedScans = restarted.process.logs
        .filter((line) => line.msg === "call" && String(line.method).endsWith("/Scan"))
        .map((line) => logTime(line) - Number(line.durationMs));
      const probes = circuitEvents
        .map((probe, index) => ({ ...probe, index }))
        .filter((each) => each.event === "scanner circuit half open: probing" && each.at >= listeningAt)
        .map((probe) => {
          // The probe's outcome is the next event the coordinator logged.
          const next = circuitEvents.slice(probe.index + 1).find((each) => each.event !== "scanner circuit half open: probing");
          const until = next?.at ?? Number.POSITIVE_INFINITY;
          // A few ms either way: the two processes log on one clock, to the millisecond.
          const reached = restartedScans.some((started) => started >= probe.at - 5 && started <= until + 5);
          return { failed: next?.event === "scanner circuit opened", reached };
        });
      const probesLost = probes.filter((probe) => probe.failed && !probe.reached).length;

      const byStatus = recorder.byStatus();
      const criteria = [
        criterion("no call hangs past its deadline + 1 s", `${recorder.hungCalls} hung`, recorder.hungCalls === 0),
        criterion(
          "every call ends OK or UNAVAILABLE",
          failuresText(byStatus),
          failed.every((outcome) => outcome.code === status.UNAVAILABLE),
        ),
        criterion(
          "scans succeed before the kill",
          `${beforeKill.filter((outcome) => outcome.code === status.OK).length} of ${beforeKill.length} OK`,
          beforeKill.length > 0 && beforeKill.every((outcome) => outcome.code === status.OK),
        ),
        criterion('the circuit opens: some calls fail fast with "circuit open"', `${circuitOpen.length} calls`, circuitOpen.length > 0),
        criterion(
          `UNAVAILABLE from the open circuit: median within ${FAST_FAIL_P50.text}`,
          `p50 ${round(p50CircuitOpenMs, 2)} ms`,
          p50CircuitOpenMs <= FAST_FAIL_P50.value,
        ),
        criterion(
          `[KD-2] no chain is fetched while the circuit is open and no probe is due (from ${OPEN_SETTLE_MS} ms after it opens), while scans keep being refused`,
          `${whileOpen.fetches} fetches in ${whileOpen.stretches} stretches (${round(whileOpen.sampledMs / 1000, 1)} s sampled); ${refusedWhileOpen} scans refused meanwhile`,
          whileOpen.stretches > 0 && whileOpen.fetches === 0 && refusedWhileOpen > 0,
        ),
        criterion(
          `other UNAVAILABLE within ${RETRIES + 1} attempts of ${SCANNER_TIMEOUT_S} s + 1 s`,
          `max ${round(maxOtherUnavailableMs)} ms`,
          maxOtherUnavailableMs < attemptsBoundMs,
        ),
        criterion(
          "[KD-1] no half-open probe fails without reaching the restarted scanner once it is listening",
          `${probesLost} of ${probes.length} probes after it was listening (${probes.filter((probe) => probe.reached).length} reached it)`,
          probes.length > 0 && probesLost === 0,
        ),
        criterion(
          `scans succeed within CIRCUIT_BREAKER_TIMEOUT (${BREAKER_TIMEOUT_S} s) + one probe (SCANNER_TIMEOUT ${SCANNER_TIMEOUT_S} s) + ${RECOVERY_MARGIN_MS / 1000} s of the restart`,
          `${round(recoveryMs / 1000, 2)} s`,
          recoveryMs <= recoveryBoundMs,
        ),
        criterion(
          "every scan started 1 s after recovery succeeds",
          `${afterRecovery.filter((outcome) => outcome.code === status.OK).length} of ${afterRecovery.length} OK`,
          afterRecovery.length > 0 && afterRecovery.every((outcome) => outcome.code === status.OK),
        ),
      ];
      recordResult({
        name: "scanner-sigkill",
        title: "1. Scanner SIGKILL under load",
        load: `${CLIENTS} clients, each a bypass_cache Scan through the coordinator then ${THINK_MS} ms pause (8 symbols), deadline ${DEADLINE_MS / 1000} s`,
        faults: `scanner SIGKILLed, down ${DOWN_MS / 1000} s, restarted on the same port (CIRCUIT_BREAKER_THRESHOLD 3, CIRCUIT_BREAKER_TIMEOUT ${BREAKER_TIMEOUT_S} s, SCANNER_TIMEOUT ${SCANNER_TIMEOUT_S} s, SCANNER_MAX_RETRIES ${RETRIES})`,
        calls: recorder.total,
        byStatus,
        hungCalls: recorder.hungCalls,
        lostWatcherUpdates: null,
        memory: [{ process: "coordinator", beforeMb: mebibytes(memoryBefore), afterMb: mebibytes(memoryAfter) }],
        criteria,
        figures: {
          "scan latency before the kill, p50 / p99 (ms)": `${round(
            percentile(
              beforeKill.map((outcome) => outcome.durationMs),
              0.5,
            ),
          )} / ${round(
            percentile(
              beforeKill.map((outcome) => outcome.durationMs),
              0.99,
            ),
          )}`,
          "UNAVAILABLE, circuit open: calls, p50 / max (ms)": `${circuitOpen.length}, ${round(
            percentile(
              circuitOpen.map((outcome) => outcome.durationMs),
              0.5,
            ),
          )} / ${round(maxCircuitOpenMs)}`,
          "UNAVAILABLE, other: calls, max (ms)": `${unavailable.length - circuitOpen.length}, ${round(maxOtherUnavailableMs)}`,
          "restart (listening) to first successful scan (s)": round(recoveryMs / 1000, 2),
          "recovery bound (s)": recoveryBoundMs / 1000,
          "scanner down, kill to listening again (s)": round((backAt - killedAt) / 1000, 2),
          "circuit opened / half open / closed (coordinator log)": ["scanner circuit opened", "scanner circuit half open: probing", "scanner circuit closed"]
            .map((event) => circuitEvents.filter((each) => each.event === event).length)
            .join(" / "),
          "chains fetched while open and no probe due / stretches sampled": `${whileOpen.fetches} / ${whileOpen.stretches}`,
          "probes after the restart was listening: failed without reaching it / reached it": `${probesLost} / ${probes.filter((probe) => probe.reached).length}`,
        },
        measurements: {
          recoveryMs: round(recoveryMs),
          circuitOpenP50Ms: round(p50CircuitOpenMs, 2),
          circuitOpenMaxMs: round(maxCircuitOpenMs, 2),
          fetchesWhileOpen: whileOpen.fetches,
          probesAfterListening: probes.length,
          probesLost,
        },
        durationSeconds: round((performance.now() - began) / 1000),
      });
      assertCriteria(criteria);
    } finally {
      for (const client of clients) client.close();
    }
  });
});

// The scanner dies without warning (SIGKILL) under a steady load of fresh scans from 20
// clients through the coordinator, and comes back on the same port: every call ends, failures
// are UNAVAILABLE and fast once the circuit is open, and scans succeed again within the
// circuit's timeout plus one probe of the restarted scanner.
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { startClosedLoopLoad } from "./support/closed-loop-load.js";
import { CallRecorder, percentile, round, type CallOutcome } from "./support/call-recorder.js";
import { criterion, failuresText, mebibytes, recordResult } from "./support/fault-report.js";
import { CREDIT_QUERY, SYMBOLS } from "./support/queries.js";
import { CLIENT_CHANNEL_OPTIONS, killAll, residentMemoryBytes, sleep, startCoordinator, startScanner, stopWith } from "./support/services.js";

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
const RECOVERY_MARGIN_MS = 1500;
// "Quickly": the open circuit's answer should cost no more than a cache lookup.
const FAST_FAIL_P50_MS = 250;
const FAST_FAIL_MAX_MS = 1000;

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
    const clients = Array.from({ length: CLIENTS }, () => new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS));
    const recorder = new CallRecorder();
    const scan = (index: number): Promise<CallOutcome<unknown>> => {
      const client = clients[index % CLIENTS]!;
      return recorder.unary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: SYMBOLS[index % SYMBOLS.length], query: CREDIT_QUERY, bypassCache: true }), DEADLINE_MS);
    };
    try {
      // Each symbol once, so that first listings are not part of the load.
      for (let index = 0; index < SYMBOLS.length; index++) expect((await scan(index)).code).toBe(status.OK);
      const memoryBefore = await residentMemoryBytes(coordinator.adminPort);
      const warmupCalls = recorder.outcomes.length;

      const load = startClosedLoopLoad(CLIENTS, THINK_MS, scan);

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
      const p50CircuitOpenMs = percentile(circuitOpen.map((outcome) => outcome.durationMs), 0.5);
      // Failures that are not the open circuit's: the calls caught by the kill, retried once.
      const maxOtherUnavailableMs = Math.max(0, ...unavailable.filter((outcome) => !outcome.details.includes("circuit open")).map((outcome) => outcome.durationMs));
      const attemptsBoundMs = (RETRIES + 1) * SCANNER_TIMEOUT_S * 1000 + 1000;

      const byStatus = recorder.byStatus();
      const criteria = [
        criterion("no call hangs past its deadline + 1 s", `${recorder.hungCalls} hung`, recorder.hungCalls === 0),
        criterion("every call ends OK or UNAVAILABLE", failuresText(byStatus), failed.every((outcome) => outcome.code === status.UNAVAILABLE)),
        criterion("scans succeed before the kill", `${beforeKill.filter((outcome) => outcome.code === status.OK).length} of ${beforeKill.length} OK`, beforeKill.length > 0 && beforeKill.every((outcome) => outcome.code === status.OK)),
        criterion("the circuit opens: some calls fail fast with \"circuit open\"", `${circuitOpen.length} calls`, circuitOpen.length > 0),
        criterion(`UNAVAILABLE from the open circuit: median within ${FAST_FAIL_P50_MS} ms`, `p50 ${round(p50CircuitOpenMs)} ms`, p50CircuitOpenMs < FAST_FAIL_P50_MS),
        criterion(`[KD-2] UNAVAILABLE from the open circuit: every one within ${FAST_FAIL_MAX_MS} ms`, `max ${round(maxCircuitOpenMs)} ms`, maxCircuitOpenMs < FAST_FAIL_MAX_MS),
        criterion(`other UNAVAILABLE within ${RETRIES + 1} attempts of ${SCANNER_TIMEOUT_S} s + 1 s`, `max ${round(maxOtherUnavailableMs)} ms`, maxOtherUnavailableMs < attemptsBoundMs),
        criterion(
          `[KD-1] scans succeed within CIRCUIT_BREAKER_TIMEOUT (${BREAKER_TIMEOUT_S} s) + one probe (SCANNER_TIMEOUT ${SCANNER_TIMEOUT_S} s) + ${RECOVERY_MARGIN_MS / 1000} s of the restart`,
          `${round(recoveryMs / 1000, 2)} s`,
          recoveryMs <= recoveryBoundMs,
        ),
        criterion("every scan started 1 s after recovery succeeds", `${afterRecovery.filter((outcome) => outcome.code === status.OK).length} of ${afterRecovery.length} OK`, afterRecovery.length > 0 && afterRecovery.every((outcome) => outcome.code === status.OK)),
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
          "scan latency before the kill, p50 / p99 (ms)": `${round(percentile(beforeKill.map((outcome) => outcome.durationMs), 0.5))} / ${round(percentile(beforeKill.map((outcome) => outcome.durationMs), 0.99))}`,
          "UNAVAILABLE, circuit open: calls, p50 / max (ms)": `${circuitOpen.length}, ${round(percentile(circuitOpen.map((outcome) => outcome.durationMs), 0.5))} / ${round(maxCircuitOpenMs)}`,
          "UNAVAILABLE, other: calls, max (ms)": `${unavailable.length - circuitOpen.length}, ${round(maxOtherUnavailableMs)}`,
          "restart (listening) to first successful scan (s)": round(recoveryMs / 1000, 2),
          "recovery bound (s)": recoveryBoundMs / 1000,
          "scanner down, kill to listening again (s)": round((backAt - killedAt) / 1000, 2),
        },
        durationSeconds: round((performance.now() - began) / 1000),
      });
      assertCriteria(criteria);
    } finally {
      for (const client of clients) client.close();
    }
  });
});

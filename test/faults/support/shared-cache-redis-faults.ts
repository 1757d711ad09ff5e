// Proof 6 of the shared scan cache (shared-cache.fault.ts): Redis SIGKILLed (down 5 s, then
// restarted on its port, empty), and later SIGSTOPped for 10 s, under a steady load of scan
// pairs: a cold key scanned on one coordinator, then on the other, which should find it in
// Redis. No scan may fail, and every pair started 1 s or more after Redis's return must be
// answered from the shared tier again.
import { status } from "@grpc/grpc-js";
import { ScanRequest, type CoordinatorServiceClient, type ScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { InfraServer } from "../../support/infra-servers.js";
import { assertCriteria } from "./assert-criteria.js";
import { CallRecorder, percentile, round, type CallOutcome } from "./call-recorder.js";
import { startClosedLoopLoad } from "./closed-loop-load.js";
import { criterion, failuresText, mebibytes, recordResult } from "./fault-report.js";
import { residentMemoryBytes, sleep, type RunningService } from "./services.js";

export interface RedisFaultsSetup {
  readonly redis: InfraServer;
  readonly a: RunningService;
  readonly b: RunningService;
  readonly clientA: CoordinatorServiceClient;
  readonly clientB: CoordinatorServiceClient;
  readonly coldQuery: () => ScanQuery;
  readonly symbols: readonly string[];
  readonly deadlineMs: number;
  readonly commandTimeoutMs: number;
}

const PAIR_CALLERS = 4;
const THINK_MS = 250;
const KILLED_MS = 5000;
const STOPPED_MS = 10_000;
const SETTLE_MS = 5000;
/** The bound: shared hits resume within 1 s of Redis's return. */
const RESUME_MS = 1000;

interface Pair {
  readonly startedAt: number;
  readonly first: CallOutcome<ScanResponse>;
  readonly second: CallOutcome<ScanResponse>;
  /** The second coordinator answered from the cache: the shared tier, since it never saw the key. */
  readonly sharedHit: boolean;
}

interface ReadySample {
  /** When the request was sent: a request sent after the coordinator took Redis for down is answered after it did. */
  readonly sentAt: number;
  readonly at: number;
  readonly status: number;
  readonly namesRedis: boolean;
}

const latencies = (pairs: readonly Pair[]): string => {
  const values = pairs.map((pair) => pair.first.durationMs);
  return values.length === 0
    ? "none"
    : `${round(percentile(values, 0.5))} / ${round(percentile(values, 0.99))} / ${round(Math.max(...values))} (${values.length})`;
};

export async function runRedisFaults(setup: RedisFaultsSetup): Promise<void> {
  const { redis, a, clientA, clientB, coldQuery, symbols, deadlineMs } = setup;
  const began = performance.now();
  const recorder = new CallRecorder();
  const pairs: Pair[] = [];
  let serial = 0;
  const scan = (target: CoordinatorServiceClient, symbol: string, query: ScanQuery): Promise<CallOutcome<ScanResponse>> =>
    recorder.unary(target.scan.bind(target), ScanRequest.fromPartial({ symbol, query }), deadlineMs);
  const pair = async (caller: number): Promise<void> => {
    const [first, second] = caller % 2 === 0 ? [clientA, clientB] : [clientB, clientA];
    const symbol = symbols[serial++ % symbols.length] ?? "SPY";
    const query = coldQuery();
    const startedAt = performance.now();
    const one = await scan(first, symbol, query);
    const two = await scan(second, symbol, query);
    pairs.push({ startedAt, first: one, second: two, sharedHit: two.code === status.OK && two.response?.cacheHit === true });
  };
  const readiness: ReadySample[] = [];
  const sampling = { on: true };
  const sampler = (async () => {
    while (sampling.on) {
      const sentAt = performance.now();
      const response = await fetch(`http://127.0.0.1:${a.adminPort}/readyz`);
      readiness.push({ sentAt, at: performance.now(), status: response.status, namesRedis: (await response.text()).includes("redis") });
      await sleep(200);
    }
  })();

  const memoryBefore = await residentMemoryBytes(a.adminPort);
  const load = startClosedLoopLoad(PAIR_CALLERS, THINK_MS, pair);
  await sleep(SETTLE_MS);
  const killedAt = performance.now();
  await redis.kill();
  await sleep(KILLED_MS);
  await redis.restart();
  const restartedAt = performance.now();
  await sleep(SETTLE_MS);
  const stoppedAt = performance.now();
  redis.pause();
  await sleep(STOPPED_MS);
  redis.resume();
  const resumedAt = performance.now();
  await sleep(SETTLE_MS);
  await load.stop();
  sampling.on = false;
  await sampler;
  const memoryAfter = await residentMemoryBytes(a.adminPort);

  const startedBetween = (from: number, to: number): Pair[] => pairs.filter((each) => each.startedAt >= from && each.startedAt < to);
  // Pairs that ran wholly between a return and the next fault (or the end).
  const ranBetween = (from: number, to: number): Pair[] => startedBetween(from, to).filter((each) => each.second.endedAt < to);
  const afterReturn = (returnedAt: number, until: number) => {
    const after = ranBetween(returnedAt, until);
    const settled = ranBetween(returnedAt + RESUME_MS, until);
    const lastMiss = after.filter((each) => !each.sharedHit).at(-1);
    const firstHit = after.find((each) => each.sharedHit);
    return {
      settled,
      settledHits: settled.filter((each) => each.sharedHit).length,
      lastMissMs: lastMiss ? round(lastMiss.startedAt - returnedAt) : "none",
      firstHitMs: firstHit ? round(firstHit.startedAt - returnedAt) : "none",
    };
  };
  const afterKill = afterReturn(restartedAt, stoppedAt);
  const afterStop = afterReturn(resumedAt, Number.POSITIVE_INFINITY);
  const beforeFaults = ranBetween(0, killedAt);
  const outages = [a, setup.b].flatMap((coordinator) =>
    coordinator.process.logs.filter((line) => line.msg === "dependency is down: degraded, answering without it"),
  );
  const outageReasons = [...new Set(outages.map((line) => String(line.reason).replace(/\d+/g, "N")))].join("; ");
  const whileKilled = startedBetween(killedAt, restartedAt);
  const whileStopped = startedBetween(stoppedAt, resumedAt);
  // A killed Redis is noticed when coordinator A's loop reads the closed socket, a hung one when
  // a command runs out of time (the next command may come a scan later): /readyz can only name
  // Redis from then on. So it must stay 200 through both outages, and name Redis in every
  // answer to a request sent after A took Redis for down, until Redis was back.
  const takenDownAt = (from: number, to: number): number | undefined =>
    a.process.logs
      .filter((line) => line.msg === "dependency is down: degraded, answering without it" && line.dependency === "redis")
      .map((line) => Date.parse(String(line.time)) - performance.timeOrigin)
      .find((at) => at >= from && at < to);
  const detectedKill = takenDownAt(killedAt, restartedAt);
  const detectedStop = takenDownAt(stoppedAt, resumedAt);
  const during = (sample: ReadySample, from: number, to: number): boolean => sample.sentAt > from && sample.at < to;
  const readyWhileDown = readiness.filter((sample) => during(sample, killedAt, restartedAt) || during(sample, stoppedAt, resumedAt));
  // Log times are whole milliseconds: a request sent within the same millisecond is left out.
  const namingWindows = [
    [detectedKill, restartedAt],
    [detectedStop, resumedAt],
  ].flatMap(([from, to]) => (from === undefined || to === undefined ? [] : [[from + 1, to] as const]));
  const readyAfterDetection = readiness.filter((sample) => namingWindows.some(([from, to]) => during(sample, from, to)));
  const detectionText = `taken for down at SIGKILL +${detectedKill === undefined ? "never" : Math.round(detectedKill - killedAt)} ms, SIGSTOP +${detectedStop === undefined ? "never" : Math.round(detectedStop - stoppedAt)} ms`;
  // Each outage against the faults: one taken outside them (a command out of time on a busy
  // machine) explains a pair that missed the shared tier after Redis was back.
  const phaseOf = (epochMs: number): string => {
    const at = epochMs - performance.timeOrigin;
    const since = (label: string, from: number): string => `${label} +${Math.round(at - from)} ms`;
    if (at >= resumedAt) return since("after SIGCONT", resumedAt);
    if (at >= stoppedAt) return since("SIGSTOP", stoppedAt);
    if (at >= restartedAt) return since("after restart", restartedAt);
    if (at >= killedAt) return since("SIGKILL", killedAt);
    return since("before the faults, SIGKILL", killedAt);
  };
  const outageTimes = outages.map((line) => phaseOf(Date.parse(String(line.time)))).join("; ");
  const errors =
    (await fetch(`http://127.0.0.1:${a.adminPort}/metrics`).then((response) => response.text())).match(/^spreadscan_redis_errors_total\{[^}]*\} (\S+)$/gm)
      ?.length ?? 0;

  const byStatus = recorder.byStatus();
  const criteria = [
    criterion(
      "0 failed scans",
      failuresText(byStatus),
      recorder.outcomes.every((outcome) => outcome.code === status.OK),
    ),
    criterion("no call hangs past its deadline + 1 s", `${recorder.hungCalls} hung`, recorder.hungCalls === 0),
    criterion(
      "pairs ran while Redis was killed and while it was stopped",
      `${whileKilled.length} and ${whileStopped.length}`,
      whileKilled.length > 0 && whileStopped.length > 0,
    ),
    criterion(
      `after the SIGKILL: every pair started ${RESUME_MS / 1000} s or more after Redis was back is answered from the shared tier`,
      `${afterKill.settledHits} of ${afterKill.settled.length}`,
      afterKill.settled.length > 0 && afterKill.settledHits === afterKill.settled.length,
    ),
    criterion(
      `after the SIGSTOP: every pair started ${RESUME_MS / 1000} s or more after SIGCONT is answered from the shared tier`,
      `${afterStop.settledHits} of ${afterStop.settled.length}`,
      afterStop.settled.length > 0 && afterStop.settledHits === afterStop.settled.length,
    ),
    criterion(
      "/readyz stays 200 while Redis is down, and names redis (degraded) from when coordinator A took it for down until it was back",
      `200 in ${readyWhileDown.filter((sample) => sample.status === 200).length} of ${readyWhileDown.length} samples; redis named in ${readyAfterDetection.filter((sample) => sample.namesRedis).length} of ${readyAfterDetection.length} sent after it was ${detectionText}`,
      readyWhileDown.length > 0 &&
        readyWhileDown.every((sample) => sample.status === 200) &&
        detectedKill !== undefined &&
        detectedStop !== undefined &&
        readyAfterDetection.length > 0 &&
        readyAfterDetection.every((sample) => sample.namesRedis),
    ),
  ];
  recordResult({
    name: "shared-cache-redis-faults",
    title: "Cluster 6. Shared cache: Redis SIGKILLed, then SIGSTOPped",
    load: `${PAIR_CALLERS} callers, each a Scan of a cold key on one coordinator then on the other, then ${THINK_MS} ms pause; deadline ${deadlineMs / 1000} s`,
    faults: `Redis SIGKILLed, down ${KILLED_MS / 1000} s, restarted empty on its port; ${SETTLE_MS / 1000} s later SIGSTOPped for ${STOPPED_MS / 1000} s (REDIS_COMMAND_TIMEOUT ${setup.commandTimeoutMs} ms)`,
    calls: recorder.total,
    byStatus,
    hungCalls: recorder.hungCalls,
    lostWatcherUpdates: null,
    memory: [{ process: "coordinator A", beforeMb: mebibytes(memoryBefore), afterMb: mebibytes(memoryAfter) }],
    criteria,
    figures: {
      "first scan of a pair (computed), p50 / p99 / max ms (pairs): before the faults": latencies(beforeFaults),
      "... started while Redis was killed": latencies(whileKilled),
      "... started while Redis was stopped": latencies(whileStopped),
      "shared hits among pairs started before the faults": `${beforeFaults.filter((each) => each.sharedHit).length} of ${beforeFaults.length}`,
      "shared hits among pairs started while killed / stopped": `${whileKilled.filter((each) => each.sharedHit).length} of ${whileKilled.length} / ${whileStopped.filter((each) => each.sharedHit).length} of ${whileStopped.length}`,
      "after the restart: last pair without a shared hit / first with one, started at (ms after return)": `${afterKill.lastMissMs} / ${afterKill.firstHitMs}`,
      "after SIGCONT: last pair without a shared hit / first with one, started at (ms after return)": `${afterStop.lastMissMs} / ${afterStop.firstHitMs}`,
      "Redis error series on coordinator A (operations that failed at least once)": errors,
      "Redis taken for down, both coordinators (log lines), and why": `${outages.length}: ${outageReasons}`,
      "... and when": outageTimes,
    },
    measurements: {
      firstScanP50BeforeMs: round(
        percentile(
          beforeFaults.map((each) => each.first.durationMs),
          0.5,
        ),
      ),
      firstScanMaxWhileStoppedMs: round(Math.max(0, ...whileStopped.map((each) => each.first.durationMs))),
    },
    durationSeconds: round((performance.now() - began) / 1000),
  });
  assertCriteria(criteria);
}

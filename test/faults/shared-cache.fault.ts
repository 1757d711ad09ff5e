// The shared scan cache on real processes: a redis-server, two scanners and two coordinators
// (A on scanner 1, B on scanner 2, both on Redis), proving the items 3 to 6:
// 3. a scan computed on A is answered on B from Redis, with no scanner Scan;
// 4. 2 coordinators × 10 concurrent cold scans of one key: 1 chain fetch and 1 Scan fleet-wide;
// 6. Redis SIGKILLed, and separately SIGSTOPped for 10 s, under scan load: no scan fails, and
//    results are shared again within 1 s of Redis's return;
// 5. A SIGKILLed while it computes (its scanner is stopped, so its scan hangs mid-way): B's
//    waiters take its lease over when it expires and succeed within lease + scan time.
// Scans are counted from the scanners' own metrics (grpc_server_started_total{grpc_method="Scan"})
// and chain fetches from the coordinators' (spreadscan_market_chain_fetches_total).
import { credentials, status } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest, type ScanResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { CallRecorder, countByStatus, percentile, round, type CallOutcome } from "./support/call-recorder.js";
import { criterion, failuresText, mebibytes, recordResult } from "./support/fault-report.js";
import { runRedisFaults } from "./support/shared-cache-redis-faults.js";
import {
  CLIENT_CHANNEL_OPTIONS,
  killAll,
  residentMemoryBytes,
  sleep,
  startCoordinator,
  startScanner,
  stopWith,
  type RunningService,
} from "./support/services.js";
import { startRedis, stopAllInfraServers, type InfraServer } from "../support/infra-servers.js";
import { scrapeSum } from "../support/prometheus-samples.js";

const LEASE_TTL_S = 2;
const COMMAND_TIMEOUT_MS = 250;
const DEADLINE_MS = 15_000;
const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "AMZN"] as const;

/** A query no other scan of the suite asks (its min_pop): a cold key. */
let querySerial = 0;
function coldQuery(): ScanQuery {
  querySerial++;
  return ScanQuery.fromPartial({
    strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
    filters: { minDte: 7, maxDte: 45, maxShortDelta: 0.3, minPop: 0.5 + querySerial / 1e6, maxWidth: 5 },
    limit: 10,
  });
}

let redis: InfraServer;
let scanner1: RunningService;
let scanner2: RunningService;
let a: RunningService;
let b: RunningService;
let clientA: CoordinatorServiceClient;
let clientB: CoordinatorServiceClient;

const coordinatorEnv = (): Record<string, string> => ({
  REDIS_URL: redis.url,
  SCAN_LEASE_TTL: String(LEASE_TTL_S),
  REDIS_COMMAND_TIMEOUT: `${COMMAND_TIMEOUT_MS}ms`,
  // Market data pacing is not under test: no scan waits for a token.
  REQUESTS_PER_SECOND: "1000",
  BURST_SIZE: "1000",
  MAX_CONCURRENT_SCANS: "20",
  SCANNER_TIMEOUT: "30",
});

const client = (service: RunningService): CoordinatorServiceClient =>
  new CoordinatorServiceClient(service.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);

/** Scans the scanners have started, both together. */
const scannerScans = async (): Promise<number> =>
  (await scrapeSum(scanner1.adminPort, "grpc_server_started_total", { grpc_method: "Scan" })) +
  (await scrapeSum(scanner2.adminPort, "grpc_server_started_total", { grpc_method: "Scan" }));
const chainFetches = async (...coordinators: RunningService[]): Promise<number> => {
  let sum = 0;
  for (const coordinator of coordinators) sum += await scrapeSum(coordinator.adminPort, "spreadscan_market_chain_fetches_total");
  return sum;
};

function scanWith(recorder: CallRecorder, target: CoordinatorServiceClient, symbol: string, query: ScanQuery, bypassCache = false) {
  return recorder.unary(target.scan.bind(target), ScanRequest.fromPartial({ symbol, query, bypassCache }), DEADLINE_MS);
}

/** A response's result as its wire bytes, for comparing results exactly. */
const resultBytes = (response: ScanResponse | undefined): string =>
  response?.result ? Buffer.from(ScanResult.encode(response.result).finish()).toString("base64") : "none";

const ms = (values: readonly number[]): string => `${round(percentile(values, 0.5))} / ${round(percentile(values, 0.99))} / ${round(Math.max(0, ...values))}`;

beforeAll(async () => {
  redis = await startRedis();
  scanner1 = await startScanner();
  scanner2 = await startScanner();
  a = await startCoordinator(scanner1.address, coordinatorEnv());
  b = await startCoordinator(scanner2.address, coordinatorEnv());
  clientA = client(a);
  clientB = client(b);
  // Each symbol once on each coordinator, so that first listings are not what is measured.
  const warm = new CallRecorder();
  for (const symbol of SYMBOLS) {
    await scanWith(warm, clientA, symbol, coldQuery(), true);
    await scanWith(warm, clientB, symbol, coldQuery(), true);
  }
}, 120_000);

afterAll(async () => {
  clientA.close();
  clientB.close();
  killAll();
  await stopAllInfraServers();
});

describe("the shared scan cache under faults", () => {
  it("3. answers on B, from Redis, a scan computed on A, with no scanner Scan", async () => {
    const began = performance.now();
    const recorder = new CallRecorder();
    const rounds: { computeMs: number; sharedMs: number; scansForB: number; hit: boolean; sameResult: boolean }[] = [];
    for (const symbol of SYMBOLS) {
      const query = coldQuery();
      const before = await scannerScans();
      const onA = await scanWith(recorder, clientA, symbol, query);
      const afterA = await scannerScans();
      const onB = await scanWith(recorder, clientB, symbol, query);
      const afterB = await scannerScans();
      const hit = onA.code === status.OK && onB.code === status.OK && onB.response?.cacheHit === true && onA.response?.cacheHit === false;
      rounds.push({
        computeMs: onA.durationMs,
        sharedMs: onB.durationMs,
        scansForB: afterB - afterA + (afterA - before - 1),
        hit,
        sameResult: resultBytes(onA.response) === resultBytes(onB.response),
      });
    }
    const sharedHits = await scrapeSum(b.adminPort, "spreadscan_scan_cache_hits_total", { tier: "shared" });
    const criteria = [
      criterion(
        "every scan succeeds",
        failuresText(recorder.byStatus()),
        recorder.outcomes.every((outcome) => outcome.code === status.OK),
      ),
      criterion(
        "B answers every scan A computed from the cache (cache_hit), with A's result",
        `${rounds.filter((each) => each.hit && each.sameResult).length} of ${rounds.length}`,
        rounds.every((each) => each.hit && each.sameResult),
      ),
      criterion(
        "no scanner Scan for B's scans (scanners' grpc_server_started_total, A's one Scan each subtracted)",
        `${rounds.reduce((sum, each) => sum + each.scansForB, 0)} Scans`,
        rounds.every((each) => each.scansForB === 0),
      ),
      criterion("B counts them as shared-tier hits (spreadscan_scan_cache_hits_total{tier=shared})", `${sharedHits}`, sharedHits >= rounds.length),
    ];
    recordResult({
      name: "shared-cache-hit",
      title: "Cluster 3. Shared cache: computed on A, answered on B",
      load: `one scan at a time: a cold key on coordinator A, then the same on B (${SYMBOLS.length} symbols)`,
      faults: "none (the result crosses coordinators through Redis)",
      calls: recorder.total,
      byStatus: recorder.byStatus(),
      hungCalls: recorder.hungCalls,
      lostWatcherUpdates: null,
      memory: [],
      criteria,
      figures: {
        "computed on A, p50 / p99 / max (ms)": ms(rounds.map((each) => each.computeMs)),
        "answered from Redis on B, p50 / p99 / max (ms)": ms(rounds.map((each) => each.sharedMs)),
      },
      measurements: {
        computeP50Ms: round(
          percentile(
            rounds.map((each) => each.computeMs),
            0.5,
          ),
        ),
        sharedHitP50Ms: round(
          percentile(
            rounds.map((each) => each.sharedMs),
            0.5,
          ),
        ),
      },
      durationSeconds: round((performance.now() - began) / 1000),
    });
    assertCriteria(criteria);
  });

  it("4. computes 2 coordinators × 10 concurrent cold scans of one key once: 1 chain fetch and 1 Scan fleet-wide", async () => {
    const began = performance.now();
    const recorder = new CallRecorder();
    const ROUNDS = 5;
    const rounds: { fetches: number; scans: number; okCalls: number; sameResult: boolean; wallMs: number }[] = [];
    for (let index = 0; index < ROUNDS; index++) {
      const symbol = SYMBOLS[index % SYMBOLS.length]!;
      const query = coldQuery();
      const fetchesBefore = await chainFetches(a, b);
      const scansBefore = await scannerScans();
      const started = performance.now();
      const outcomes: CallOutcome<ScanResponse>[] = await Promise.all(
        Array.from({ length: 20 }, (_, call) => scanWith(recorder, call % 2 === 0 ? clientA : clientB, symbol, query)),
      );
      const wallMs = performance.now() - started;
      const first = resultBytes(outcomes[0]?.response);
      rounds.push({
        fetches: (await chainFetches(a, b)) - fetchesBefore,
        scans: (await scannerScans()) - scansBefore,
        okCalls: outcomes.filter((outcome) => outcome.code === status.OK).length,
        sameResult: outcomes.every((outcome) => resultBytes(outcome.response) === first),
        wallMs,
      });
    }
    const waited =
      (await scrapeSum(a.adminPort, "spreadscan_scan_lease_waits_total", { outcome: "result" })) +
      (await scrapeSum(b.adminPort, "spreadscan_scan_lease_waits_total", { outcome: "result" }));
    const criteria = [
      criterion(
        "every scan succeeds",
        failuresText(recorder.byStatus()),
        recorder.outcomes.every((outcome) => outcome.code === status.OK),
      ),
      criterion(
        "exactly 1 chain fetch fleet-wide per round (coordinators' spreadscan_market_chain_fetches_total)",
        rounds.map((each) => each.fetches).join(", "),
        rounds.every((each) => each.fetches === 1),
      ),
      criterion(
        "exactly 1 scanner Scan fleet-wide per round (scanners' grpc_server_started_total)",
        rounds.map((each) => each.scans).join(", "),
        rounds.every((each) => each.scans === 1),
      ),
      criterion(
        "all 20 callers of a round get the same result",
        `${rounds.filter((each) => each.sameResult).length} of ${ROUNDS} rounds`,
        rounds.every((each) => each.sameResult),
      ),
    ];
    recordResult({
      name: "shared-cache-single-flight",
      title: "Cluster 4. Shared cache: one computation fleet-wide",
      load: `${ROUNDS} rounds, each 20 concurrent Scans of one cold key, 10 on coordinator A and 10 on B`,
      faults: "none (contention for one key's lease)",
      calls: recorder.total,
      byStatus: recorder.byStatus(),
      hungCalls: recorder.hungCalls,
      lostWatcherUpdates: null,
      memory: [],
      criteria,
      figures: {
        "round, all 20 answered, p50 / max (ms)": `${round(
          percentile(
            rounds.map((each) => each.wallMs),
            0.5,
          ),
        )} / ${round(Math.max(...rounds.map((each) => each.wallMs)))}`,
        "jobs that waited for the other coordinator's result (lease waits, outcome result)": waited,
      },
      measurements: {
        roundP50Ms: round(
          percentile(
            rounds.map((each) => each.wallMs),
            0.5,
          ),
        ),
      },
      durationSeconds: round((performance.now() - began) / 1000),
    });
    assertCriteria(criteria);
  });

  it("6. answers every scan while Redis is SIGKILLed and while it hangs (SIGSTOP, 10 s), and shares results again within 1 s of its return", async () => {
    await runRedisFaults({ redis, a, b, clientA, clientB, coldQuery, symbols: SYMBOLS, deadlineMs: DEADLINE_MS, commandTimeoutMs: COMMAND_TIMEOUT_MS });
  });

  it("5. the owner SIGKILLed mid-scan: the waiters on the other coordinator take its lease over and succeed within lease + scan time", async () => {
    const began = performance.now();
    const recorder = new CallRecorder();
    const symbol = "AMZN";
    // The scan time, measured: fresh scans of the symbol on B (another key, so that the one under test stays cold).
    const measuringQuery = coldQuery();
    const scanTimes: number[] = [];
    for (let index = 0; index < 3; index++) scanTimes.push((await scanWith(recorder, clientB, symbol, measuringQuery, true)).durationMs);
    const scanMs = Math.max(...scanTimes);
    const memoryBefore = await residentMemoryBytes(b.adminPort);

    const query = coldQuery();
    const inspector = new Redis(redis.url);
    try {
      // A's scanner stops: A's computation hangs after it took the lease and fetched the chain.
      scanner1.process.child.kill("SIGSTOP");
      const owner = new CallRecorder();
      const ownersCall = scanWith(owner, clientA, symbol, query);
      const leaseDeadline = Date.now() + 10_000;
      let leaseSeen = false;
      while (!leaseSeen && Date.now() < leaseDeadline) {
        leaseSeen = (await inspector.keys("spreadscan:v1:lease:AMZN*")).length > 0;
        if (!leaseSeen) await sleep(20);
      }
      // Long enough for A to fetch its chain and send it to the stopped scanner.
      await sleep(500);
      const scansOnS2Before = await scrapeSum(scanner2.adminPort, "grpc_server_started_total", { grpc_method: "Scan" });
      const waiters = Promise.all(Array.from({ length: 10 }, () => scanWith(recorder, clientB, symbol, query)));
      await sleep(500);
      const killedAt = performance.now();
      await stopWith(a, "SIGKILL");
      const outcomes = await waiters;
      const lastEnd = Math.max(...outcomes.map((outcome) => outcome.endedAt));
      const afterKillMs = lastEnd - killedAt;
      const boundMs = LEASE_TTL_S * 1000 + scanMs;
      const ownersOutcome = await ownersCall;
      const scansOnS2 = (await scrapeSum(scanner2.adminPort, "grpc_server_started_total", { grpc_method: "Scan" })) - scansOnS2Before;
      const takeovers = await scrapeSum(b.adminPort, "spreadscan_scan_lease_takeovers_total");
      const memoryAfter = await residentMemoryBytes(b.adminPort);
      const criteria = [
        criterion("A held the scan's lease before it was killed", leaseSeen ? "seen in Redis" : "never seen", leaseSeen),
        criterion(
          "every waiter on B succeeds",
          failuresText(countByStatus(outcomes)),
          outcomes.every((outcome) => outcome.code === status.OK),
        ),
        criterion(
          `the last waiter answers within SCAN_LEASE_TTL (${LEASE_TTL_S} s) + the scan time (${round(scanMs)} ms, the slowest of 3 fresh scans measured just before) of the kill`,
          `${round(afterKillMs)} ms`,
          afterKillMs <= boundMs,
        ),
        criterion("B took the lease over once (spreadscan_scan_lease_takeovers_total)", `${takeovers}`, takeovers === 1),
        criterion("one Scan for the 10 waiters (B's scanner)", `${scansOnS2}`, scansOnS2 === 1),
      ];
      recordResult({
        name: "shared-cache-owner-killed",
        title: "Cluster 5. Shared cache: the computing coordinator SIGKILLed",
        load: "1 Scan of a cold key on coordinator A (its scanner SIGSTOPped, so the scan hangs mid-way), then 10 of the same on B",
        faults: `coordinator A SIGKILLed while holding the scan's lease (SCAN_LEASE_TTL ${LEASE_TTL_S} s)`,
        calls: recorder.total,
        byStatus: recorder.byStatus(),
        hungCalls: recorder.hungCalls,
        lostWatcherUpdates: null,
        memory: [{ process: "coordinator B", beforeMb: mebibytes(memoryBefore), afterMb: mebibytes(memoryAfter) }],
        criteria,
        figures: {
          "fresh scan on B, the 3 measured (ms)": scanTimes.map((each) => round(each)).join(", "),
          "kill to the last waiter's answer (ms)": round(afterKillMs),
          "bound: lease + scan time (ms)": round(boundMs),
          "A's own call, its process killed under it": failuresText(countByStatus([ownersOutcome])),
          "kill to the first waiter's answer (ms)": round(Math.min(...outcomes.map((outcome) => outcome.endedAt)) - killedAt),
        },
        measurements: { afterKillMs: round(afterKillMs), scanMs: round(scanMs) },
        durationSeconds: round((performance.now() - began) / 1000),
      });
      assertCriteria(criteria);
    } finally {
      scanner1.process.child.kill("SIGCONT");
      inspector.disconnect();
    }
  });
});

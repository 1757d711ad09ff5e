import { describe, expect, it } from "vitest";
import { ConfigError, env, loadConfig } from "../../services/common/config.js";
import { coordinatorConfig, coordinatorVariables } from "../../services/coordinator/config.js";
import { scannerConfig, scannerVariables } from "../../services/scanner/config.js";
import { DEFAULT_WORK_BUDGET } from "../../services/engine/index.js";

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("environment variables", () => {
  it("take the original design's defaults when absent or blank", () => {
    const coordinator = coordinatorConfig(loadConfig(coordinatorVariables, { SCANNER_TIMEOUT: "  " }));
    expect(coordinator.scanner).toEqual({
      address: "127.0.0.1:50051",
      timeoutMs: 30_000,
      maxRetries: 3,
      channels: 1,
      circuitBreaker: { threshold: 5, halfOpenAfterMs: 60_000 },
    });
    expect(coordinator.maxConcurrentScans).toBe(5);
    expect(coordinator.jobQueueSize).toBe(100);
    expect(coordinator.jobRetentionMs).toBe(3_600_000);
    expect(coordinator.scanCacheTtlMs).toBe(300_000);
    expect(coordinator.pacing).toEqual({
      strategy: "token-bucket",
      requestsPerSecond: 10,
      burstSize: 20,
    });
    expect(coordinator.marketData).toEqual({
      source: "simulated",
      simulatedSeed: 1,
      simulatedTickMs: 1000,
      ibHost: "127.0.0.1",
      ibPort: 7497,
      ibClientId: 0,
      ibMarketDataType: 1,
      ibMaxLines: 90,
      ibMaxMessagesPerSecond: 45,
      ibLookupTimeoutMs: 11_000,
      ibQuoteWaitMs: 4000,
      ibFrozenData: true,
    });
    expect(coordinator.port).toBe(50052);

    const scanner = scannerConfig(loadConfig(scannerVariables, {}));
    expect(scanner.port).toBe(50051);
    expect(scanner.maxConcurrentScans).toBe(10);
    expect(scanner.cacheTtlMs).toBe(300_000);
    expect(scanner.maxRequestBytes).toBe(4 * 1024 * 1024);
    expect(scanner.requestTimeoutMs).toBe(30_000);
  });

  it.each([
    ["30", 30_000],
    ["2.5", 2_500],
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
  ])("read the duration %s as %d ms", (raw, milliseconds) => {
    expect(loadConfig({ D: env.duration(1) }, { D: raw }).D).toBe(milliseconds);
  });

  it.each(["abc", "-1", "0", "0x10", "1e400", "NaN", "Infinity", "30 s", "5d"])("refuse the duration %j", (raw) => {
    expect(problemsOf(() => loadConfig({ D: env.duration(1) }, { D: raw }))).toEqual([
      `D: must be a positive duration in seconds (like 30 or 2.5) or with a unit (500ms, 30s, 5m, 1h); got ${JSON.stringify(raw)}`,
    ]);
  });

  it("accept a zero duration only where zero means off", () => {
    expect(loadConfig({ D: env.duration(1, { allowZero: true }) }, { D: "0" }).D).toBe(0);
  });

  it.each([
    ["4194304", 4_194_304],
    ["4MB", 4_194_304],
    ["512kb", 524_288],
  ])("read the size %s as %d bytes", (raw, size) => {
    expect(loadConfig({ S: env.byteSize(1) }, { S: raw }).S).toBe(size);
  });

  it.each(["lots", "0", "-4MB", "1.5", "9TB"])("refuse the size %j", (raw) => {
    expect(problemsOf(() => loadConfig({ S: env.byteSize(1) }, { S: raw }))).toHaveLength(1);
  });

  it.each(["65536", "-1", "80.5", "http", "1e3"])("refuse the port %j", (raw) => {
    expect(problemsOf(() => loadConfig({ P: env.port(1) }, { P: raw }))).toEqual([`P: must be an integer from 0 to 65535; got ${JSON.stringify(raw)}`]);
  });

  it.each([
    "127.0.0.1:50051",
    "localhost:50051",
    "dns:///scanner.internal:50051",
    "dns:scanner.internal:50051",
    "[::1]:50051",
    "ipv4:127.0.0.1:50051,127.0.0.1:50061,127.0.0.1:50071",
    "ipv6:[::1]:50051,[::1]:50061",
  ])("accept the scanner address %s", (raw) => {
    expect(loadConfig({ A: env.address("x:1") }, { A: raw }).A).toBe(raw);
  });

  it.each(["localhost", "http://scanner:8080/", "scanner:port", "a b:1", "ipv4:127.0.0.1:50051,", "ipv4:127.0.0.1", "127.0.0.1:1,127.0.0.1:2"])(
    "refuse the scanner address %j",
    (raw) => {
      expect(problemsOf(() => loadConfig({ A: env.address("x:1") }, { A: raw }))).toHaveLength(1);
    },
  );

  it.each(["redis://127.0.0.1:6379", "rediss://user:secret@cache.internal:6380/2"])("accept the Redis URL %s", (raw) => {
    expect(loadConfig({ U: env.serverUrl(["redis", "rediss"]) }, { U: raw }).U).toBe(raw);
  });

  it("accept a list of NATS seeds, and leave a shared server out when its URL is absent", () => {
    expect(loadConfig({ U: env.serverUrl(["nats"]) }, { U: "nats://a:4222, nats://b:4222" }).U).toBe("nats://a:4222,nats://b:4222");
    const coordinator = coordinatorConfig(loadConfig(coordinatorVariables, {}));
    expect([coordinator.redisUrl, coordinator.natsUrl, scannerConfig(loadConfig(scannerVariables, {})).natsUrl]).toEqual([undefined, undefined, undefined]);
  });

  it.each(["127.0.0.1:6379", "http://cache:6379", "redis://", "redis://:pw@/0"])("refuse the Redis URL %j without showing it", (raw) => {
    expect(problemsOf(() => loadConfig({ REDIS_URL: env.serverUrl(["redis", "rediss"]) }, { REDIS_URL: raw }))).toEqual([
      "REDIS_URL: must be redis://host:port or rediss://host:port (several separated by commas) (the value is not shown)",
    ]);
  });

  it("give scanners a connection age by default, so that coordinators find new replicas, and coordinators none", () => {
    expect(scannerConfig(loadConfig(scannerVariables, {})).maxConnectionAgeMs).toBe(30_000);
    expect(coordinatorConfig(loadConfig(coordinatorVariables, {})).maxConnectionAgeMs).toBe(0);
  });

  it("read SCAN_WORK_BUDGET as the candidates a scan may go through one by one, from 1, by default the engine's", () => {
    expect(scannerConfig(loadConfig(scannerVariables, {})).scanWorkBudget).toBe(DEFAULT_WORK_BUDGET);
    expect(scannerConfig(loadConfig(scannerVariables, { SCAN_WORK_BUDGET: "5000" })).scanWorkBudget).toBe(5000);
    expect(problemsOf(() => loadConfig(scannerVariables, { SCAN_WORK_BUDGET: "0" }))).toEqual([
      `SCAN_WORK_BUDGET: must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}; got "0"`,
    ]);
  });

  it("read cache warming's settings: refresh-ahead's part of the TTL from 0 (off) to 0.9, predictive invalidation on unless false", () => {
    expect(coordinatorConfig(loadConfig(coordinatorVariables, {})).warming).toEqual({ refreshAheadFraction: 0.2, predictiveInvalidation: true });
    expect(coordinatorConfig(loadConfig(coordinatorVariables, { SCAN_REFRESH_AHEAD: "0", SCAN_PREDICTIVE_INVALIDATION: "false" })).warming).toEqual({
      refreshAheadFraction: 0,
      predictiveInvalidation: false,
    });
    expect(problemsOf(() => loadConfig(coordinatorVariables, { SCAN_REFRESH_AHEAD: "1" }))).toEqual([
      'SCAN_REFRESH_AHEAD: must be a number from 0 to 0.9; got "1"',
    ]);
  });

  it("read IB_LOOKUP_TIMEOUT as the contract lookups' time limit", () => {
    expect(coordinatorConfig(loadConfig(coordinatorVariables, { IB_LOOKUP_TIMEOUT: "500ms" })).marketData.ibLookupTimeoutMs).toBe(500);
  });

  it("refuse IB_SNAPSHOT_TIMEOUT, naming what replaced it, alongside the other bad variables", () => {
    expect(problemsOf(() => loadConfig(coordinatorVariables, { IB_SNAPSHOT_TIMEOUT: "5", IB_MAX_LINES: "0" }))).toEqual([
      'IB_MAX_LINES: must be an integer from 1 to 10000; got "0"',
      'IB_SNAPSHOT_TIMEOUT: is no longer read: quotes wait IB_QUOTE_WAIT; contract lookups and the wait for the first session take IB_LOOKUP_TIMEOUT; got "5"',
    ]);
    // Blank is absent, as for every variable.
    expect(coordinatorConfig(loadConfig(coordinatorVariables, { IB_SNAPSHOT_TIMEOUT: " " })).marketData.ibLookupTimeoutMs).toBe(11_000);
  });

  it("report every bad variable, one line each", () => {
    expect(problemsOf(() => loadConfig(coordinatorVariables, { SCANNER_TIMEOUT: "abc", MARKET_DATA: "bloomberg", REQUESTS_PER_SECOND: "0" }))).toEqual([
      'SCANNER_TIMEOUT: must be a positive duration in seconds (like 30 or 2.5) or with a unit (500ms, 30s, 5m, 1h); got "abc"',
      'REQUESTS_PER_SECOND: must be a number from 0.001 to 1000000; got "0"',
      'MARKET_DATA: must be one of simulated, ibkr; got "bloomberg"',
    ]);
  });
});

// The coordinator assembled in this process from the classes services/coordinator/main.ts
// wires, in the same way, configured from the same environment variables, so that a test can
// reach the simulated market's fault switch (setAvailable) that a process does not expose.
// Keep it in step with main.ts (its MARKET_DATA=simulated branch). The one difference: the
// logger writes to an array the test can read, rather than to stdout.
import { CircuitState } from "cockatiel";
import { pino } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { CoordinatorServiceService } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { loadConfig } from "../../../services/common/config.js";
import { GrpcServer } from "../../../services/common/grpc-server.js";
import type { ServiceBase } from "../../../services/common/service-base.js";
import { ServiceRuntime } from "../../../services/common/service-runtime.js";
import { BackpressureHandler } from "../../../services/coordinator/backpressure/index.js";
import { coordinatorConfig, coordinatorVariables } from "../../../services/coordinator/config.js";
import { CoordinatorMetrics } from "../../../services/coordinator/coordinator-metrics.js";
import { CoordinatorScans } from "../../../services/coordinator/coordinator-scans.js";
import { coordinatorService } from "../../../services/coordinator/coordinator-service.js";
import { JobManager } from "../../../services/coordinator/jobs/job-manager.js";
import { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";
import { ScanCache } from "../../../services/coordinator/scan-cache.js";
import { createScannerCircuitBreaker } from "../../../services/coordinator/scanner-breaker.js";
import { ScannerClient } from "../../../services/coordinator/scanner-client.js";
import { SpreadFeeds } from "../../../services/coordinator/spread-feeds.js";
import type { LogLine } from "../../support/echo-server.js";

export interface InProcessCoordinator {
  readonly market: SimulatedMarket;
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly address: string;
  readonly logs: LogLine[];
  close(): Promise<void>;
}

/**
 * Starts a coordinator on free loopback ports. `env` holds the coordinator's environment
 * variables, as the process would read them (SCANNER_ADDR at least).
 */
export async function startInProcessCoordinator(env: Record<string, string>): Promise<InProcessCoordinator> {
  const config = coordinatorConfig(loadConfig(coordinatorVariables, { COORDINATOR_HOST: "127.0.0.1", COORDINATOR_PORT: "0", COORDINATOR_ADMIN_PORT: "0", ...env }));

  // createServiceBase, with the log lines kept here.
  const logs: LogLine[] = [];
  const logger = pino({ level: config.logLevel, base: { service: "coordinator" }, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
  const registry = new Registry();
  registry.setDefaultLabels({ service: "coordinator" });
  collectDefaultMetrics({ register: registry });
  const grpc = new GrpcServer({
    logger,
    registry,
    maxReceiveMessageBytes: config.maxRequestBytes,
    keepaliveTimeMs: config.keepaliveTimeMs,
    keepaliveTimeoutMs: config.keepaliveTimeoutMs,
    auth: config.auth,
    tls: config.tls,
    limits: config.limits,
  });
  const base: ServiceBase = { logger, registry, grpc };

  // From here on, as main.ts.
  const market = new SimulatedMarket({ seed: config.marketData.simulatedSeed, tickIntervalMs: config.marketData.simulatedTickMs });
  const backpressure = new BackpressureHandler({
    strategy: config.backpressure.strategy,
    requestsPerSecond: config.backpressure.requestsPerSecond,
    burstSize: config.backpressure.burstSize,
    circuitBreakerThreshold: config.backpressure.circuitBreakerThreshold,
    circuitBreakerTimeoutMs: config.backpressure.circuitBreakerTimeoutMs,
  });
  const scannerBreaker = createScannerCircuitBreaker({
    threshold: config.backpressure.circuitBreakerThreshold,
    halfOpenAfterMs: config.backpressure.circuitBreakerTimeoutMs,
  });
  const scanner = new ScannerClient({
    address: config.scanner.address,
    attemptTimeoutMs: config.scanner.timeoutMs,
    maxRetries: config.scanner.maxRetries,
    breaker: scannerBreaker,
    channels: config.scanner.channels,
    apiKey: config.scanner.apiKey,
    tls: config.scanner.tls,
    logger,
  });
  const cache = new ScanCache(config.scanCacheTtlMs, config.staleResultMaxAgeMs);
  const metrics: CoordinatorMetrics = new CoordinatorMetrics(base.registry, {
    runningJobs: () => jobs.runningCount,
    queuedJobs: () => jobs.queuedCount,
    activeFeeds: () => feeds.size,
    backpressure: () => {
      const paced = backpressure.metrics();
      return { ...paced, circuitBreakerOpen: paced.circuitBreakerOpen || scannerBreaker.state !== CircuitState.Closed };
    },
  });
  const scans: CoordinatorScans = new CoordinatorScans({ market, pacer: backpressure, scanner, cache, metrics });
  const jobs: JobManager = new JobManager({
    work: scans.runJob,
    maxRunning: config.maxConcurrentScans,
    maxQueued: config.jobQueueSize,
    timeLimitMs: config.requestTimeoutMs,
    retentionMs: config.jobRetentionMs,
    maxRetained: 10_000,
    retryAfterMs: 1000,
    logger,
  });
  scans.attach(jobs);
  const feeds = new SpreadFeeds({ market, scanner, logger });

  base.grpc.addService(
    CoordinatorServiceService,
    coordinatorService({ scans, jobs, feeds, metrics, batchConcurrency: config.maxConcurrentScans }, { logger, requestTimeoutMs: config.requestTimeoutMs }),
    { adminMethods: ["CancelJob"] },
  );

  const runtime = new ServiceRuntime({
    ...base,
    listen: config,
    shutdownGraceMs: config.shutdownGraceMs,
    isReady: () => market.isAvailable(),
    metricsJson: () => metrics.json(),
    beforeShutdown: () => {
      feeds.stopWatches();
      jobs.stopAccepting();
    },
  });
  const { grpcPort, adminPort } = await runtime.start();

  return {
    market,
    grpcPort,
    adminPort,
    address: `127.0.0.1:${grpcPort}`,
    logs,
    async close() {
      // A process would exit here; in a test process every timer and channel must go.
      await runtime.stop("test finished");
      jobs.close();
      feeds.close();
      scanner.close();
      cache.close();
      backpressure.close();
      await market.close();
    },
  };
}

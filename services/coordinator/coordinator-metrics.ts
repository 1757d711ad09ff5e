// The coordinator's counters in the original design's shape (GetMetrics, /metrics.json), and
// their Prometheus twins (/metrics).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { GetMetricsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";

/**
 * What the fetch pacer reports: the pacing part of the original design's metrics block, still
 * called `backpressure` on the wire and in the spreadscan_backpressure_* gauges (legacy names kept).
 */
export interface PacingSnapshot {
  readonly currentQps: number;
  /** Milliseconds. */
  readonly averageResponseTime: number;
  readonly adaptiveRate: number;
}

export interface CoordinatorMetricsSources {
  readonly runningJobs: () => number;
  readonly queuedJobs: () => number;
  readonly pacing: () => PacingSnapshot;
  /** Whether the circuit to the scanner is anything but closed: the block's `circuit_breaker_open`. */
  readonly scannerCircuitOpen: () => boolean;
  readonly activeFeeds: () => number;
}

export class CoordinatorMetrics {
  private total = 0;
  private succeeded = 0;
  private failed = 0;
  private hits = 0;
  private scanSeconds = 0;
  private scansTimed = 0;
  private readonly scans: Counter<"outcome">;
  private readonly jobDuration: Histogram;
  private readonly chainFetches: Counter;

  constructor(
    registry: Registry,
    private readonly sources: CoordinatorMetricsSources,
  ) {
    this.scans = new Counter({
      name: "spreadscan_coordinator_scans_total",
      help: "Scans asked of the coordinator (Scan, SubmitScan, each symbol of ScanBatch), by outcome: cache_hit, scanned or failed.",
      labelNames: ["outcome"],
      registers: [registry],
    });
    this.jobDuration = new Histogram({
      name: "spreadscan_scan_job_duration_seconds",
      help: "Time from a scan job's start to its end (market data and scanner), seconds.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.chainFetches = new Counter({
      name: "spreadscan_market_chain_fetches_total",
      help: "Option chains scan jobs asked the market data provider for (each a paced request with IBKR).",
      registers: [registry],
    });
    new Gauge({
      name: "spreadscan_scan_jobs",
      help: "Scan jobs now, by state (running or queued).",
      labelNames: ["state"],
      registers: [registry],
      collect() {
        this.set({ state: "running" }, sources.runningJobs());
        this.set({ state: "queued" }, sources.queuedJobs());
      },
    });
    new Gauge({
      name: "spreadscan_market_feeds",
      help: "Live market data feeds open for watched symbols.",
      registers: [registry],
      collect() {
        this.set(sources.activeFeeds());
      },
    });
    const pacing = (pick: (snapshot: PacingSnapshot) => number) =>
      function collect(this: Gauge) {
        this.set(pick(sources.pacing()));
      };
    new Gauge({
      name: "spreadscan_backpressure_qps",
      help: "Requests granted per second, recently.",
      registers: [registry],
      collect: pacing((b) => b.currentQps),
    });
    new Gauge({
      name: "spreadscan_backpressure_response_seconds",
      help: "Average response time of recent paced requests, seconds.",
      registers: [registry],
      collect: pacing((b) => b.averageResponseTime / 1000),
    });
    new Gauge({
      name: "spreadscan_backpressure_rate",
      help: "Requests per second the fetch pacer grants now (moves under the adaptive strategy).",
      registers: [registry],
      collect: pacing((b) => b.adaptiveRate),
    });
    new Gauge({
      name: "spreadscan_circuit_breaker_open",
      help: "1 while the circuit to the scanner is open or half-open (scans fail fast with UNAVAILABLE, or wait for its probe).",
      registers: [registry],
      collect() {
        this.set(sources.scannerCircuitOpen() ? 1 : 0);
      },
    });
  }

  scanAnswered(outcome: { cacheHit: boolean }): void {
    this.total++;
    this.succeeded++;
    if (outcome.cacheHit) this.hits++;
    this.scans.inc({ outcome: outcome.cacheHit ? "cache_hit" : "scanned" });
  }

  scanFailed(): void {
    this.total++;
    this.failed++;
    this.scans.inc({ outcome: "failed" });
  }

  /** A scan job is about to fetch its chain from the market. */
  chainFetched(): void {
    this.chainFetches.inc();
  }

  /** A job that ran (not one answered from the cache), start to end. */
  jobRan(seconds: number): void {
    this.scanSeconds += seconds;
    this.scansTimed++;
    this.jobDuration.observe(seconds);
  }

  snapshot(): GetMetricsResponse {
    const pacing = this.sources.pacing();
    return {
      totalScans: BigInt(this.total),
      successfulScans: BigInt(this.succeeded),
      failedScans: BigInt(this.failed),
      cacheHits: BigInt(this.hits),
      averageScanTime: this.scansTimed === 0 ? 0 : this.scanSeconds / this.scansTimed,
      activeJobs: this.sources.runningJobs(),
      queuedJobs: this.sources.queuedJobs(),
      backpressure: {
        currentQps: pacing.currentQps,
        averageResponseTime: pacing.averageResponseTime / 1000,
        circuitBreakerOpen: this.sources.scannerCircuitOpen(),
        adaptiveRate: pacing.adaptiveRate,
      },
    };
  }

  /** The original design's JSON, for /metrics.json. */
  json(): Record<string, unknown> {
    const snapshot = this.snapshot();
    return {
      total_scans: Number(snapshot.totalScans),
      successful_scans: Number(snapshot.successfulScans),
      failed_scans: Number(snapshot.failedScans),
      cache_hits: Number(snapshot.cacheHits),
      average_scan_time: snapshot.averageScanTime,
      active_jobs: snapshot.activeJobs,
      queued_jobs: snapshot.queuedJobs,
      backpressure: {
        current_qps: snapshot.backpressure?.currentQps ?? 0,
        average_response_time: snapshot.backpressure?.averageResponseTime ?? 0,
        circuit_breaker_open: snapshot.backpressure?.circuitBreakerOpen ?? false,
        adaptive_rate: snapshot.backpressure?.adaptiveRate ?? 0,
      },
    };
  }
}

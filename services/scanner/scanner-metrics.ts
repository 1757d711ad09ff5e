// The scanner's counters, in the original design's shape (GetMetrics, /metrics.json), and
// their Prometheus twins (/metrics).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { GetMetricsResponse } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";

export class ScannerMetrics {
  private requests = 0;
  private failures = 0;
  private hits = 0;
  private filterSeconds = 0;
  private evaluations = 0;
  private active = 0;
  private watching = 0;
  private readonly scanDuration: Histogram;
  private readonly candidates: Counter;
  private readonly watchers: Gauge;
  readonly streamMessages: Counter;
  readonly coalescedUpdates: Counter;
  readonly cacheLookups: Counter<"result">;
  readonly storedChains: Gauge;
  readonly cachedResults: Gauge;
  private cachedResultCount: () => number = () => 0;

  constructor(registry: Registry, storedChainCount: () => number) {
    this.scanDuration = new Histogram({
      name: "spreadscan_scan_duration_seconds",
      help: "Time to evaluate one scan (cache misses), seconds.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.candidates = new Counter({
      name: "spreadscan_candidates_evaluated_total",
      help: "Candidate spreads that reached evaluation: considered, less those whose legs failed the leg filters.",
      registers: [registry],
    });
    this.watchers = new Gauge({ name: "spreadscan_active_watchers", help: "WatchSpreads streams open now.", registers: [registry] });
    this.streamMessages = new Counter({ name: "spreadscan_stream_messages_sent_total", help: "WatchSpreads messages sent.", registers: [registry] });
    this.coalescedUpdates = new Counter({
      name: "spreadscan_updates_coalesced_total",
      help: "Chain updates a watcher skipped because a newer one arrived before it could be sent.",
      registers: [registry],
    });
    this.cacheLookups = new Counter({
      name: "spreadscan_result_cache_lookups_total",
      help: "Scan result cache lookups, by result (hit or miss).",
      labelNames: ["result"],
      registers: [registry],
    });
    this.storedChains = new Gauge({
      name: "spreadscan_stored_chains",
      help: "Symbols with a chain in the store.",
      registers: [registry],
      collect() {
        this.set(storedChainCount());
      },
    });
    const cachedResultCount = (): number => this.cachedResultCount();
    this.cachedResults = new Gauge({
      name: "spreadscan_cached_results",
      help: "Scan results in the result cache (only the latest chain version of each symbol is kept).",
      registers: [registry],
      collect() {
        this.set(cachedResultCount());
      },
    });
  }

  /** Where the cached results gauge reads its count: the result cache is made after the metrics. */
  countCachedResults(count: () => number): void {
    this.cachedResultCount = count;
  }

  scanStarted(): void {
    this.requests++;
    this.active++;
  }

  scanFinished(outcome: { failed: boolean }): void {
    this.active--;
    if (outcome.failed) this.failures++;
  }

  cacheHit(): void {
    this.hits++;
    this.cacheLookups.inc({ result: "hit" });
  }

  evaluated(seconds: number, candidates: number): void {
    this.cacheLookups.inc({ result: "miss" });
    this.evaluations++;
    this.filterSeconds += seconds;
    this.scanDuration.observe(seconds);
    this.candidates.inc(candidates);
  }

  watcherOpened(): void {
    this.watching++;
    this.watchers.inc();
  }

  watcherClosed(): void {
    this.watching--;
    this.watchers.dec();
  }

  /** WatchSpreads streams open now. */
  activeWatchers(): number {
    return this.watching;
  }

  snapshot(): GetMetricsResponse {
    return {
      totalRequests: BigInt(this.requests),
      cacheHits: BigInt(this.hits),
      averageFilterTime: this.evaluations === 0 ? 0 : this.filterSeconds / this.evaluations,
      activeScans: this.active,
      errorRate: this.requests === 0 ? 0 : this.failures / this.requests,
    };
  }
}

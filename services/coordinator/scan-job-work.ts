// A scan job's work: the chain from the market data provider, paced by the fetch pacer,
// then the scanner's ranking of it, stored in the cache. The job manager runs it;
// it needs nothing of the job manager, so the two are made in order, without a cycle.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { ScanRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import type { CoordinatorMetrics } from "./coordinator-metrics.js";
import type { ScanJob } from "./jobs/scan-job.js";
import type { MarketDataProvider } from "./market/market-data-provider.js";
import { fetchFailureKind } from "./market/provider-failures.js";
import type { CachedScan, ScanCache } from "./scan-cache.js";
import type { FleetSingleFlight } from "./shared-cache/fleet-single-flight.js";
import { marketFetch, pacedFetch } from "./fetch-spans.js";

/** What the coordinator needs of the pacer of its chain fetches. */
export interface FetchPacer {
  acquire(options?: { priority?: number; signal?: AbortSignal }): Promise<{ queueTimeMs: number; queuePosition?: number }>;
  /** `success` false only for a failure of the provider itself (see provider-failures.ts). */
  recordRequest(outcome: { duration: number; success: boolean; queueTime: number }): void;
}

/** What the coordinator needs of the scanner client. */
export interface ChainScanner {
  scan(request: ScanRequest, options?: { signal?: AbortSignal }): Promise<ScanResult>;
  /** Throws the UNAVAILABLE a scan would get now without reaching the scanner (its circuit is open). */
  refuseWhileCircuitOpen(): void;
}

export interface ScanJobWorkOptions {
  readonly market: MarketDataProvider;
  readonly pacer: FetchPacer;
  readonly scanner: ChainScanner;
  readonly cache: ScanCache;
  readonly metrics: CoordinatorMetrics;
  /** One computation of a scan across coordinators (REDIS_URL); absent: each job computes its own. */
  readonly fleet?: Pick<FleetSingleFlight, "run"> | undefined;
  /** When results are stored, epoch milliseconds (tests move it); Date.now unless given. */
  readonly now?: () => number;
  /**
   * The reach digest a result is stored with (predictive invalidation), or undefined when none is
   * needed (the symbol has no feed here whose updates would be judged against it).
   */
  readonly reachOf?: ((symbol: string, query: ScanQuery | undefined, chain: OptionChain) => string | undefined) | undefined;
}

export class ScanJobWork {
  constructor(private readonly options: ScanJobWorkOptions) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** One job's work: the job manager's `work`. */
  readonly run = async (job: Pick<ScanJob, "id" | "symbol" | "query" | "key" | "createdAt">, signal: AbortSignal): Promise<ScanResult> => {
    const { fleet, metrics } = this.options;
    const started = performance.now();
    try {
      // A result another coordinator stored since this job was asked for is as fresh as one computed here.
      if (fleet) return await fleet.run(job.key, signal, () => this.compute(job, signal), { notBefore: job.createdAt.getTime() });
      return (await this.compute(job, signal)).result;
    } finally {
      metrics.jobRan((performance.now() - started) / 1000);
    }
  };

  /** The chain from the market, ranked by the scanner, kept in the cache. */
  private async compute(job: Pick<ScanJob, "id" | "symbol" | "query" | "key">, signal: AbortSignal): Promise<CachedScan> {
    const { market, pacer, scanner, cache, metrics } = this.options;
    // Before the market: while the circuit is open a chain fetched (and, from IBKR, paced)
    // would only be thrown away.
    scanner.refuseWhileCircuitOpen();
    const { queueTimeMs } = await pacedFetch(() => pacer.acquire({ signal }));
    const fetchStarted = performance.now();
    let chain;
    try {
      metrics.chainFetched();
      chain = await marketFetch(market.name, job.symbol, () => market.fetchChain({ symbol: job.symbol, query: job.query, signal }));
      pacer.recordRequest({ duration: performance.now() - fetchStarted, success: true, queueTime: queueTimeMs });
    } catch (error) {
      // Only the provider's own failures count against it: a caller's unknown symbol must
      // not slow everyone's scans.
      const kind = fetchFailureKind(error, signal);
      if (kind !== "abandoned") pacer.recordRequest({ duration: performance.now() - fetchStarted, success: kind === "answered", queueTime: queueTimeMs });
      throw error;
    }
    const result = await scanner.scan(ScanRequest.fromPartial({ symbol: job.symbol, chain, query: job.query }), { signal });
    const entry: CachedScan = { result, jobId: job.id, storedAt: this.now(), query: job.query, reach: this.options.reachOf?.(job.symbol, job.query, chain) };
    cache.set(job.key, entry);
    return entry;
  }
}

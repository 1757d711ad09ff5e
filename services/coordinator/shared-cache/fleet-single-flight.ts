// One computation of a scan across the fleet. Inside a coordinator the job manager already
// shares one job between identical scans; this makes that job the only one of the fleet:
// it takes the scan's lease before fetching the chain, or, when another coordinator holds
// it, waits (polling, at most SCAN_LEASE_WAIT) for that coordinator's result. When the lease
// disappears without a result (its owner died or hung), the waiter takes it over. Whatever
// goes wrong with Redis, the job computes on its own: a scan never fails for want of Redis.
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { CachedScan, ScanCache } from "../scan-cache.js";
import type { ScanLeases } from "./scan-lease.js";
import type { SharedCacheMetrics } from "./shared-cache-metrics.js";
import type { SharedResultStore } from "./shared-result-store.js";
import type { StoredScan } from "./stored-scan.js";
import { singleFlightWait } from "../scan-spans.js";

export interface FleetSingleFlightOptions {
  readonly store: SharedResultStore;
  readonly leases: ScanLeases;
  /** The coordinator's own tier: results from other coordinators are kept in it too. */
  readonly localCache: ScanCache;
  readonly metrics: SharedCacheMetrics;
  /** The longest a job waits for another coordinator's computation (SCAN_LEASE_WAIT), milliseconds. */
  readonly waitMs: number;
  /** Between two looks for the owner's result, milliseconds. */
  readonly pollMs?: number;
}

const DEFAULT_POLL_MS = 20;

type WaitOutcome = { readonly kind: "result"; readonly stored: StoredScan } | { readonly kind: "lease gone" } | { readonly kind: "gave up" };

export class FleetSingleFlight {
  constructor(private readonly options: FleetSingleFlightOptions) {}

  /** The shared tier's result for a caller who accepts a cached one, kept in the local tier for as long as Redis keeps it. */
  async lookup(key: string): Promise<CachedScan | undefined> {
    if (!this.options.store.caching) return undefined;
    const stored = await this.options.store.get(key);
    if (!stored) {
      this.options.metrics.miss();
      return undefined;
    }
    this.keepLocally(key, stored);
    this.options.metrics.hit("shared");
    return stored;
  }

  /** A hit in the coordinator's own tier, counted beside the shared tier's. */
  localHit(): void {
    this.options.metrics.hit("local");
  }

  /**
   * The scan's result, computed by `compute` here unless another coordinator is computing it
   * now. Only a result stored since the job was asked for counts (`notBefore`, epoch ms; or,
   * whatever the clocks say, one that was not there when it began): the job runs because the
   * cache could not (or must not) answer, so it takes what a job joined inside one coordinator
   * would, a result computed while it waited.
   */
  async run(key: string, signal: AbortSignal, compute: () => Promise<CachedScan>, { notBefore = Number.POSITIVE_INFINITY } = {}): Promise<ScanResult> {
    const { store, leases, metrics } = this.options;
    const present = await store.peek(key);
    const seen: Freshness = { jobId: present?.jobId, notBefore };
    const waitUntil = performance.now() + this.options.waitMs;
    let waited = false;
    for (;;) {
      const attempt = await leases.acquire(key);
      if (attempt.state === "unavailable") {
        if (waited) metrics.waited("gave_up");
        return this.computeAndStore(key, compute);
      }
      if (attempt.state === "held") {
        try {
          // The owner before may have stored its result between our first look and its release.
          const arrived = await this.newResult(key, seen);
          if (waited) metrics.waited(arrived ? "result" : "took_over");
          if (arrived) return arrived.result;
          return await this.computeAndStore(key, compute);
        } finally {
          await attempt.lease.release();
        }
      }
      waited = true;
      const outcome = await singleFlightWait("fleet", () => this.waitForOwner(key, seen, waitUntil, signal));
      if (outcome.kind === "result") {
        metrics.waited("result");
        return outcome.stored.result;
      }
      if (outcome.kind === "gave up") {
        metrics.waited("gave_up");
        return this.computeAndStore(key, compute);
      }
      // The lease is gone without a result: take it over (or find a newer owner) on the next turn.
    }
  }

  /** Computes here and stores the result in Redis before the lease is released, so that waiters find it when the lease goes. */
  private async computeAndStore(key: string, compute: () => Promise<CachedScan>): Promise<ScanResult> {
    const entry = await compute();
    await this.options.store.set(key, entry);
    return entry.result;
  }

  /** The result stored since the job was asked for, if there is one (kept locally too). */
  private async newResult(key: string, seen: Freshness): Promise<StoredScan | undefined> {
    const present = await this.options.store.peek(key);
    if (!present || !isNew(present, seen)) return undefined;
    const stored = await this.options.store.get(key);
    if (!stored || !isNew(stored, seen)) return undefined;
    this.keepLocally(key, stored);
    return stored;
  }

  private async waitForOwner(key: string, seen: Freshness, waitUntil: number, signal: AbortSignal): Promise<WaitOutcome> {
    const pollMs = this.options.pollMs ?? DEFAULT_POLL_MS;
    for (;;) {
      if (performance.now() >= waitUntil) return { kind: "gave up" };
      await abortableSleep(pollMs, signal);
      // The lease first: an owner stores its result before it releases its lease, so a lease
      // seen gone here means its result (if any) is already there to be read next.
      const held = await this.options.leases.held(key);
      if (held === undefined) return { kind: "gave up" };
      const stored = await this.newResult(key, seen);
      if (stored) return { kind: "result", stored };
      if (!held) return { kind: "lease gone" };
    }
  }

  private keepLocally(key: string, stored: StoredScan): void {
    this.options.localCache.set(key, { result: stored.result, jobId: stored.jobId, storedAt: stored.storedAt }, stored.remainingMs);
  }
}

/** What a job takes for new: not the result it found when it began, or one stored since it was asked for. */
interface Freshness {
  readonly jobId: string | undefined;
  readonly notBefore: number;
}

const isNew = (stored: { jobId: string; storedAt: number }, seen: Freshness): boolean => stored.jobId !== seen.jobId || stored.storedAt >= seen.notBefore;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

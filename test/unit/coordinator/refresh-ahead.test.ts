// Refresh-ahead is background work: with a real JobManager whose scans finish when the test
// says, a hit near expiry starts a refresh only in a slot no caller's scan needs; while every
// slot is taken or scans are queued it is counted busy and left to a later hit.
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { JobManager, type JobManagerOptions } from "../../../services/coordinator/jobs/job-manager.js";
import { CacheWarmingMetrics } from "../../../services/coordinator/warming/cache-warming-metrics.js";
import { RefreshAhead } from "../../../services/coordinator/warming/refresh-ahead.js";

const TTL_MS = 60_000;

async function refreshCounts(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("spreadscan_scan_cache_refreshes_total")?.get();
  return Object.fromEntries((metric?.values ?? []).map((sample) => [String(sample.labels.outcome), sample.value]));
}

describe("refresh-ahead", () => {
  it("starts a refresh only in an idle scan slot, and counts it busy otherwise", async () => {
    const finish = new Map<string, () => void>();
    const work: JobManagerOptions["work"] = (job) =>
      new Promise<ScanResult>((resolve) => finish.set(job.symbol, () => resolve(ScanResult.fromPartial({ symbol: job.symbol }))));
    const jobs = new JobManager({
      work,
      maxRunning: 1,
      maxQueued: 4,
      timeLimitMs: 60_000,
      retentionMs: 60_000,
      maxRetained: 100,
      retryAfterMs: 750,
      logger: pino({ level: "silent" }),
    });
    const registry = new Registry();
    let now = 1_000_000;
    const refreshAhead = new RefreshAhead({ ttlMs: TTL_MS, fraction: 0.2, jobs, metrics: new CacheWarmingMetrics(registry, 0.2), now: () => now });
    // A result stored 55 s ago: in the last fifth of its minute.
    const entry = { result: ScanResult.fromPartial({ symbol: "SPY" }), jobId: "stored-job", storedAt: now - 55_000 };

    // A caller's scan holds the only slot: the hit starts nothing.
    const callers = jobs.submit("QQQ", undefined, "qqq", "alice").job;
    refreshAhead.onHit("SPY", undefined, "spy", entry);
    expect(jobs.runningCount + jobs.queuedCount).toBe(1);
    expect(await refreshCounts(registry)).toMatchObject({ busy: 1, computed: 0 });

    // Free again: the next hit refreshes, once.
    finish.get("QQQ")?.();
    await callers.finished;
    now += 1000;
    refreshAhead.onHit("SPY", undefined, "spy", entry);
    refreshAhead.onHit("SPY", undefined, "spy", entry);
    await expect.poll(() => finish.has("SPY")).toBe(true);
    expect(jobs.runningCount).toBe(1);
    finish.get("SPY")?.();
    await expect.poll(async () => (await refreshCounts(registry)).computed).toBe(1);
    expect(await refreshCounts(registry)).toMatchObject({ busy: 1, computed: 1, failed: 0 });
  });
});

// The job manager's rules, with work the test controls: slots and queue, sharing, cancellation,
// time limits, unexpected failures, paging, retention, and whose jobs a caller reads.
import { status } from "@grpc/grpc-js";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JobState } from "../../../gen/ts/spreadscan/coordinator/v1/job.js";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { notFound, RpcError } from "../../../services/common/errors.js";
import { JobManager, type JobEvent, type JobManagerOptions } from "../../../services/coordinator/jobs/job-manager.js";
import { readableJob } from "../../../services/coordinator/jobs/job-visibility.js";

/** Work that finishes when the test says, per symbol. */
function controlledWork() {
  const pending = new Map<string, { resolve: (result: ScanResult) => void; reject: (error: unknown) => void; signal: AbortSignal }>();
  const work: JobManagerOptions["work"] = (job, signal) =>
    new Promise<ScanResult>((resolve, reject) => {
      pending.set(job.symbol, { resolve, reject, signal });
    });
  return { work, pending };
}

function manager(overrides: Partial<JobManagerOptions> = {}): JobManager {
  return new JobManager({
    work: () => Promise.resolve(ScanResult.fromPartial({})),
    maxRunning: 1,
    maxQueued: 1,
    timeLimitMs: 60_000,
    retentionMs: 60_000,
    maxRetained: 100,
    retryAfterMs: 750,
    logger: pino({ level: "silent" }),
    ...overrides,
  });
}

afterEach(() => {
  vi.useRealTimers();
});

/** A caller who reads only the jobs it asked for. */
const ALICE = { owner: "alice", everyJob: false };

describe("JobManager", () => {
  it("runs one job at a time, queues one, shares identical ones, and refuses past the queue", async () => {
    const { work, pending } = controlledWork();
    const jobs = manager({ work });
    const events: JobEvent[] = [];
    jobs.events.on("change", (event: JobEvent) => events.push(event));

    const first = jobs.submit("SPY", undefined, "spy");
    const second = jobs.submit("QQQ", undefined, "qqq");
    expect(first.job.state).toBe(JobState.JOB_STATE_RUNNING);
    expect(second.job.state).toBe(JobState.JOB_STATE_QUEUED);
    expect(jobs.submit("SPY", undefined, "spy")).toEqual({ job: first.job, joined: true });
    expect(jobs.submit("QQQ", undefined, "qqq")).toEqual({ job: second.job, joined: true });
    let refusal: unknown;
    try {
      jobs.submit("IWM", undefined, "iwm");
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RpcError);
    expect((refusal as RpcError).code).toBe(status.RESOURCE_EXHAUSTED);
    expect((refusal as RpcError).details.retryDelayMs).toBe(750);

    pending.get("SPY")?.resolve(ScanResult.fromPartial({ symbol: "SPY" }));
    await first.job.finished;
    expect(first.job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(first.job.result?.symbol).toBe("SPY");
    // The queued job takes the freed slot.
    expect(second.job.state).toBe(JobState.JOB_STATE_RUNNING);
    pending.get("QQQ")?.reject(notFound("no QQQ here"));
    await second.job.finished;
    expect(second.job.state).toBe(JobState.JOB_STATE_FAILED);
    expect(second.job.error?.code).toBe(status.NOT_FOUND);

    expect(events.map((event) => [event.job.symbol, event.previousState, event.job.state])).toEqual([
      ["SPY", JobState.JOB_STATE_UNSPECIFIED, JobState.JOB_STATE_QUEUED],
      ["SPY", JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING],
      ["QQQ", JobState.JOB_STATE_UNSPECIFIED, JobState.JOB_STATE_QUEUED],
      ["SPY", JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED],
      ["QQQ", JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING],
      ["QQQ", JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_FAILED],
    ]);
  });

  it("cancels a queued job at once and a running one through its signal; a finished one stays as it was", async () => {
    const { work, pending } = controlledWork();
    const jobs = manager({ work, maxQueued: 5 });
    const running = jobs.submit("SPY", undefined, "spy").job;
    // Work that ignores its signal (never settles here) does not hold the job up.
    const queued = jobs.submit("QQQ", undefined, "qqq").job;

    expect(jobs.cancel(queued.id).state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(jobs.queuedCount).toBe(0);
    jobs.cancel(running.id);
    expect(pending.get("SPY")?.signal.aborted).toBe(true);
    await running.finished;
    expect(running.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(running.error?.code).toBe(status.CANCELLED);
    expect(jobs.cancel(running.id).state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(() => jobs.cancel("nope")).toThrow(/no job "nope"/);
  });

  it("fails a job past its time limit with DEADLINE_EXCEEDED, and an unexpected error as INTERNAL without its detail", async () => {
    vi.useFakeTimers();
    const { work } = controlledWork();
    const slow = manager({ work, timeLimitMs: 5_000 });
    const job = slow.submit("SPY", undefined, "spy").job;
    await vi.advanceTimersByTimeAsync(5_001);
    await job.finished;
    expect(job.state).toBe(JobState.JOB_STATE_FAILED);
    expect(job.error?.code).toBe(status.DEADLINE_EXCEEDED);

    const broken = manager({ work: () => Promise.reject(new TypeError("secret internals")) });
    const failed = broken.submit("SPY", undefined, "spy").job;
    await failed.finished;
    expect(failed.error?.code).toBe(status.INTERNAL);
    expect(failed.error?.message).not.toContain("secret");
  });

  it("pages through jobs newest first with tokens, filters by state, and forgets finished jobs after the retention period", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-24T15:00:00Z"));
    const jobs = manager({ maxRunning: 10, maxQueued: 10, retentionMs: 60_000, now: () => Date.now() });
    const made = [];
    for (const symbol of ["A", "B", "C", "D", "E"]) {
      made.push(jobs.submit(symbol, undefined, symbol, "alice").job);
      vi.setSystemTime(Date.now() + 1000);
    }
    await Promise.all(made.map((job) => job.finished));

    const all = new Set<JobState>();
    const first = jobs.list(ALICE, all, 2, "");
    expect(first?.jobs.map((job) => job.symbol)).toEqual(["E", "D"]);
    const second = jobs.list(ALICE, all, 2, first?.nextPageToken ?? "");
    expect(second?.jobs.map((job) => job.symbol)).toEqual(["C", "B"]);
    const third = jobs.list(ALICE, all, 2, second?.nextPageToken ?? "");
    expect(third?.jobs.map((job) => job.symbol)).toEqual(["A"]);
    expect(third?.nextPageToken).toBe("");
    expect(jobs.list(ALICE, new Set([JobState.JOB_STATE_FAILED]), 10, "")?.jobs).toEqual([]);
    expect(jobs.list(ALICE, all, 10, "not-a-token")).toBeUndefined();

    expect(jobs.get(made[0]?.id ?? "")).toBeDefined();
    vi.setSystemTime(Date.now() + 61_000);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(jobs.get(made[0]?.id ?? "")).toBeUndefined();
    expect(jobs.list(ALICE, all, 10, "")?.jobs).toEqual([]);
  });

  it("lists and reads for each owner only the jobs it asked for, for an admin every job, and lists nobody the coordinator's own", async () => {
    const { work, pending } = controlledWork();
    const jobs = manager({ work, maxRunning: 10, maxQueued: 10 });
    const asAlice = jobs.submit("A", undefined, "a", "alice").job;
    const asBob = jobs.submit("B", undefined, "b", "bob").job;
    // Bob asks for Alice's scan while it runs: one job, now both of theirs.
    expect(jobs.submit("A", undefined, "a", "bob")).toEqual({ job: asAlice, joined: true });
    // A refresh ahead of expiry: nobody asked for it.
    const refresh = jobs.submit("R", undefined, "r").job;
    const cached = jobs.recordCached("C", undefined, "c", ScanResult.fromPartial({ symbol: "C" }), "alice");
    // Carol is answered with the cached job's result: it is hers to read too.
    jobs.noteAskedFor(cached.id, "carol");
    for (const symbol of ["A", "B", "R"]) pending.get(symbol)?.resolve(ScanResult.fromPartial({ symbol }));
    await Promise.all([asAlice.finished, asBob.finished, refresh.finished]);

    const listed = (owner: string, everyJob = false): string[] =>
      (jobs.list({ owner, everyJob }, new Set(), 10, "")?.jobs ?? []).map((job) => job.symbol).sort();
    expect(listed("alice")).toEqual(["A", "C"]);
    expect(listed("bob")).toEqual(["A", "B"]);
    expect(listed("carol")).toEqual(["C"]);
    expect(listed("mallory")).toEqual([]);
    expect(listed("mallory", true)).toEqual(["A", "B", "C"]);

    const bob = { owner: "bob", everyJob: false };
    expect(readableJob(bob, asAlice.id, jobs.get(asAlice.id))).toBe(asAlice);
    // Another's job reads as one that does not exist: the same status and words.
    const refusal = (read: () => unknown): RpcError => {
      try {
        read();
      } catch (error) {
        if (error instanceof RpcError) return error;
      }
      throw new Error("not refused");
    };
    const othersJob = refusal(() => readableJob(bob, cached.id, jobs.get(cached.id)));
    const noJob = refusal(() => readableJob(bob, cached.id, undefined));
    expect(othersJob.code).toBe(status.NOT_FOUND);
    expect(othersJob.message).toBe(noJob.message);
    expect(refusal(() => readableJob(bob, refresh.id, jobs.get(refresh.id))).code).toBe(status.NOT_FOUND);
    expect(readableJob({ owner: "bob", everyJob: true }, refresh.id, jobs.get(refresh.id))).toBe(refresh);
  });

  it("keeps a finished job readable for JOB_RETENTION from when it finished, then answers NOT_FOUND", async () => {
    vi.useFakeTimers();
    const { work, pending } = controlledWork();
    const jobs = manager({ work, retentionMs: 60_000, now: () => Date.now() });
    const job = jobs.submit("SPY", undefined, "spy", "alice").job;
    // A long run: the retention period counts from the finish, not from the start.
    vi.advanceTimersByTime(30_000);
    pending.get("SPY")?.resolve(ScanResult.fromPartial({ symbol: "SPY" }));
    await job.finished;

    // Readable to the last millisecond of the period, and reading it does not extend it.
    vi.advanceTimersByTime(59_999);
    expect(jobs.require(job.id)).toBe(job);
    vi.advanceTimersByTime(1);
    expect(jobs.require(job.id)).toBe(job);
    expect(jobs.list(ALICE, new Set(), 10, "")?.jobs).toEqual([job]);

    vi.advanceTimersByTime(1);
    expect(jobs.get(job.id)).toBeUndefined();
    let missing: unknown;
    try {
      jobs.require(job.id);
    } catch (error) {
      missing = error;
    }
    expect(missing).toBeInstanceOf(RpcError);
    expect((missing as RpcError).code).toBe(status.NOT_FOUND);
    expect((missing as RpcError).message).toContain(job.id);
    expect(jobs.list(ALICE, new Set(), 10, "")?.jobs).toEqual([]);
  });

  it("records a cached answer as a job born succeeded, and refuses new jobs once it stops accepting", () => {
    const jobs = manager();
    const cached = jobs.recordCached("SPY", undefined, "spy", ScanResult.fromPartial({ symbol: "SPY" }));
    expect(cached.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(cached.cacheHit).toBe(true);
    expect(jobs.get(cached.id)).toBe(cached);
    jobs.stopAccepting();
    expect(() => jobs.submit("QQQ", undefined, "qqq")).toThrow(/shutting down/);
  });
});

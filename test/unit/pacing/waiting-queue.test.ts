// How callers wait: priority order, leaving on abort, refusals when the queue is full or the
// wait too long (RESOURCE_EXHAUSTED with a retry delay), one timer at most, and close().
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Pacer } from "../../../services/coordinator/pacing/index.js";
import { RpcError } from "../../../services/common/errors.js";
import { pacerOnFakeTime } from "./pacing-support.js";

let pacer: Pacer | undefined;

afterEach(() => {
  pacer?.close();
  pacer = undefined;
  vi.useRealTimers();
});

/** One grant per second, none left: every acquire waits. */
async function drainedHandler(options: Parameters<typeof pacerOnFakeTime>[0] = {}): Promise<Pacer> {
  pacer = pacerOnFakeTime({ requestsPerSecond: 1, burstSize: 1, maxWaitMs: 1e9, ...options });
  await pacer.acquire();
  return pacer;
}

/** A waiter the test does not follow: its rejection at close() is expected, not unhandled. */
function ignored(promise: Promise<unknown>): void {
  promise.catch(() => undefined);
}

async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe("waiting for a grant", () => {
  it("serves higher priority first, first come first served within a priority", async () => {
    const h = await drainedHandler();
    const order: string[] = [];
    const wait = (name: string, priority?: number) => void h.acquire(priority === undefined ? {} : { priority }).then(() => order.push(name));
    wait("low-1");
    wait("high-1", 5);
    wait("low-2", 0);
    wait("mid-1", 2);
    wait("high-2", 5);
    wait("negative", -1);
    await vi.advanceTimersByTimeAsync(6000);
    expect(order).toEqual(["high-1", "high-2", "mid-1", "low-1", "low-2", "negative"]);
  });

  it("leaves the queue at once on abort, rejects with the signal's reason, and frees its turn", async () => {
    const h = await drainedHandler();
    const controller = new AbortController();
    const reason = new Error("caller went away");
    const aborted = h.acquire({ signal: controller.signal });
    let nextAt: number | undefined;
    const start = Date.now();
    void h.acquire().then(() => (nextAt = Date.now() - start));
    expect(h.queued).toBe(2);

    await vi.advanceTimersByTimeAsync(300);
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(h.queued).toBe(1);
    // The aborted caller took no grant: the next one gets the first, at 1000 ms, not 2000.
    await vi.advanceTimersByTimeAsync(700);
    expect(nextAt).toBe(1000);
  });

  it("rejects at once with the reason of a signal that is already aborted", async () => {
    const h = await drainedHandler();
    const controller = new AbortController();
    controller.abort();
    await expect(h.acquire({ signal: controller.signal })).rejects.toBe(controller.signal.reason);
    expect(h.queued).toBe(0);
  });

  it("refuses with RESOURCE_EXHAUSTED and the expected wait when the queue is full", async () => {
    const h = await drainedHandler({ maxQueue: 2 });
    ignored(h.acquire());
    ignored(h.acquire());
    const error = await refusal(h.acquire());
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    // Third in line at one per second, with the next grant 1000 ms away.
    expect(error.details.retryDelayMs).toBe(3000);
    expect(h.queued).toBe(2);
  });

  it("refuses with RESOURCE_EXHAUSTED when the expected wait exceeds maxWaitMs, judging by priority", async () => {
    const h = await drainedHandler({ maxWaitMs: 2500 });
    ignored(h.acquire());
    ignored(h.acquire());
    const error = await refusal(h.acquire());
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details.retryDelayMs).toBe(3000);
    expect(h.queued).toBe(2);
    // A priority caller goes ahead of both, so its wait is only 1000 ms.
    const urgent = h.acquire({ priority: 1 });
    expect(h.queued).toBe(3);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(urgent).resolves.toEqual({ queueTimeMs: 1000, queuePosition: 1 });
  });

  it("tells each grant where it joined the queue (the pacing.wait span's queue position): 0 granted at once, else 1 first in line", async () => {
    pacer = pacerOnFakeTime({ requestsPerSecond: 1, burstSize: 1, maxWaitMs: 1e9 });
    await expect(pacer.acquire()).resolves.toEqual({ queueTimeMs: 0, queuePosition: 0 });
    const second = pacer.acquire();
    const third = pacer.acquire();
    // Behind both, by priority, yet ahead of none of equal priority that came before it.
    const urgent = pacer.acquire({ priority: 1 });
    const fourth = pacer.acquire();
    await vi.advanceTimersByTimeAsync(4000);
    const positions = await Promise.all([second, third, urgent, fourth].map(async (grant) => (await grant).queuePosition));
    expect(positions).toEqual([1, 2, 1, 4]);
  });

  it("keeps one timer at most, for the head of the queue", async () => {
    const h = await drainedHandler();
    for (let i = 0; i < 50; i++) {
      ignored(h.acquire({ priority: i % 3 }));
    }
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.queued).toBe(40);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(h.queued).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("close() rejects every waiter with UNAVAILABLE, stops the timer and refuses later calls", async () => {
    const h = await drainedHandler();
    const waiting = [h.acquire(), h.acquire({ priority: 3 })];
    h.close();
    for (const wait of waiting) {
      const error = await refusal(wait);
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(error.message).toBe("shutting down");
    }
    expect(vi.getTimerCount()).toBe(0);
    expect((await refusal(h.acquire())).code).toBe(status.UNAVAILABLE);
  });

  it("unrefs its timer so a waiting queue does not hold the process open", async () => {
    vi.useRealTimers();
    const { Pacer } = await import("../../../services/coordinator/pacing/index.js");
    pacer = new Pacer({ strategy: "token-bucket", requestsPerSecond: 0.001, burstSize: 1, maxWaitMs: 1e9 });
    await pacer.acquire();
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    ignored(pacer.acquire());
    const timer = setTimeoutSpy.mock.results[0]?.value as NodeJS.Timeout;
    setTimeoutSpy.mockRestore();
    expect(timer.hasRef()).toBe(false);
  });
});

// The circuit: after `threshold` consecutive failures execute() fails fast with UNAVAILABLE and
// a retry delay until the probe; after the timeout one probe goes through; a success closes it,
// a failure opens it again. Never cockatiel's untyped errors.
import { status } from "@grpc/grpc-js";
import { CircuitState } from "cockatiel";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BackpressureHandler } from "../../../services/coordinator/backpressure/index.js";
import { RpcError } from "../../../services/common/errors.js";
import { handlerOnFakeTime } from "./pacing-support.js";

const TIMEOUT_MS = 60_000;
const THRESHOLD = 3;

let handler: BackpressureHandler | undefined;

afterEach(() => {
  handler?.close();
  handler = undefined;
  vi.useRealTimers();
});

function circuitHandler(): BackpressureHandler {
  handler = handlerOnFakeTime({ circuitBreakerThreshold: THRESHOLD, circuitBreakerTimeoutMs: TIMEOUT_MS, targetLatencyMs: 800 });
  return handler;
}

const failing = () => Promise.reject(new Error("scanner down"));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value: unknown) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (reason: unknown) => reason,
  );
}

async function unavailableError(promise: Promise<unknown>): Promise<RpcError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(RpcError);
  expect((error as RpcError).code).toBe(status.UNAVAILABLE);
  return error as RpcError;
}

async function openCircuit(h: BackpressureHandler): Promise<void> {
  for (let i = 0; i < THRESHOLD; i++) {
    expect(await rejection(h.execute(failing))).toMatchObject({ message: "scanner down" });
  }
}

describe("circuit breaker", () => {
  it("stays closed below the threshold, and a success resets the count", async () => {
    const h = circuitHandler();
    for (let i = 0; i < THRESHOLD - 1; i++) {
      await rejection(h.execute(failing));
    }
    await expect(h.execute(() => Promise.resolve("ok"))).resolves.toBe("ok");
    for (let i = 0; i < THRESHOLD - 1; i++) {
      await rejection(h.execute(failing));
    }
    expect(h.metrics().circuitBreakerOpen).toBe(false);
    expect(h.breaker.state).toBe(CircuitState.Closed);
  });

  it("opens after threshold consecutive failures and then fails fast with UNAVAILABLE and the time until the probe", async () => {
    const h = circuitHandler();
    await openCircuit(h);
    expect(h.metrics().circuitBreakerOpen).toBe(true);

    const work = vi.fn(() => Promise.resolve("never"));
    const error = await unavailableError(h.execute(work));
    expect(error.details.retryDelayMs).toBe(TIMEOUT_MS);
    expect(work).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(25_000);
    expect((await unavailableError(h.execute(work))).details.retryDelayMs).toBe(TIMEOUT_MS - 25_000);
    expect(work).not.toHaveBeenCalled();
  });

  it("fails fast without taking a grant from the rate limit", async () => {
    const h = circuitHandler();
    await openCircuit(h);
    const before = h.metrics().currentQps;
    for (let i = 0; i < 100; i++) {
      await unavailableError(h.execute(() => Promise.resolve()));
    }
    // 20 burst − 3 used: were refusals taking grants, this would have to wait.
    await expect(h.acquire()).resolves.toEqual({ queueTimeMs: 0 });
    expect(h.metrics().currentQps).toBe(before);
  });

  it("lets one probe through after the timeout, refusing others meanwhile; its success closes the circuit", async () => {
    const h = circuitHandler();
    await openCircuit(h);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);

    let finishProbe: (value: string) => void = () => undefined;
    const probeWork = vi.fn(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    const probe = h.execute(probeWork);
    await vi.advanceTimersByTimeAsync(0);
    expect(probeWork).toHaveBeenCalledTimes(1);
    expect(h.breaker.state).toBe(CircuitState.HalfOpen);
    expect(h.metrics().circuitBreakerOpen).toBe(true);

    const other = vi.fn(() => Promise.resolve("other"));
    const refused = await unavailableError(h.execute(other));
    expect(refused.details.retryDelayMs).toBe(800);
    expect(other).not.toHaveBeenCalled();

    finishProbe("probed");
    await expect(probe).resolves.toBe("probed");
    expect(h.metrics().circuitBreakerOpen).toBe(false);
    await expect(h.execute(other)).resolves.toBe("other");
  });

  it("opens again for a full timeout when the probe fails", async () => {
    const h = circuitHandler();
    await openCircuit(h);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await rejection(h.execute(failing))).toMatchObject({ message: "scanner down" });
    expect(h.metrics().circuitBreakerOpen).toBe(true);
    expect((await unavailableError(h.execute(() => Promise.resolve()))).details.retryDelayMs).toBe(TIMEOUT_MS);
  });

  it("is shared: failures run through `breaker` by others open it for execute() too", async () => {
    const h = circuitHandler();
    for (let i = 0; i < THRESHOLD; i++) {
      await rejection(h.breaker.execute(failing));
    }
    expect((await unavailableError(h.execute(() => Promise.resolve()))).details.retryDelayMs).toBe(TIMEOUT_MS);
  });

  it("turns a circuit that opened while the caller waited for its grant into UNAVAILABLE, not BrokenCircuitError", async () => {
    const h = circuitHandler();
    // Use up the burst so the next execute() waits in the queue.
    for (let i = 0; i < 20; i++) {
      await h.acquire();
    }
    const work = vi.fn(() => Promise.resolve("late"));
    const waiting = unavailableError(h.execute(work));
    for (let i = 0; i < THRESHOLD; i++) {
      await rejection(h.breaker.execute(failing));
    }
    await vi.advanceTimersByTimeAsync(100);
    const error = await waiting;
    expect(error.details.retryDelayMs).toBe(TIMEOUT_MS - 100);
    expect(work).not.toHaveBeenCalled();
  });

  it("passes the caller's signal to the work, and records what the work did", async () => {
    const h = circuitHandler();
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    await h.execute((signal) => {
      seen.push(signal);
      return vi.advanceTimersByTimeAsync(250);
    }, { signal: controller.signal });
    expect(seen).toEqual([controller.signal]);
    expect(h.metrics().averageResponseTime).toBe(250);
  });
});

// The historical data pacer on a fake clock: requests go at once while both of IBKR's rules
// allow, then each waits exactly until they do (its window's oldest request + window + margin,
// or its identical predecessor + 15 s-rule + margin); a waiter held by the identical rule does
// not hold up the others; aborting a waiter removes it; closing refuses the rest.
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RpcError } from "../../../services/common/errors.js";
import { HistoricalPacer } from "../../../services/coordinator/market/ibkr/historical-pacer.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts every acquire at once; records when each was granted, by label. */
function burst(pacer: HistoricalPacer, keys: readonly string[]): Record<string, number> {
  const granted: Record<string, number> = {};
  keys.forEach((key, index) => {
    void pacer.acquire(key).then(() => {
      granted[`${index}:${key}`] = Date.now();
    });
  });
  return granted;
}

describe("HistoricalPacer", () => {
  it("lets two go per window and the third when the first leaves the window, with the margin", async () => {
    const pacer = new HistoricalPacer({ maxRequests: 2, windowMs: 1000, identicalWithinMs: 0, marginMs: 100 }, () => Date.now());
    const granted = burst(pacer, ["A", "B", "C", "D", "E"]);
    await vi.advanceTimersByTimeAsync(5000);
    // A, B at 0; C, D when 0 + 1000 + 100 has passed; E when C's 1100 + 1100 has.
    expect(granted).toEqual({ "0:A": 0, "1:B": 0, "2:C": 1100, "3:D": 1100, "4:E": 2200 });
    expect(pacer.requestsGranted).toBe(5);
  });

  it("holds an identical request 15 s-rule + margin after its twin, without holding up the others", async () => {
    const pacer = new HistoricalPacer({ maxRequests: 10, windowMs: 1000, identicalWithinMs: 500, marginMs: 100 }, () => Date.now());
    const granted = burst(pacer, ["SPY", "SPY", "QQQ", "SPY"]);
    await vi.advanceTimersByTimeAsync(5000);
    // SPY at 0, QQQ at 0 though queued behind a held SPY; the SPY repeats at 600 and 1200.
    expect(granted).toEqual({ "0:SPY": 0, "2:QQQ": 0, "1:SPY": 600, "3:SPY": 1200 });
  });

  it("keeps IBKR's limits by default: the 61st request in ten minutes waits ten minutes and a second", async () => {
    const pacer = new HistoricalPacer(undefined, () => Date.now());
    const granted = burst(
      pacer,
      Array.from({ length: 61 }, (_, index) => `S${index}`),
    );
    await vi.advanceTimersByTimeAsync(599_999);
    expect(Object.keys(granted)).toHaveLength(60);
    await vi.advanceTimersByTimeAsync(1001);
    expect(granted["60:S60"]).toBe(601_000);
  });

  it("drops an aborted waiter and refuses every waiter when closed", async () => {
    const pacer = new HistoricalPacer({ maxRequests: 1, windowMs: 1000, identicalWithinMs: 0, marginMs: 0 }, () => Date.now());
    await pacer.acquire("A");
    const controller = new AbortController();
    const aborted = pacer.acquire("B", controller.signal);
    const waiting = pacer.acquire("C");
    expect(pacer.queued).toBe(2);
    controller.abort(new Error("caller gone"));
    await expect(aborted).rejects.toThrow("caller gone");
    expect(pacer.queued).toBe(1);
    pacer.close();
    const refusal: unknown = await waiting.catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RpcError);
    expect((refusal as RpcError).code).toBe(status.UNAVAILABLE);
  });
});

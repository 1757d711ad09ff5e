// The scanner's circuit breaker judges the share of attempts that fail, not a run of them:
// one replica dying with calls in flight must not cut every caller off while the others
// answer, and a real outage must still open the circuit.
import { CircuitState } from "cockatiel";
import { describe, expect, it } from "vitest";
import { invalidArgument, unavailable } from "../../../services/common/errors.js";
import { createScannerCircuitBreaker } from "../../../services/coordinator/scanner-client/scanner-breaker.js";

const THRESHOLD = 5;

function breakerUnderTest() {
  const breaker = createScannerCircuitBreaker({ threshold: THRESHOLD, halfOpenAfterMs: 60_000 });
  const succeed = async (times: number): Promise<void> => {
    for (let call = 0; call < times; call++) await breaker.execute(() => "answered");
  };
  const fail = async (times: number, error = unavailable("the replica went away")): Promise<void> => {
    for (let call = 0; call < times; call++) {
      await breaker.execute(() => Promise.reject(error)).catch(() => undefined);
    }
  };
  return { breaker, succeed, fail };
}

describe("the scanner's circuit breaker", () => {
  it("stays closed when one dying replica fails a burst of calls among the others' answers", async () => {
    const { breaker, succeed, fail } = breakerUnderTest();
    await succeed(100);
    // The calls in flight on the replica that died: more in a row than the threshold.
    await fail(3 * THRESHOLD);
    expect(breaker.state).toBe(CircuitState.Closed);
    await succeed(100);
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it("opens in a real outage, once most recent attempts failed", async () => {
    const { breaker, succeed, fail } = breakerUnderTest();
    await succeed(20);
    await fail(20);
    expect(breaker.state).toBe(CircuitState.Closed);
    await fail(1);
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it("opens at the threshold when nothing but failures were seen", async () => {
    const { breaker, fail } = breakerUnderTest();
    await fail(THRESHOLD - 1);
    expect(breaker.state).toBe(CircuitState.Closed);
    await fail(1);
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it("never counts a caller's mistake against the scanner", async () => {
    const { breaker, fail } = breakerUnderTest();
    await fail(10 * THRESHOLD, invalidArgument([{ field: "symbol", description: "must not be empty" }]));
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it("says when it lets a probe through, from its own events", async () => {
    const { breaker, fail } = breakerUnderTest();
    expect(breaker.describeOpen()).toEqual({});
    await fail(THRESHOLD);
    const { msUntilHalfOpen } = breaker.describeOpen();
    expect(msUntilHalfOpen).toBeGreaterThan(59_000);
    expect(msUntilHalfOpen).toBeLessThanOrEqual(60_000);
    expect(breaker.describeOpen(Date.now() + 60_000).msUntilHalfOpen).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { BackoffSequence, exponentialBackoff } from "../../../services/common/backoff.js";

function delays(sequence: BackoffSequence, count: number): number[] {
  return Array.from({ length: count }, () => sequence.next());
}

describe("the backoff every reconnect and retry waits by", () => {
  it("doubles exactly from the first delay up to the cap without jitter, and starts again after reset", () => {
    const sequence = new BackoffSequence({ initialDelayMs: 200, maxDelayMs: 5_000, jitter: "none" });
    expect(delays(sequence, 7)).toEqual([200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
    sequence.reset();
    expect(sequence.next()).toBe(200);
  });

  it("keeps a fractional jitter within its band around each doubled delay", () => {
    const sequence = new BackoffSequence({ initialDelayMs: 250, maxDelayMs: 10_000, jitter: 0.2 });
    const expected = [250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000];
    for (const [index, delay] of delays(sequence, expected.length).entries()) {
      expect(delay).toBeGreaterThanOrEqual(Math.floor(expected[index]! * 0.8));
      expect(delay).toBeLessThanOrEqual(Math.ceil(expected[index]! * 1.2));
    }
  });

  it("never waits past the cap with decorrelated jitter", () => {
    let step = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 5_000 }).next(undefined);
    for (let attempt = 0; attempt < 50; attempt++) {
      expect(step.duration).toBeGreaterThanOrEqual(0);
      expect(step.duration).toBeLessThanOrEqual(5_000);
      step = step.next(undefined);
    }
  });

  it("refuses a jitter fraction outside [0, 1)", () => {
    expect(() => new BackoffSequence({ initialDelayMs: 1, maxDelayMs: 2, jitter: 1 }).next()).toThrow(RangeError);
  });
});

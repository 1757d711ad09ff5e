// Live ticks into chain updates: at most one emission per interval, the first change at once,
// nothing after close; a waiting emission flushed on demand.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UpdateCoalescer } from "../../../services/coordinator/market/ibkr/update-coalescer.js";

describe("UpdateCoalescer", () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const coalescer = (emit: () => void): UpdateCoalescer => new UpdateCoalescer({ intervalMs: 1000, emit, now: () => clock });
  const advance = (ms: number): void => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  it("emits the first change at once", () => {
    const emit = vi.fn();
    coalescer(emit).mark();
    advance(0);
    expect(emit).toHaveBeenCalledTimes(1);
  });

  it("coalesces a burst into one emission per interval", () => {
    const emit = vi.fn();
    const subject = coalescer(emit);
    for (let ms = 0; ms < 3000; ms += 10) {
      subject.mark();
      advance(10);
    }
    // Emissions at 0, 1000 and 2000 ms; the marks after 2000 wait for 3000.
    expect(emit).toHaveBeenCalledTimes(3);
    expect(subject.pending).toBe(true);
    advance(10);
    expect(emit).toHaveBeenCalledTimes(4);
  });

  it("waits out the rest of the interval after an emission", () => {
    const emit = vi.fn();
    const subject = coalescer(emit);
    subject.mark();
    advance(0);
    advance(300);
    subject.mark();
    advance(699);
    expect(emit).toHaveBeenCalledTimes(1);
    advance(1);
    expect(emit).toHaveBeenCalledTimes(2);
  });

  it("flushes a waiting emission at once, and counts the next interval from then", () => {
    const emit = vi.fn();
    const subject = coalescer(emit);
    subject.mark();
    advance(0);
    advance(300);
    subject.mark();
    subject.flush();
    expect(emit).toHaveBeenCalledTimes(2);
    expect(subject.pending).toBe(false);
    // The timer it replaced does not fire again.
    advance(700);
    expect(emit).toHaveBeenCalledTimes(2);
    subject.mark();
    advance(299);
    expect(emit).toHaveBeenCalledTimes(2);
    advance(1);
    expect(emit).toHaveBeenCalledTimes(3);
  });

  it("flushes nothing when nothing waits", () => {
    const emit = vi.fn();
    const subject = coalescer(emit);
    subject.flush();
    subject.mark();
    advance(0);
    subject.flush();
    expect(emit).toHaveBeenCalledTimes(1);
  });

  it("emits nothing once closed", () => {
    const emit = vi.fn();
    const subject = coalescer(emit);
    subject.mark();
    subject.close();
    subject.mark();
    advance(5000);
    expect(emit).not.toHaveBeenCalled();
  });

  it("refuses a negative interval", () => {
    expect(() => new UpdateCoalescer({ intervalMs: -1, emit: () => undefined })).toThrow(RangeError);
  });
});

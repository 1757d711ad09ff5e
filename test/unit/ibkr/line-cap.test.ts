// The market data line cap: never more open than the limit, first come first served, a
// lower limit after error 101 that recovers with successes, and feeds that leave a reserve.
import { describe, expect, it } from "vitest";
import { LineCap, type LineLease } from "../../../services/coordinator/market/ibkr/line-cap.js";

describe("LineCap", () => {
  it("grants up to the limit, then queues first come first served", async () => {
    const lines = new LineCap(2);
    const a = await lines.acquire();
    await lines.acquire();
    const order: string[] = [];
    const third = lines.acquire().then((lease) => {
      order.push("third");
      return lease;
    });
    const fourth = lines.acquire().then((lease) => {
      order.push("fourth");
      return lease;
    });
    expect(lines.open).toBe(2);
    expect(lines.waiting).toBe(2);
    a.release();
    a.release(); // twice is once
    await third;
    expect(order).toEqual(["third"]);
    expect(lines.open).toBe(2);
    expect(lines.maxOpen).toBe(2);
    (await third).release();
    await fourth;
    expect(order).toEqual(["third", "fourth"]);
  });

  it("rejects a waiter whose signal aborts, with the signal's reason", async () => {
    const lines = new LineCap(1);
    await lines.acquire();
    const controller = new AbortController();
    const waiting = lines.acquire(controller.signal);
    const reason = new Error("gone");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(lines.waiting).toBe(0);
  });

  it("after a 101 opens no more than were open, then recovers a line per 20 successes", async () => {
    const lines = new LineCap(10);
    const leases: LineLease[] = [];
    for (let i = 0; i < 6; i++) leases.push(await lines.acquire());
    lines.reduce();
    expect(lines.limit).toBe(6);
    leases.pop()?.release();
    expect(lines.limit).toBe(6);
    for (let i = 0; i < 19; i++) lines.recordSuccess();
    expect(lines.limit).toBe(6);
    lines.recordSuccess();
    expect(lines.limit).toBe(7);
  });

  it("never reduces below one line", () => {
    const lines = new LineCap(5);
    lines.reduce();
    expect(lines.limit).toBe(1);
  });

  it("takeUpTo leaves the reserve free and never waits", () => {
    const lines = new LineCap(10);
    expect(lines.takeUpTo(20, 3)).toHaveLength(7);
    expect(lines.takeUpTo(1, 3)).toHaveLength(0);
  });

  it("rejects waiters and later acquires once closed", async () => {
    const lines = new LineCap(1);
    await lines.acquire();
    const waiting = lines.acquire();
    const reason = new Error("closed");
    lines.close(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(lines.acquire()).rejects.toBe(reason);
  });
});

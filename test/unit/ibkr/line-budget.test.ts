// The market data line budget: never more open than the limit, first come first served, a
// lower limit after error 101 that recovers with successes, and feeds that leave a reserve.
import { describe, expect, it } from "vitest";
import { LineBudget, type LineLease } from "../../../services/coordinator/market/ibkr/line-budget.js";

describe("LineBudget", () => {
  it("grants up to the limit, then queues first come first served", async () => {
    const budget = new LineBudget(2);
    const a = await budget.acquire();
    await budget.acquire();
    const order: string[] = [];
    const third = budget.acquire().then((lease) => {
      order.push("third");
      return lease;
    });
    const fourth = budget.acquire().then((lease) => {
      order.push("fourth");
      return lease;
    });
    expect(budget.open).toBe(2);
    expect(budget.waiting).toBe(2);
    a.release();
    a.release(); // twice is once
    await third;
    expect(order).toEqual(["third"]);
    expect(budget.open).toBe(2);
    expect(budget.maxOpen).toBe(2);
    (await third).release();
    await fourth;
    expect(order).toEqual(["third", "fourth"]);
  });

  it("rejects a waiter whose signal aborts, with the signal's reason", async () => {
    const budget = new LineBudget(1);
    await budget.acquire();
    const controller = new AbortController();
    const waiting = budget.acquire(controller.signal);
    const reason = new Error("gone");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(budget.waiting).toBe(0);
  });

  it("after a 101 opens no more than were open, then recovers a line per 20 successes", async () => {
    const budget = new LineBudget(10);
    const leases: LineLease[] = [];
    for (let i = 0; i < 6; i++) leases.push(await budget.acquire());
    budget.reduce();
    expect(budget.limit).toBe(6);
    leases.pop()?.release();
    expect(budget.limit).toBe(6);
    for (let i = 0; i < 19; i++) budget.recordSuccess();
    expect(budget.limit).toBe(6);
    budget.recordSuccess();
    expect(budget.limit).toBe(7);
  });

  it("never reduces below one line", () => {
    const budget = new LineBudget(5);
    budget.reduce();
    expect(budget.limit).toBe(1);
  });

  it("takeUpTo leaves the reserve free and never waits", () => {
    const budget = new LineBudget(10);
    expect(budget.takeUpTo(20, 3)).toHaveLength(7);
    expect(budget.takeUpTo(1, 3)).toHaveLength(0);
  });

  it("rejects waiters and later acquires once closed", async () => {
    const budget = new LineBudget(1);
    await budget.acquire();
    const waiting = budget.acquire();
    const reason = new Error("closed");
    budget.close(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(budget.acquire()).rejects.toBe(reason);
  });
});

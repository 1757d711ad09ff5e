// The pacer in front of TWS: IBKR's 50 messages a second is a ceiling no configuration may
// pass, and error 100 halves the adaptive rate.
import { describe, expect, it } from "vitest";
import { MessagePacer, Priority } from "../../../services/coordinator/market/ibkr/message-pacer.js";

describe("MessagePacer", () => {
  it("refuses a rate above IBKR's 50 messages a second", () => {
    expect(() => new MessagePacer({ maxMessagesPerSecond: 51 })).toThrow(/at most 50/);
    expect(() => new MessagePacer({ maxMessagesPerSecond: 0 })).toThrow(RangeError);
  });

  it("halves its rate on error 100 and climbs back over seconds of answers, never above the ceiling", () => {
    let clock = 0;
    const pacer = new MessagePacer({ maxMessagesPerSecond: 40, now: () => clock });
    expect(pacer.rate).toBe(40);
    pacer.rateExceeded();
    expect(pacer.rate).toBe(20);
    // A burst of answers in one moment is one step back up, not a full recovery.
    for (let i = 0; i < 100; i++) pacer.answered();
    expect(pacer.rate).toBe(22);
    for (let i = 0; i < 100; i++) {
      clock += 250;
      pacer.answered();
    }
    expect(pacer.rate).toBe(40);
    pacer.close();
  });

  it("runs each message's send once its turn comes", async () => {
    const pacer = new MessagePacer({ maxMessagesPerSecond: 45 });
    const sent: number[] = [];
    await Promise.all([1, 2, 3].map((n) => pacer.send(() => sent.push(n), { priority: Priority.QUOTE })));
    expect(sent.sort()).toEqual([1, 2, 3]);
    expect(pacer.messagesSent).toBe(3);
    pacer.close();
  });
});

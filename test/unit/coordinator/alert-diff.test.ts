// The top-N diff the alert checker records: which spreads entered and left, matched by id,
// in the order their events take (left in the previous order, then entered in the new one).
import { describe, expect, it } from "vitest";
import { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { diffTop } from "../../../services/coordinator/alerts/top-diff.js";
import { webhookRetryDelay } from "../../../services/coordinator/alerts/webhook-backoff.js";

const spread = (id: string, netCredit = 1): Spread => Spread.fromPartial({ id, symbol: id.split(":")[0], netCredit });
const summary = (changes: ReturnType<typeof diffTop>): string[] => changes.map((change) => `${change.kind} ${change.spread.id}`);

describe("diffTop", () => {
  it("reports every spread of the first check as entered, best first", () => {
    expect(summary(diffTop(undefined, [spread("SPY:a"), spread("QQQ:b"), spread("SPY:c")]))).toEqual(["entered SPY:a", "entered QQQ:b", "entered SPY:c"]);
  });

  it("reports nothing when the same spreads are in the top N, whatever their order or figures", () => {
    expect(diffTop([spread("SPY:a"), spread("SPY:b")], [spread("SPY:b", 2), spread("SPY:a", 3)])).toEqual([]);
    expect(diffTop([], [])).toEqual([]);
  });

  it("reports the spreads that left in the previous order, then those that entered in the new order", () => {
    const previous = [spread("SPY:a"), spread("SPY:b"), spread("SPY:c"), spread("SPY:d")];
    const current = [spread("SPY:e"), spread("SPY:b"), spread("SPY:f"), spread("SPY:d")];
    expect(summary(diffTop(previous, current))).toEqual(["left SPY:a", "left SPY:c", "entered SPY:e", "entered SPY:f"]);
  });

  it("carries a left spread as last seen and an entered spread as it is now", () => {
    const changes = diffTop([spread("SPY:a", 1.25)], [spread("SPY:b", 0.75)]);
    expect(changes.map((change) => [change.kind, change.spread.netCredit])).toEqual([
      ["left", 1.25],
      ["entered", 0.75],
    ]);
  });

  it("reports everything as left when the top N empties", () => {
    expect(summary(diffTop([spread("SPY:a"), spread("IWM:b")], []))).toEqual(["left SPY:a", "left IWM:b"]);
  });
});

describe("webhookRetryDelay", () => {
  it("stays within the cap and grows from the first delay", () => {
    const settings = { initialDelayMs: 1000, maxDelayMs: 60_000 };
    for (let attempts = 1; attempts <= 60; attempts++) {
      const delay = webhookRetryDelay(attempts, settings);
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(60_000);
    }
    // Decorrelated jitter: the tenth retry waits far longer than the first on average.
    const mean = (attempts: number): number => Array.from({ length: 200 }, () => webhookRetryDelay(attempts, settings)).reduce((a, b) => a + b) / 200;
    expect(mean(10)).toBeGreaterThan(mean(1) * 4);
  });
});

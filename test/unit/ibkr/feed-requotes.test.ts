// The turns in which a live feed quotes again the contracts it has no line for: the one quoted
// longest ago first, none sooner than the minimum age after its last quote, a contract TWS does
// not know never again, a cancelled line's last quote kept until its turn, and nothing kept for
// a contract no query reaches any more.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ContractTicks } from "../../../services/coordinator/market/ibkr/chain-assembly.js";
import { contractKey, type SelectedContract } from "../../../services/coordinator/market/ibkr/chain-selection.js";
import { FeedRequotes } from "../../../services/coordinator/market/ibkr/feed-requotes.js";
import { QuoteTicks } from "../../../services/coordinator/market/ibkr/quote-ticks.js";

const put = (strike: number): SelectedContract => ({ expiryDate: "2027-01-15", strike, right: "P" });
const A = put(500);
const B = put(495);
const C = put(490);
const MIN_AGE_MS = 5000;

let clock = 0;
beforeEach(() => {
  vi.useFakeTimers();
  clock = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clock and the timers together, letting the re-quotes' promises settle between steps. */
async function advance(ms: number): Promise<void> {
  for (let step = 0; step < ms; step += 100) {
    clock += 100;
    await vi.advanceTimersByTimeAsync(100);
  }
}

const quoteOf = (option: SelectedContract, at: number): ContractTicks => {
  const ticks = new QuoteTicks();
  ticks.price(1, at);
  return { contract: option, ticks, quoteTime: new Date(at) };
};

function requotes(unknown: ReadonlySet<string> = new Set()) {
  const asked: string[] = [];
  const unknownSeen: string[] = [];
  const subject = new FeedRequotes<"plan">({
    requote: (_plan, option) => {
      asked.push(contractKey(option));
      return Promise.resolve({ entry: unknown.has(contractKey(option)) ? undefined : quoteOf(option, clock), unknown: unknown.has(contractKey(option)) });
    },
    concurrency: 1,
    minAgeMs: MIN_AGE_MS,
    backoffMs: 1000,
    maxBackoffMs: 8000,
    onQuote: () => undefined,
    onUnknown: (key) => unknownSeen.push(key),
    onFailure: () => undefined,
    clock: () => clock,
  });
  return { subject, asked, unknownSeen };
}

describe("FeedRequotes", () => {
  it("quotes each contract again once its last quote is the minimum age old, the oldest first, round after round", async () => {
    const { subject, asked } = requotes();
    subject.set(
      [A, B, C].map((option) => ({ option, plan: "plan" as const })),
      new Map(),
    );
    // Just fetched: nothing is asked before the minimum age.
    await advance(MIN_AGE_MS - 100);
    expect(asked).toEqual([]);
    await advance(100);
    expect(asked).toEqual([A, B, C].map(contractKey));
    await advance(MIN_AGE_MS);
    expect(asked).toEqual([A, B, C, A, B, C].map(contractKey));
    expect([...subject.quotes()].map((quote) => quote.contract)).toEqual([A, B, C]);
    subject.close();
  });

  it("takes the contract quoted longest ago first, a contract that joins later waiting its own minimum age", async () => {
    const { subject, asked } = requotes();
    subject.set(
      [A, B].map((option) => ({ option, plan: "plan" as const })),
      new Map(),
    );
    await advance(MIN_AGE_MS);
    await advance(2000);
    subject.set(
      [C, A, B].map((option) => ({ option, plan: "plan" as const })),
      new Map(),
    );
    asked.length = 0;
    await advance(MIN_AGE_MS - 2000);
    expect(asked).toEqual([A, B].map(contractKey));
    await advance(2000);
    expect(asked).toEqual([A, B, C].map(contractKey));
    subject.close();
  });

  it("keeps a cancelled line's last quote until its turn, and forgets contracts no query reaches", async () => {
    const { subject, asked } = requotes();
    const seed = quoteOf(B, -1);
    subject.set(
      [A, B].map((option) => ({ option, plan: "plan" as const })),
      new Map([[contractKey(B), seed]]),
    );
    expect([...subject.quotes()]).toEqual([seed]);
    subject.set([{ option: A, plan: "plan" }], new Map());
    expect([...subject.quotes()]).toEqual([]);
    await advance(MIN_AGE_MS);
    expect(asked).toEqual([contractKey(A)]);
    subject.close();
  });

  it("never asks again for a contract TWS does not know", async () => {
    const { subject, asked, unknownSeen } = requotes(new Set([contractKey(B)]));
    subject.set(
      [A, B].map((option) => ({ option, plan: "plan" as const })),
      new Map(),
    );
    await advance(3 * MIN_AGE_MS);
    expect(unknownSeen).toEqual([contractKey(B)]);
    expect(asked.filter((key) => key === contractKey(B))).toHaveLength(1);
    expect(asked.filter((key) => key === contractKey(A)).length).toBeGreaterThanOrEqual(2);
    subject.close();
  });

  it("stops asking once closed", async () => {
    const { subject, asked } = requotes();
    subject.set([{ option: A, plan: "plan" }], new Map());
    subject.close();
    await advance(3 * MIN_AGE_MS);
    expect(asked).toEqual([]);
  });
});

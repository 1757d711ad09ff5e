// Helpers for the pacing tests: a pacer on fake time, and counting grants per window.
import { vi } from "vitest";
import { Pacer, type PacingOptions } from "../../../services/coordinator/pacing/index.js";

/** A start that is not a multiple of 1000, so aligned and unaligned windows differ. */
export const START = 1_700_000_000_250;

export function pacerOnFakeTime(options: Partial<PacingOptions> = {}): Pacer {
  vi.useFakeTimers({ now: START });
  return new Pacer({
    strategy: "token-bucket",
    requestsPerSecond: 10,
    burstSize: 20,
    now: () => Date.now(),
    ...options,
  });
}

/**
 * The most grants in any window of `windowMs` starting at a grant (the busiest window of a given
 * length always can be slid to start at one). `closed` counts a grant exactly `windowMs` later.
 */
export function busiestWindow(grants: readonly number[], windowMs: number, closed: boolean): number {
  const sorted = [...grants].sort((a, b) => a - b);
  let busiest = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    const limit = sorted[start]! + windowMs;
    while (end < sorted.length && (closed ? sorted[end]! <= limit : sorted[end]! < limit)) {
      end++;
    }
    busiest = Math.max(busiest, end - start);
  }
  return busiest;
}

/** The most grants in one window aligned on multiples of `windowMs`. */
export function busiestAlignedWindow(grants: readonly number[], windowMs: number): number {
  const counts = new Map<number, number>();
  for (const at of grants) {
    const window = Math.floor(at / windowMs);
    counts.set(window, (counts.get(window) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}

/** A tiny deterministic generator (mulberry32), so a "random" arrival pattern is the same every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LongRun {
  /** When each grant happened, by the pacer's clock. */
  readonly grants: number[];
  readonly refused: number;
}

/**
 * Many callers over `durationMs` of fake time: a crowd at the start, then bursts at random
 * moments, some of them priority callers. `onGrant` may feed outcomes back (adaptive).
 */
export async function driveLongRun(pacer: Pacer, durationMs: number, onGrant: (grantIndex: number) => void = () => undefined): Promise<LongRun> {
  const random = seededRandom(42);
  const grants: number[] = [];
  let refused = 0;
  const arrive = (count: number) => {
    for (let i = 0; i < count; i++) {
      const priority = random() < 0.2 ? 1 : 0;
      pacer.acquire({ priority }).then(
        (grant) => {
          grants.push(Date.now());
          // The grant's own account must agree with when it was seen.
          if (grant.queueTimeMs < 0) throw new Error("negative queue time");
          onGrant(grants.length - 1);
        },
        () => {
          refused++;
        },
      );
    }
  };
  arrive(150);
  for (let at = 0; at < durationMs; at += 50 + Math.floor(random() * 400)) {
    setTimeout(() => arrive(Math.floor(random() * 12)), at);
  }
  await vi.advanceTimersByTimeAsync(durationMs);
  return { grants, refused };
}

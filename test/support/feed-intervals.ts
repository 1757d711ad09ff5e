// When each coordinator ran a symbol's market feed, from its log: from "market data feed
// started" to the next "market data feed stopped" (or to `endedAt` for a feed still running,
// or cut short by a SIGKILL), and whether two coordinators' feeds ever overlapped.
import type { LogLine } from "./echo-server.js";

export interface FeedInterval {
  readonly coordinator: string;
  /** Epoch milliseconds, as the coordinator logged them. */
  readonly startedAt: number;
  readonly stoppedAt: number;
  /** False when the log has no stop: the process was killed or still runs it. */
  readonly stopLogged: boolean;
}

const logTime = (line: LogLine): number => (typeof line.time === "number" ? line.time : Date.parse(String(line.time)));

/** `coordinator`'s feeds of `symbol`; one still running at the end of its log ends at `endedAt`. */
export function feedIntervals(coordinator: string, logs: readonly LogLine[], symbol: string, endedAt: number): FeedInterval[] {
  const intervals: FeedInterval[] = [];
  let startedAt: number | undefined;
  for (const line of logs) {
    if (line.symbol !== symbol) continue;
    if (line.msg === "market data feed started") startedAt ??= logTime(line);
    if (typeof line.msg === "string" && line.msg.startsWith("market data feed stopped") && startedAt !== undefined) {
      intervals.push({ coordinator, startedAt, stoppedAt: logTime(line), stopLogged: true });
      startedAt = undefined;
    }
  }
  if (startedAt !== undefined) intervals.push({ coordinator, startedAt, stoppedAt: endedAt, stopLogged: false });
  return intervals;
}

/** Pairs of feeds on different coordinators that ran at the same time, with how long they overlapped. */
export function overlaps(intervals: readonly FeedInterval[]): { readonly a: FeedInterval; readonly b: FeedInterval; readonly overlapMs: number }[] {
  const found = [];
  for (const [index, a] of intervals.entries())
    for (const b of intervals.slice(index + 1)) {
      if (a.coordinator === b.coordinator) continue;
      const overlapMs = Math.min(a.stoppedAt, b.stoppedAt) - Math.max(a.startedAt, b.startedAt);
      if (overlapMs > 0) found.push({ a, b, overlapMs });
    }
  return found;
}

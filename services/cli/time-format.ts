// Instants and spans of time as the coordinator commands print them: instants in UTC, as
// RFC 3339 like the rest of the output (and --json), spans in the largest units that read well.
import type { Duration } from "../../gen/ts/google/protobuf/duration.js";

/** What a missing instant or span prints as. */
export const NONE = "—";

/** RFC 3339 in UTC, without milliseconds when there are none (or when `toSeconds`, where a column has no room for them). */
export function formatInstant(date: Date | undefined, { toSeconds = false } = {}): string {
  if (!date) return NONE;
  return toSeconds ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : date.toISOString().replace(/\.000Z$/, "Z");
}

export function durationToMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + duration.nanos / 1e6;
}

/** "850 ms", "12.3 s", "7 min 3 s", "2 h 5 min", "3 d 4 h". */
export function formatElapsed(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return NONE;
  const ms = Math.max(0, milliseconds);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
  const totalMinutes = Math.round(totalSeconds / 60);
  if (totalMinutes < 48 * 60) return `${Math.floor(totalMinutes / 60)} h ${totalMinutes % 60} min`;
  const totalHours = Math.round(totalMinutes / 60);
  return `${Math.floor(totalHours / 24)} d ${totalHours % 24} h`;
}

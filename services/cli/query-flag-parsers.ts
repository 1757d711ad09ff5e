// Parsers for the values of the query flags. They check only that a value has the right
// shape (a number, a whole number, a duration, a known name); whether it is in range is the
// engine's call, so the CLI and the services refuse exactly the same queries.
import { InvalidArgumentError } from "commander";
import type { Duration } from "../../gen/ts/google/protobuf/duration.js";
import { parseDecimal } from "../common/decimal.js";

const UINT32_MAX = 2 ** 32 - 1;
const UINT64_MAX = 2n ** 64n - 1n;

/** A parser for a flag taking any finite number in decimal notation; the error shows `example`. */
export function decimal(example: string): (text: string) => number {
  return (text) => {
    const value = parseDecimal(text.trim());
    if (value === undefined) throw new InvalidArgumentError(`expected a number, like ${example}.`);
    return value;
  };
}

/** A whole number that fits a proto uint32 (days, spreads); the engine judges its range. */
export function wholeNumber(example: string): (text: string) => number {
  return (text) => {
    const value = /^\+?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!(value <= UINT32_MAX)) throw new InvalidArgumentError(`expected a whole number, 0 or more, like ${example}.`);
    return value;
  };
}

/** A count of contracts, a proto uint64. */
export function contracts(text: string): bigint {
  const digits = /^\+?(\d+)$/.exec(text.trim())?.[1];
  const value = digits === undefined ? undefined : BigInt(digits);
  if (value === undefined || value > UINT64_MAX) throw new InvalidArgumentError("expected a whole number of contracts, 0 or more, like 100.");
  return value;
}

const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** The largest google.protobuf.Duration, 10,000 years. */
const MAX_DURATION_SECONDS = 315_576_000_000;

/** A duration in seconds when bare ("30", "2.5") or with a unit ("500ms", "30s", "5m", "1h", "7d"). */
export function parseDuration(text: string): Duration {
  const match = /^(\d+\.?\d*|\.\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  const milliseconds = match?.[1] === undefined ? Number.NaN : Number(match[1]) * (DURATION_UNIT_MS[match[2] ?? "s"] ?? Number.NaN);
  if (!(milliseconds <= MAX_DURATION_SECONDS * 1000)) {
    throw new InvalidArgumentError("expected seconds or a duration with a unit, like 30, 500ms, 30s or 5m.");
  }
  const seconds = Math.floor(milliseconds / 1000);
  // Rounding may not carry into the seconds: nanos above 999,999,999 are not a Duration.
  return { seconds: BigInt(seconds), nanos: Math.min(999_999_999, Math.round((milliseconds - seconds * 1000) * 1e6)) };
}

/** Lower case with dashes, without the enum's prefix: "STRATEGY_BULL_PUT" and "Bull_Put" are "bull-put". */
function choiceKey(text: string, enumPrefix: string): string {
  const key = text.trim().toLowerCase().replaceAll("_", "-");
  return key.startsWith(`${enumPrefix}-`) ? key.slice(enumPrefix.length + 1) : key;
}

export function choice<T>(what: string, choices: ReadonlyMap<string, T>, enumPrefix: string, shown: readonly string[]): (text: string) => T {
  return (text) => {
    const value = choices.get(choiceKey(text, enumPrefix));
    if (value === undefined) throw new InvalidArgumentError(`expected ${what}: ${shown.join(", ")}.`);
    return value;
  };
}

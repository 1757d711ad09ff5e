// How spreadscan writes money and probabilities for people: the CLI's tables and the browser
// page share these, so a figure reads the same in both.
import { LazyNumberFormat } from "./lazy-number-format.js";

const WHOLE_DOLLARS = new LazyNumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0, minimumFractionDigits: 0 });
const DOLLARS_AND_CENTS = new LazyNumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2, minimumFractionDigits: 2 });

/**
 * Dollars per share: cents, and the half cent mid pricing gives (1.235), without rounding a
 * small debit to "-0.00".
 */
export function price(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = value.toFixed(3);
  if (Number(text) === 0) return "0.00";
  return text.endsWith("0") ? text.slice(0, -1) : text;
}

/** Dollars per lot: whole dollars, but cents below $10, where rounding would hide most of the value. */
export function dollars(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return (Math.abs(value) < 10 ? DOLLARS_AND_CENTS : WHOLE_DOLLARS).format(value);
}

/** A fraction as a percentage to a tenth. */
export const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

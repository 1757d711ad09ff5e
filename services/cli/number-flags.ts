// Parsers for the whole-number flags of the coordinator commands (--count, --interval,
// --page-size): the shape only, like query-flag-parsers.ts; the coordinator judges the range.
import { InvalidArgumentError } from "commander";

const UINT32_MAX = 2 ** 32 - 1;

/** A whole number from `min` that fits a proto uint32; the error shows `example`. */
export function wholeNumberFrom(min: number, example: string): (text: string) => number {
  return (text) => {
    const value = /^\+?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!(value >= min && value <= UINT32_MAX)) throw new InvalidArgumentError(`expected a whole number, ${min} or more, like ${example}.`);
    return value;
  };
}

// Which of TWS's option parameter lines a chain is built from. reqSecDefOptParams answers one
// line per exchange and trading class: SPY's standard class on SMART, CBOE, AMEX, PHLX, ISE…
// (the same expirations and strikes), and adjusted classes such as 2SPY, left by a corporate
// action, whose contracts deliver something other than 100 plain shares and whose strikes are
// off the standard grid. Quoting an adjusted contract as if it were the standard one would
// price a spread on the wrong deliverable, and an exchange line other than SMART names
// contracts routed to one venue. So only standard classes on SMART are used: no leading digit,
// multiplier 100. An index may list several standard classes (SPX monthlies, SPXW weeklies);
// each expiration comes from the first class listing it, the one named like the symbol first.
import { notFound, type RpcError } from "../../../common/errors.js";
import { DEFAULT_MULTIPLIER } from "./chain-assembly.js";
import { ibExpiryToDate } from "./chain-selection.js";
import type { OptionParameters } from "./ib-connection.js";
import { SMART, type OptionClass } from "./ib-contracts.js";

/** Why a line is not a standard class on SMART, or undefined when it is. */
export function nonStandardReason(line: OptionParameters): string | undefined {
  if (line.exchange !== SMART) return `exchange ${line.exchange}, not ${SMART}`;
  // Adjusted classes are the symbol with a digit in front (2SPY, 1AAPL).
  if (/^\d/.test(line.tradingClass)) return "an adjusted class";
  // Typed a string, but @stoqey/ib hands over the decoded number; empty (0) means not given.
  const multiplier = Number(line.multiplier);
  if (multiplier > 0 && multiplier !== DEFAULT_MULTIPLIER) return `multiplier ${multiplier}, not ${DEFAULT_MULTIPLIER}`;
  if (line.expirations.length === 0 || line.strikes.length === 0) return "no expirations or strikes";
  return undefined;
}

/** The standard classes on SMART among `lines`; NOT_FOUND naming what TWS did list when there is none. */
export function standardClasses(symbol: string, lines: readonly OptionParameters[]): OptionParameters[] | RpcError {
  const standard = lines.filter((line) => nonStandardReason(line) === undefined);
  if (standard.length > 0) return standard;
  if (lines.length === 0) return notFound(`IBKR lists no options for ${JSON.stringify(symbol)}`);
  const seen = lines.slice(0, 8).map((line) => `${line.tradingClass} on ${line.exchange} (${nonStandardReason(line) ?? "standard"})`);
  return notFound(
    `IBKR lists no standard options on ${SMART} for ${JSON.stringify(symbol)} (multiplier ${DEFAULT_MULTIPLIER}, not an adjusted class); ` +
      `it lists ${lines.length} other line${lines.length === 1 ? "" : "s"}: ${seen.join(", ")}${lines.length > seen.length ? ", …" : ""}`,
  );
}

export interface ExpiryClasses {
  /** Which class (exchange, multiplier) lists each expiration, YYYY-MM-DD. */
  readonly classOf: ReadonlyMap<string, OptionClass>;
  /** The strikes of that class: IBKR gives one set per class, the union over its expirations. */
  readonly strikesOf: ReadonlyMap<string, readonly number[]>;
}

/** Each expiration's class among standard `lines`: the symbol's own class first, then TWS's order. */
export function classesByExpiry(symbol: string, lines: readonly OptionParameters[]): ExpiryClasses {
  const ordered = [...lines].sort((a, b) => Number(b.tradingClass === symbol) - Number(a.tradingClass === symbol));
  const classOf = new Map<string, OptionClass>();
  const strikesOf = new Map<string, readonly number[]>();
  for (const line of ordered) {
    const multiplier = Number(line.multiplier) > 0 ? Number(line.multiplier) : DEFAULT_MULTIPLIER;
    for (const expiry of line.expirations) {
      const date = ibExpiryToDate(expiry);
      if (date === undefined || classOf.has(date)) continue;
      classOf.set(date, { exchange: line.exchange, tradingClass: line.tradingClass, multiplier });
      strikesOf.set(date, line.strikes);
    }
  }
  return { classOf, strikesOf };
}

// A scan result for people: one summary line (what was scanned, the query as applied, what
// became of the candidates, how long it took), then one row per spread. Money per lot is in whole dollars, prices per share in cents,
// probabilities and σ (the volatility POP, touch and EV were computed under) in percent, open interest as the least of the legs' ("?" when
// the broker did not say one). Calendars and diagonals add two columns, their back (bought) expiry
// and its DTE, beside the front's; a result without them keeps the single-expiry layout. A result with a spread flagged by
// its events (earnings, ex-dividend, early assignment) adds a column of markers and a legend. In a terminal too narrow for every column, the least needed
// columns are left out and a note says which; --json has everything.
import Table from "cli-table3";
import { SkipReason, type ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { appliedQueryParts } from "./applied-query.js";
import { formatMarketContextLine } from "./market-context-line.js";
import { dollars, percent, price } from "./number-format.js";
import { PLAIN_CHARS, PLAIN_STYLE } from "./plain-table.js";
import { formatRejectionsLine } from "./rejections-line.js";
import { STRATEGY_FLAG_NAMES } from "./query-flags.js";
import { LazyNumberFormat } from "./lazy-number-format.js";

export interface TableLayout {
  /** Columns available, e.g. the terminal's width; absent for no limit (output to a file or pipe). */
  readonly width?: number;
  /** A column naming each spread's symbol, after the rank: for a list that ranks many symbols (`universe`). */
  readonly symbolColumn?: boolean;
}

interface Column {
  readonly header: string;
  readonly align: "left" | "right";
  readonly cell: (spread: Spread, rank: number) => string;
  /** Left out first when the table is too wide: lower goes sooner; absent means always shown. */
  readonly dropOrder?: number;
  /** Shown only when a spread of the result has a back expiry (a calendar or diagonal). */
  readonly twoExpiry?: boolean;
  /** Shown only when a spread of the result has an event flag set (eventMarkers). */
  readonly events?: boolean;
}

const COUNT = new LazyNumberFormat("en-US");

const COLUMNS: readonly Column[] = [
  { header: "#", align: "right", cell: (_spread, rank) => String(rank) },
  { header: "strategy", align: "left", cell: (spread) => STRATEGY_FLAG_NAMES.get(spread.strategy) ?? String(spread.strategy) },
  { header: "expiry", align: "left", cell: (spread) => spread.expiryDate },
  { header: "DTE", align: "right", cell: (spread) => String(spread.dte) },
  // Only in a result holding a two-expiry spread (see columnsFor); a single-expiry row there shows a dash.
  { header: "back expiry", align: "left", cell: (spread) => spread.backExpiryDate || "–", twoExpiry: true },
  { header: "back DTE", align: "right", cell: (spread) => (spread.backExpiryDate ? String(spread.backDte) : "–"), twoExpiry: true },
  { header: "strikes", align: "left", cell: (spread) => spread.legs.map((leg) => String(leg.strike)).join("/") },
  // Only in a result with a flagged spread (see columnsFor); EVENT_LEGEND follows the table.
  { header: "events", align: "left", cell: eventMarkers, events: true },
  // Per share, as a trader enters the order; a debit is negative, as in the proto.
  { header: "credit", align: "right", cell: (spread) => price(spread.netCredit) },
  { header: "max profit", align: "right", cell: (spread) => dollars(spread.maxProfit), dropOrder: 1 },
  { header: "max loss", align: "right", cell: (spread) => dollars(spread.maxLoss) },
  { header: "breakevens", align: "left", cell: breakevensCell, dropOrder: 3 },
  { header: "POP", align: "right", cell: (spread) => percent(spread.pop) },
  { header: "touch", align: "right", cell: (spread) => percent(spread.probabilityOfTouch), dropOrder: 2 },
  // The expiration's under the default model (one value per expiry), the short legs' otherwise.
  { header: "σ", align: "right", cell: (spread) => percent(spread.volatility), dropOrder: 1.5 },
  // The nearer short strike's distance from the price in σ to expiry (negative in the money).
  { header: "σ dist", align: "right", cell: (spread) => spread.shortSigmaDistance.toFixed(2), dropOrder: 1.2 },
  { header: "EV", align: "right", cell: (spread) => dollars(spread.expectedValue), dropOrder: 5 },
  { header: "RoR", align: "right", cell: (spread) => percent(spread.returnOnRisk), dropOrder: 4 },
  { header: "score", align: "right", cell: (spread) => spread.score.toFixed(3), dropOrder: 6 },
  // The least open interest of the legs; "?" when a leg's is unknown (the broker did not say), which is not 0.
  { header: "OI", align: "right", cell: openInterestCell, dropOrder: 0.5 },
];

/**
 * A single-expiry spread's breakevens are a strike plus or minus its credit, to the half cent
 * mid pricing gives; a calendar's or diagonal's are roots found numerically, shown to the cent.
 */
function breakevensCell(spread: Spread): string {
  const format = spread.backExpiryDate === "" ? price : (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : String(value));
  return spread.breakevens.map(format).join("/");
}

const SYMBOL_COLUMN: Column = { header: "symbol", align: "left", cell: (spread) => spread.symbol };

/** A spread's event flags as letters: E earnings, D ex-dividend before its expiry, A early-assignment risk; empty for none (or unknown). */
function eventMarkers(spread: Spread): string {
  return `${spread.earningsBeforeExpiry === true ? "E" : ""}${spread.exDividendBeforeExpiry === true ? "D" : ""}${spread.earlyAssignmentRisk === true ? "A" : ""}`;
}

const EVENT_LEGEND = "events: E earnings before expiry · D ex-dividend before expiry · A early-assignment risk (a short call, ex-dividend before its expiry)";

/** The columns for these spreads: the back expiry's only when one of them has one; the events' when one is flagged; the symbol's when asked for. */
function columnsFor(spreads: readonly Spread[], symbolColumn = false): readonly Column[] {
  const twoExpiry = spreads.some((spread) => spread.backExpiryDate !== "");
  const flagged = spreads.some((spread) => eventMarkers(spread) !== "");
  const columns = COLUMNS.filter((column) => (twoExpiry || column.twoExpiry !== true) && (flagged || column.events !== true));
  return symbolColumn ? [...columns.slice(0, 1), SYMBOL_COLUMN, ...columns.slice(1)] : columns;
}

function openInterestCell(spread: Spread): string {
  const liquidity = spread.liquidity;
  if (!liquidity || liquidity.openInterestUnknown) return "?";
  return COUNT.format(liquidity.minLegOpenInterest);
}

/** What the chain's quotes were: live, delayed, frozen (the last before the close), or both of the last two. */
function quotesLabel(result: ScanResult): string {
  if (result.frozen) return result.delayed ? "frozen, delayed" : "frozen";
  return result.delayed ? "delayed" : "live";
}

function buildTable(spreads: readonly Spread[], columns: readonly Column[]): Table.Table {
  const table = new Table({
    head: columns.map((column) => column.header),
    colAligns: columns.map((column) => column.align),
    chars: PLAIN_CHARS,
    style: PLAIN_STYLE,
  });
  spreads.forEach((spread, index) => table.push(columns.map((column) => column.cell(spread, index + 1))));
  return table;
}

const widthOf = (rendered: string): number => Math.max(...rendered.split("\n").map((line) => line.length));

/** The table with as many columns as fit `width`, and the headers of those left out. */
function fittedTable(spreads: readonly Spread[], { width, symbolColumn }: TableLayout): { readonly text: string; readonly hidden: readonly string[] } {
  let columns = columnsFor(spreads, symbolColumn);
  const droppable = columns.filter((column) => column.dropOrder !== undefined).sort((a, b) => (a.dropOrder ?? 0) - (b.dropOrder ?? 0));
  let text = buildTable(spreads, columns).toString();
  const hidden: string[] = [];
  for (const column of droppable) {
    if (width === undefined || widthOf(text) <= width) break;
    columns = columns.filter((kept) => kept !== column);
    hidden.push(column.header);
    text = buildTable(spreads, columns).toString();
  }
  return { text, hidden };
}

function skipReasonLabel(reason: SkipReason): string {
  return (
    (SkipReason[reason] as string | undefined)
      ?.replace(/^SKIP_REASON_/, "")
      .toLowerCase()
      .replaceAll("_", " ") ?? `reason ${reason}`
  );
}

/**
 * What became of the candidates: how many the scan considered and where each ended. A
 * scanner too old to count them so reports only what it called evaluated and passed.
 */
function candidateCounts(result: ScanResult): string {
  if (result.candidatesConsidered === 0n) {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- all an older scanner sends
    const evaluated = result.candidatesEvaluated;
    if (evaluated > 0n) return `${COUNT.format(evaluated)} candidates, ${COUNT.format(result.candidatesPassed)} passed`;
  }
  // Bounded out and unexplored only when some were: with them the counts add up to the candidates.
  const bounded = result.candidatesBoundedOut > 0n ? `, ${COUNT.format(result.candidatesBoundedOut)} bounded out` : "";
  const unexplored = result.candidatesUnexplored > 0n ? `, ${COUNT.format(result.candidatesUnexplored)} unexplored` : "";
  return (
    `${COUNT.format(result.candidatesConsidered)} candidates: ${COUNT.format(result.candidatesRejectedByLegFilters)} cut by leg filters, ` +
    `${COUNT.format(result.candidatesRejectedBySpreadFilters)} by spread filters, ${COUNT.format(result.candidatesRankedOut)} ranked out early, ` +
    `${COUNT.format(result.candidatesFullyEvaluated)} fully evaluated${bounded}${unexplored}`
  );
}

/**
 * One line: what was scanned (symbol, price, as-of, live, delayed or frozen), the query as the scan applied
 * it, what the scan did, how long it took. Given a width it would overflow, it breaks
 * between its parts instead of mid-word.
 */
export function formatScanSummary(result: ScanResult, layout: TableLayout = {}): string {
  const asOf = result.chainAsOf ? result.chainAsOf.toISOString().replace(/\.000Z$/, "Z") : "unknown time";
  const skipped =
    result.skippedQuotes.length === 0
      ? "no quotes skipped"
      : `skipped ${result.skippedQuotes.map((entry) => `${COUNT.format(entry.count)} ${skipReasonLabel(entry.reason)}`).join(", ")}`;
  const computed = result.quotesWithComputedGreeks;
  const greeks = computed === 0n ? "IV/greeks from the chain" : `IV/greeks computed for ${COUNT.format(computed)} quotes`;
  const parts = [
    `${result.symbol} ${price(result.underlyingPrice)} as of ${asOf} (${quotesLabel(result)})`,
    ...(result.effectiveQuery ? appliedQueryParts(result.effectiveQuery) : []),
    `${candidateCounts(result)}, ${result.spreads.length} shown`,
    skipped,
    ...eventsPart(result),
    greeks,
    `${(result.timings?.totalMs ?? 0).toFixed(1)} ms`,
  ];
  return wrapParts(parts, " · ", layout.width);
}

/**
 * The symbol's events, said once: "events unknown", or where they came from and the next
 * earnings and ex-dividend dates; nothing from a scanner that sends no market context.
 */
function eventsPart(result: ScanResult): string[] {
  const context = result.marketContext;
  if (!context) return [];
  if (context.eventsSource === "") return ["events unknown"];
  return [`events (${context.eventsSource}): next earnings ${context.nextEarningsDate || "none"}, ex-dividend ${context.nextExDividendDate || "none"}`];
}

/** Joins `parts` with `separator`, starting a new indented line where the next part would pass `width`. */
function wrapParts(parts: readonly string[], separator: string, width: number | undefined): string {
  const lines: string[] = [];
  let line = "";
  for (const part of parts) {
    const joined = line === "" ? part : `${line}${separator}${part}`;
    if (width !== undefined && line !== "" && joined.length > width) {
      lines.push(`${line}${separator.trimEnd()}`);
      line = `  ${part}`;
    } else {
      line = joined;
    }
  }
  lines.push(line);
  return lines.join("\n");
}

/** A line of its own when the scan stopped at its work budget: the spreads shown are the best it reached, not surely the best. */
function budgetWarning(result: ScanResult): string {
  if (!result.workBudgetExhausted) return "";
  return `\nWarning: the scan stopped at its work budget (SCAN_WORK_BUDGET) with ${COUNT.format(result.candidatesUnexplored)} candidates unexplored: these are the best it reached, not surely the best; narrow the query.`;
}

/** The summary line, then the table (or a plain "no spreads" line); ends with a newline. */
export function formatScanTable(result: ScanResult, layout: TableLayout = {}): string {
  const contextLine = formatMarketContextLine(result);
  const summary = formatScanSummary(result, layout) + budgetWarning(result) + (contextLine === undefined ? "" : `\n${contextLine}`);
  if (result.spreads.length === 0) {
    const rejections = formatRejectionsLine(result.rejectionsByFilter);
    return `${summary}\nNo spreads passed the filters.\n${rejections === undefined ? "" : `${rejections}\n`}`;
  }
  return `${summary}\n${formatSpreadsTable(result.spreads, layout)}`;
}

/** The spreads' table alone, fitted to the layout's width with a note of what it left out; ends with a newline. */
export function formatSpreadsTable(spreads: readonly Spread[], layout: TableLayout = {}): string {
  const { text, hidden } = fittedTable(spreads, layout);
  const note = hidden.length > 0 ? `(too narrow for: ${hidden.join(", ")}; --json has every field)\n` : "";
  const legend = spreads.some((spread) => eventMarkers(spread) !== "") ? `${EVENT_LEGEND}\n` : "";
  return `${text}\n${legend}${note}`;
}

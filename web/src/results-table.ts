// The ranked spreads as a table, figures written as the CLI writes them.
import { SymbolScanState, type SymbolScan } from "../../gen/es/spreadscan/coordinator/v1/universe_pb.js";
import type { ScanResult } from "../../gen/es/spreadscan/scanner/v1/scan_result_pb.js";
import type { Spread } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { dollars, percent, price } from "../../services/cli/number-format.js";
import { required } from "./dom.js";
import { STRATEGY_LABELS } from "./enum-labels.js";

/** The CLI's markers: E earnings, D ex-dividend before expiry, A early-assignment risk. */
function eventMarkers(spread: Spread): string {
  return `${spread.earningsBeforeExpiry === true ? "E" : ""}${spread.exDividendBeforeExpiry === true ? "D" : ""}${spread.earlyAssignmentRisk === true ? "A" : ""}`;
}

function cells(spread: Spread, rank: number): string[] {
  return [
    String(rank),
    spread.symbol,
    STRATEGY_LABELS.get(spread.strategy) ?? String(spread.strategy),
    // A calendar or diagonal names its back expiry too, as the CLI's back columns do: calendars of
    // one strike differ by it alone.
    spread.backExpiryDate === "" ? spread.expiryDate : `${spread.expiryDate} / ${spread.backExpiryDate}`,
    spread.backExpiryDate === "" ? String(spread.dte) : `${spread.dte} / ${spread.backDte}`,
    spread.legs.map((leg) => String(leg.strike)).join("/"),
    price(spread.netCredit),
    dollars(spread.maxLoss),
    percent(spread.pop),
    dollars(spread.expectedValue),
    spread.score.toFixed(3),
    eventMarkers(spread),
  ];
}

/**
 * Shows the spreads; those whose id is in `changed` are marked (a live update's added spreads),
 * the one whose id is `selectedId` is shown selected.
 */
export function showRows(table: HTMLTableElement, spreads: readonly Spread[], changed: ReadonlySet<string> = new Set(), selectedId = ""): void {
  const body = required<HTMLTableSectionElement>(table, "tbody");
  body.replaceChildren(
    ...spreads.map((spread, index) => {
      const row = body.insertRow();
      row.dataset.spreadId = spread.id;
      row.tabIndex = 0;
      if (spread.id === selectedId) row.classList.add("selected");
      if (changed.has(spread.id)) row.classList.add("changed");
      for (const text of cells(spread, index + 1)) row.insertCell().textContent = text;
      return row;
    }),
  );
}

/** The line over one symbol's scan: its price and how many spreads were ranked. */
export function resultSummary(result: ScanResult | undefined): string {
  return result
    ? `${result.symbol} ${result.underlyingPrice.toFixed(2)} · ${result.spreads.length} spreads of ${result.candidatesConsidered.toLocaleString("en-US")} considered`
    : "";
}

/** Calls `select` with a row's spread id when the row is clicked, or focused and Enter or Space is pressed. */
export function onRowSelected(table: HTMLTableElement, select: (spreadId: string) => void): void {
  const chosen = (target: EventTarget | null): void => {
    const row = target instanceof Element ? target.closest("tr[data-spread-id]") : null;
    const id = row?.getAttribute("data-spread-id");
    if (id) select(id);
  };
  table.addEventListener("click", (event) => chosen(event.target));
  table.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    chosen(event.target);
  });
}

/** What a table of several symbols shows: their merged top N and each symbol's outcome. */
export interface UniverseShown {
  /** A saved scan's name, a watchlist's, or the symbols typed. */
  readonly name: string;
  readonly spreads: readonly Spread[];
  readonly symbols: readonly SymbolScan[];
}

/** The line over a universe's table: how many spreads of how many symbols, and the symbols that failed. */
export function universeSummary(universe: UniverseShown): string {
  const failed = universe.symbols.filter((symbol) => symbol.state === SymbolScanState.FAILED).map((symbol) => symbol.symbol);
  return `${universe.name}: ${universe.spreads.length} spreads of ${universe.symbols.length} symbols${failed.length === 0 ? "" : ` · failed: ${failed.join(" ")}`}`;
}

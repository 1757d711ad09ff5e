// How `universe` draws a merged top N for people: what was scanned and how, the merged table
// with a symbol column, a line for each symbol not simply scanned (stale, or failed and why),
// and a count of each outcome. `universe --watch` draws each frame with it too.
import { SymbolScanState, type ScanUniverseResponse, type SymbolScan } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { appliedQueryParts } from "../applied-query.js";
import { statusLines } from "../coordinator-connection.js";
import { formatRejectionsLine } from "../rejections-line.js";
import { formatSpreadsTable } from "../scan-table.js";
import { durationToMs, formatElapsed } from "../time-format.js";

/** One line for a symbol that was not simply scanned: stale with its age, or failed with its status (and its details, indented). */
function outcomeLines(symbol: SymbolScan, flagValues: Readonly<Record<string, unknown>>): string[] {
  if (symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_STALE) {
    const age = symbol.age ? `${formatElapsed(durationToMs(symbol.age))} old` : "of unknown age";
    return [`${symbol.symbol}: STALE: the scanner could not be reached; its result is ${age} (job ${symbol.jobId})`];
  }
  if (symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_FAILED) {
    const error = symbol.error;
    if (!error) return [`${symbol.symbol}: failed, the coordinator did not say why`];
    const [first, ...rest] = statusLines(
      error.code,
      error.message,
      error.fieldViolations,
      error.retryDelay ? durationToMs(error.retryDelay) : undefined,
      flagValues,
    );
    return [`${symbol.symbol}: ${first ?? ""}`, ...rest.map((line) => `  ${line}`)];
  }
  return [];
}

function countOf(response: ScanUniverseResponse, state: SymbolScanState): number {
  return response.symbols.filter((symbol) => symbol.state === state).length;
}

/** The answer for people: what was scanned and how, the merged table, the symbols not simply scanned, the counts. */
export function formatUniverse(
  response: ScanUniverseResponse,
  perSymbol: number,
  flagValues: Readonly<Record<string, unknown>>,
  width: number | undefined,
): string {
  const query = response.symbols.find((symbol) => symbol.result?.effectiveQuery)?.result?.effectiveQuery;
  const head = [
    `${response.watchlist === "" ? "Universe" : `Watchlist ${response.watchlist}`} of ${response.symbols.length} symbols`,
    ...(query ? appliedQueryParts(query) : []),
    `${response.spreads.length} shown${perSymbol > 0 ? `, at most ${perSymbol} per symbol` : ""}`,
  ].join(" · ");
  const rejections = formatRejectionsLine(...response.symbols.map((symbol) => symbol.result?.rejectionsByFilter ?? []));
  const table =
    response.spreads.length === 0
      ? `No spreads passed the filters.\n${rejections === undefined ? "" : `${rejections}\n`}`
      : formatSpreadsTable(response.spreads, { width, symbolColumn: true });
  const outcomes = response.symbols.flatMap((symbol) => outcomeLines(symbol, flagValues));
  const counts =
    `${response.symbols.length} symbols: ${countOf(response, SymbolScanState.SYMBOL_SCAN_STATE_SCANNED)} scanned, ` +
    `${countOf(response, SymbolScanState.SYMBOL_SCAN_STATE_STALE)} stale, ${countOf(response, SymbolScanState.SYMBOL_SCAN_STATE_FAILED)} failed`;
  return `${head}\n${table}${outcomes.map((line) => `${line}\n`).join("")}${counts}\n`;
}

// How the saved scan commands print saved scans: one in full, or a table of several.
import type { SavedScan } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { appliedQueryParts } from "../applied-query.js";
import { keyValueTable, plainTable } from "../plain-table.js";
import { durationToMs, formatElapsed, formatInstant, NONE } from "../time-format.js";

/** What a saved scan scans: its symbols, or its watchlist. */
function scope(savedScan: SavedScan): string {
  return savedScan.watchlist !== "" ? `watchlist ${savedScan.watchlist}` : `${savedScan.symbols.length}: ${savedScan.symbols.join(" ")}`;
}

function alertsLine(savedScan: SavedScan): string {
  const alerts = savedScan.alerts;
  if (!alerts) return "off";
  const every = alerts.checkInterval ? formatElapsed(durationToMs(alerts.checkInterval)) : NONE;
  const kept = alerts.retention ? formatElapsed(durationToMs(alerts.retention)) : NONE;
  return `every ${every}, events kept ${kept}`;
}

/** One saved scan: name, what it scans, its query, cap, alerts, webhook (never its secret) and times. */
export function formatSavedScan(savedScan: SavedScan): string {
  const webhook = savedScan.alerts?.webhook;
  return `${keyValueTable([
    ["name", savedScan.name],
    [savedScan.watchlist !== "" ? "scans" : "symbols", scope(savedScan)],
    ["query", savedScan.query ? appliedQueryParts(savedScan.query).join(" · ") : NONE],
    ["per symbol", savedScan.perSymbolLimit > 0 ? `at most ${savedScan.perSymbolLimit} spreads` : "no cap"],
    ["alerts", alertsLine(savedScan)],
    ["webhook", webhook ? `${webhook.url}${webhook.secretSet ? " (signed: a secret is set)" : ""}` : NONE],
    ["created", formatInstant(savedScan.createTime)],
    ["updated", formatInstant(savedScan.updateTime)],
  ])}\n`;
}

/** Symbols shown in a list's row before "…": the row stays one line on a terminal. */
const SYMBOLS_IN_ROW = 8;

function symbolsInRow(symbols: readonly string[]): string {
  const shown = symbols.slice(0, SYMBOLS_IN_ROW).join(" ");
  return symbols.length > SYMBOLS_IN_ROW ? `${shown} … (${symbols.length})` : shown;
}

/** Saved scans as rows: name, what each scans, alerts, last update. */
export function formatSavedScanTable(savedScans: readonly SavedScan[]): string {
  if (savedScans.length === 0) return "No saved scans.\n";
  const rows = savedScans.map((savedScan) => [
    savedScan.name,
    savedScan.watchlist !== "" ? `watchlist ${savedScan.watchlist}` : symbolsInRow(savedScan.symbols),
    savedScan.alerts ? `every ${savedScan.alerts.checkInterval ? formatElapsed(durationToMs(savedScan.alerts.checkInterval)) : NONE}` : "off",
    formatInstant(savedScan.updateTime, { toSeconds: true }),
  ]);
  return `${plainTable([{ header: "NAME" }, { header: "SCANS" }, { header: "ALERTS" }, { header: "UPDATED" }], rows)}\n`;
}

// How the watchlist commands print watchlists: one in full, or a table of several.
import type { Watchlist } from "../../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { keyValueTable, plainTable } from "../plain-table.js";
import { formatInstant } from "../time-format.js";

/** Symbols shown in a list's row before "…": the row stays one line on a terminal. */
const SYMBOLS_IN_ROW = 8;

/** One watchlist: its name, times and every symbol. */
export function formatWatchlist(watchlist: Watchlist): string {
  return `${keyValueTable([
    ["name", watchlist.name],
    ["symbols", `${watchlist.symbols.length}: ${watchlist.symbols.join(" ")}`],
    ["created", formatInstant(watchlist.createTime)],
    ["updated", formatInstant(watchlist.updateTime)],
  ])}\n`;
}

/** Watchlists as rows: name, how many symbols, the first of them, last update. */
export function formatWatchlistTable(watchlists: readonly Watchlist[]): string {
  if (watchlists.length === 0) return "No watchlists.\n";
  const rows = watchlists.map((watchlist) => {
    const shown = watchlist.symbols.slice(0, SYMBOLS_IN_ROW).join(" ");
    return [
      watchlist.name,
      String(watchlist.symbols.length),
      watchlist.symbols.length > SYMBOLS_IN_ROW ? `${shown} …` : shown,
      formatInstant(watchlist.updateTime, { toSeconds: true }),
    ];
  });
  return `${plainTable([{ header: "NAME" }, { header: "COUNT", align: "right" }, { header: "SYMBOLS" }, { header: "UPDATED" }], rows)}\n`;
}

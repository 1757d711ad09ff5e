// What the form scans: one symbol (Scan, WatchSpreads), or a universe, several symbols typed or
// a watchlist (ScanUniverse, WatchUniverse: one stream for them all, since a page over HTTP/1.1
// gets at most six at a time).
import type { Watchlist } from "../../gen/es/spreadscan/coordinator/v1/watchlist_pb.js";
import type { ScanRequestInit } from "./scan-form.js";

/** A universe as ScanUniverse and WatchUniverse both take it: exactly one of symbols and watchlist set. */
export interface UniverseRequest {
  readonly symbols: string[];
  readonly watchlist: string;
  readonly query: ScanRequestInit["query"];
}

/** The symbols typed: upper-cased, split on spaces and commas. */
export function symbolsOf(typed: string): string[] {
  return typed
    .toUpperCase()
    .split(/[\s,]+/)
    .filter((symbol) => symbol !== "");
}

/** The universe the form names, or undefined when it names one symbol. */
export function universeOf(form: HTMLFormElement, request: ScanRequestInit): UniverseRequest | undefined {
  const watchlist = (form.elements.namedItem("watchlist") as HTMLSelectElement | null)?.value ?? "";
  const symbols = symbolsOf(request.symbol ?? "");
  if (watchlist === "" && symbols.length <= 1) return undefined;
  return watchlist === "" ? { symbols, watchlist, query: request.query } : { symbols: [], watchlist, query: request.query };
}

/** A universe's name on the page: its watchlist's, or its symbols. */
export const universeName = (universe: UniverseRequest): string => (universe.watchlist === "" ? universe.symbols.join(" ") : `watchlist ${universe.watchlist}`);

/** Fills the watchlist choice with the caller's watchlists, keeping the one chosen. */
export function fillWatchlists(select: HTMLSelectElement, lists: readonly Watchlist[]): void {
  const chosen = select.value;
  const none = select.options[0];
  select.replaceChildren(...(none ? [none] : []), ...lists.map((list) => new Option(`${list.name} (${list.symbols.join(" ")})`, list.name)));
  select.value = lists.some((list) => list.name === chosen) ? chosen : "";
}

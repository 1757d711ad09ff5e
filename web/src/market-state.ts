// The banner saying what the quotes behind a live table are, when they are not live: delayed,
// frozen since the close, or unavailable since a time (the top N shown is then as of it).
import type { MarketDataStatus } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { MarketDataState } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";

const WORDS: Readonly<Record<number, string>> = {
  [MarketDataState.DELAYED]: "delayed",
  [MarketDataState.FROZEN]: "frozen",
  [MarketDataState.UNAVAILABLE]: "unavailable",
};

/** One symbol's line, or undefined when its quotes are live. */
function lineOf(status: MarketDataStatus): string | undefined {
  const word = WORDS[status.state];
  if (word === undefined) return undefined;
  const since = status.since ? new Date(Number(status.since.seconds) * 1000).toISOString().replace(".000Z", "Z") : "";
  return `${status.symbol}: market data ${word}${since === "" ? "" : ` since ${since}`}${status.reason === "" ? "" : ` (${status.reason})`}`;
}

/** Shows every symbol whose quotes are not live (a universe's several), or nothing. */
export function showMarketStates(banner: HTMLElement, statuses: readonly MarketDataStatus[]): void {
  const notLive = statuses.filter((status) => WORDS[status.state] !== undefined);
  const first = notLive[0];
  if (!first) {
    banner.textContent = "";
    banner.removeAttribute("data-state");
    return;
  }
  // Unavailable colours the banner before any other state.
  const worst = notLive.find((status) => status.state === MarketDataState.UNAVAILABLE) ?? first;
  banner.dataset.state = WORDS[worst.state] ?? "";
  banner.textContent = notLive.map(lineOf).join("; ");
}

export function showMarketState(banner: HTMLElement, status: MarketDataStatus | undefined): void {
  showMarketStates(banner, status ? [status] : []);
}

// The banner saying what the quotes behind a live table are, when they are not live: delayed,
// frozen since the close, or unavailable since a time (the top N shown is then as of it).
import type { MarketDataStatus } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { MarketDataState } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";

const WORDS: Readonly<Record<number, string>> = {
  [MarketDataState.DELAYED]: "delayed",
  [MarketDataState.FROZEN]: "frozen",
  [MarketDataState.UNAVAILABLE]: "unavailable",
};

export function showMarketState(banner: HTMLElement, status: MarketDataStatus | undefined): void {
  const word = status ? WORDS[status.state] : undefined;
  if (!status || word === undefined) {
    banner.textContent = "";
    banner.removeAttribute("data-state");
    return;
  }
  const since = status.since ? new Date(Number(status.since.seconds) * 1000).toISOString().replace(".000Z", "Z") : "";
  banner.dataset.state = word;
  banner.textContent = `${status.symbol}: market data ${word}${since === "" ? "" : ` since ${since}`}${status.reason === "" ? "" : ` (${status.reason})`}`;
}

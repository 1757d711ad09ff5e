// A watch's market data status as `spreadscan watch` prints it: one line naming the symbol,
// what its quotes are now and since when (UTC, as every instant the commands print), and why.
import { MarketDataState, type MarketDataStatus } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { formatInstant } from "./time-format.js";

/** What each state reads as, followed by when it began; a newer coordinator's state may be none of them. */
const STATE_WORDS: ReadonlyMap<MarketDataState, string> = new Map([
  [MarketDataState.MARKET_DATA_STATE_LIVE, "live since"],
  [MarketDataState.MARKET_DATA_STATE_DELAYED, "delayed (by the exchange's delay) since"],
  [MarketDataState.MARKET_DATA_STATE_FROZEN, "frozen (the last quotes before the close) as of"],
  [MarketDataState.MARKET_DATA_STATE_UNAVAILABLE, "unavailable since"],
]);

/** "SPY: market data unavailable since 2026-12-07T14:02:11Z (TWS lost its connection…)". */
export function formatMarketDataStatus(status: MarketDataStatus): string {
  const words = STATE_WORDS.get(status.state) ?? `in state ${status.state} since`;
  const reason = status.reason.trim() === "" ? "" : ` (${status.reason.trim()})`;
  return `${status.symbol}: market data ${words} ${formatInstant(status.since, { toSeconds: true })}${reason}`;
}

/** Whether the status is worth keeping on screen above the table: anything but live. */
export function isNotLive(status: MarketDataStatus | undefined): status is MarketDataStatus {
  return status !== undefined && status.state !== MarketDataState.MARKET_DATA_STATE_LIVE;
}

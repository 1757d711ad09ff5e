// The tables of the coordinator's database as Kysely sees them: the one description of every
// row the coordinator reads and writes, whichever database holds it. Times are ISO-8601 UTC
// text with milliseconds ("2026-12-07T11:54:53.123Z"): both databases store and compare it
// alike (it sorts in time order), and neither driver converts it on the way in or out.
import type { ColumnType } from "kysely";

/** Tables, by name. Each migration that adds a table adds it here. */
export interface DatabaseSchema {
  watchlists: WatchlistRow;
  saved_scans: SavedScanRow;
  alert_states: AlertStateRow;
  alert_events: AlertEventRow;
  webhook_outbox: WebhookOutboxRow;
  iv_history: IvHistoryRow;
}

export interface WatchlistRow {
  /** ownerOf(caller): the API key's client name, or "" shared while keys are off. */
  owner: string;
  name: string;
  /** The symbols as a JSON array of strings, in their order. */
  symbols: string;
  create_time: string;
  update_time: string;
}

/** A bigint column: node-postgres reads it as a string (it may pass 2^53), node:sqlite as a number. */
type BigintColumn = ColumnType<string | number | null, number | null, number | null>;

export interface SavedScanRow {
  owner: string;
  name: string;
  /** A JSON array of tickers, "[]" when a watchlist is named. */
  symbols: string;
  /** "" when symbols are listed. */
  watchlist: string;
  /** The ScanQuery's proto3 JSON. */
  query: string;
  per_symbol_limit: number;
  /** NULL when the saved scan does not alert; then the other alert columns are NULL too. */
  alert_check_interval_ms: BigintColumn;
  alert_retention_ms: BigintColumn;
  /** NULL when there is no webhook; then its secret is NULL too. */
  webhook_url: string | null;
  webhook_secret: string | null;
  create_time: string;
  update_time: string;
}

/** One alerting saved scan's checks (migration 3). */
export interface AlertStateRow {
  owner: string;
  saved_scan: string;
  next_check_at: string;
  last_check_at: string | null;
  /** The coordinator checking it now, and until when its claim holds. */
  lease_holder: string | null;
  lease_until: string | null;
  /** The previous top N as a JSON array of proto3 JSON Spreads, in rank order; null before the first check. */
  top_spreads: string | null;
  last_sequence: number;
  /** Events up to this sequence were deleted after their retention. */
  pruned_through: number;
}

export interface AlertEventRow {
  owner: string;
  saved_scan: string;
  sequence: number;
  event_id: string;
  kind: "entered" | "left";
  /** The spread as proto3 JSON. */
  spread: string;
  event_time: string;
  expires_at: string;
}

export interface WebhookOutboxRow {
  event_id: string;
  owner: string;
  saved_scan: string;
  url: string;
  attempts: number;
  next_attempt_at: string;
  lease_holder: string | null;
  lease_until: string | null;
  delivered_at: string | null;
  last_error: string | null;
  expires_at: string;
}

/** One trading day of a symbol's implied volatility history from one provider (migration 4). */
export interface IvHistoryRow {
  symbol: string;
  /** The provider: "simulated", "ibkr". */
  source: string;
  /** The trading day, YYYY-MM-DD. */
  date: string;
  /** Annualised fraction. */
  iv: number;
  /** The New York date the history was fetched for, YYYY-MM-DD. */
  fetched_day: string;
}

// The tables of the coordinator's database as Kysely sees them: the one description of every
// row the coordinator reads and writes, whichever database holds it. Times are ISO-8601 UTC
// text with milliseconds ("2026-12-07T11:54:53.123Z"): both databases store and compare it
// alike (it sorts in time order), and neither driver converts it on the way in or out.
import type { ColumnType } from "kysely";

/** Tables, by name. Each migration that adds a table adds it here. */
export interface DatabaseSchema {
  watchlists: WatchlistRow;
  saved_scans: SavedScanRow;
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

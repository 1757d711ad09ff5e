// The tables of the coordinator's database as Kysely sees them: the one description of every
// row the coordinator reads and writes, whichever database holds it. Times are ISO-8601 UTC
// text with milliseconds ("2026-12-07T11:54:53.123Z"): both databases store and compare it
// alike (it sorts in time order), and neither driver converts it on the way in or out.

/** Tables, by name. Each migration that adds a table adds it here. */
export interface DatabaseSchema {
  watchlists: WatchlistRow;
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

// Every migration, in order, listed in code rather than found on disk, so that the compiled
// build and tsx run the same list. The names sort in the order they apply (Kysely checks that
// applied names are a prefix of this list); a new migration is a new file and a new last entry.
// An applied migration is never edited: a change to the schema is the next migration.
import type { Migration } from "kysely/migration";
import { watchlistsMigration } from "./001-watchlists.js";
import { savedScansMigration } from "./002-saved-scans.js";
import { alertsMigration } from "./003-alerts.js";
import { ivHistoryMigration } from "./004-iv-history.js";

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "001-watchlists": watchlistsMigration,
  "002-saved-scans": savedScansMigration,
  "003-alerts": alertsMigration,
  "004-iv-history": ivHistoryMigration,
};

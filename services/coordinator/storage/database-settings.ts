// Where the coordinator keeps what it stores.
export interface DatabaseSettings {
  /** The directory of the SQLite file, absolute (DATA_DIR); used when databaseUrl is absent. */
  readonly dataDir: string;
  /** postgres:// or postgresql:// (DATABASE_URL): every coordinator of a cluster shares it. */
  readonly databaseUrl?: string | undefined;
}

export const SQLITE_FILE_NAME = "spreadscan.sqlite";

/** The PostgreSQL URL without its password, fit for a log line or an error message. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unreadable URL)";
  }
}

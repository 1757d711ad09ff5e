// Which database failures are the database being away (a call to try again later) rather than
// a fault of ours: those are answered UNAVAILABLE with a retry delay; anything else goes on as
// it is and is answered INTERNAL, never UNKNOWN.
import type { DependencyStatus } from "../../common/dependency-health.js";
import { RpcError, unavailable } from "../../common/errors.js";

/** How long a caller should wait before trying again while the database is away, milliseconds. */
export const DATABASE_RETRY_DELAY_MS = 1000;

// SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator
// intervention (the server shutting down, a cancelled statement).
const POSTGRES_AWAY_CLASSES = new Set(["08", "53", "57"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
// pg's own errors for a connection it lost or could not make carry no code, only these words.
const POSTGRES_AWAY_MESSAGES = /connection terminated|timeout exceeded when trying to connect|not queryable|connection error/i;
// SQLite primary result codes: BUSY, LOCKED, IOERR, FULL, CANTOPEN.
const SQLITE_AWAY_CODES = new Set([5, 6, 10, 13, 14]);

interface DriverError {
  readonly code?: unknown;
  readonly errcode?: unknown;
  readonly message?: unknown;
}

/** Whether `error` says the database cannot be reached or cannot take the work right now. */
export function isDatabaseAway(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errcode, message } = error as DriverError;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && POSTGRES_AWAY_CLASSES.has(code.slice(0, 2))))) return true;
  if (code === "ERR_SQLITE_ERROR" && typeof errcode === "number") return SQLITE_AWAY_CODES.has(errcode & 0xff);
  if (error instanceof AggregateError) return error.errors.some(isDatabaseAway);
  return typeof message === "string" && POSTGRES_AWAY_MESSAGES.test(message);
}

/**
 * Runs one piece of database work, turning the database being away into UNAVAILABLE; with
 * `health` (a shared PostgreSQL), marks it down then and up again at the next success, for
 * /readyz and spreadscan_dependency_up.
 */
export async function databaseWork<T>(work: () => Promise<T>, health?: DependencyStatus): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    if (!(error instanceof RpcError) && isDatabaseAway(error)) {
      health?.markDown(error instanceof Error ? error.message : String(error));
      throw unavailable("the coordinator's database is unavailable; try again shortly", DATABASE_RETRY_DELAY_MS);
    }
    throw error;
  }
  health?.markUp();
  return result;
}

// A saved scan run as ScanUniverse runs it, on behalf of its owner: what the alert checker
// compares from one check to the next.
import type { ScanUniverseResponse } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import type { Caller } from "../../common/call-identity.js";
import type { Logger } from "../../common/logger.js";
import { SHARED_OWNER } from "../owner.js";
import type { StoredSavedScan } from "../saved-scans/saved-scan-lookup.js";
import { scanUniverse, type UniverseScanParts } from "../universe/universe-scan.js";

/** Runs a saved scan now; rejects only when the scan as a whole cannot run (its watchlist gone, the signal aborted). */
export type SavedScanRun = (saved: StoredSavedScan, signal: AbortSignal) => Promise<ScanUniverseResponse>;

/** The caller whose owner is the saved scan's: its watchlist is read as the owner's own. */
function callerOf(owner: string): Caller {
  return owner === SHARED_OWNER
    ? { kind: "peer", host: "alert-checker", key: "not checked" }
    : { kind: "client", client: { name: owner, scopes: new Set(["scan"]) } };
}

export function savedScanRun(parts: UniverseScanParts, logger: Logger): SavedScanRun {
  return (saved, signal) =>
    scanUniverse(
      parts,
      { symbols: [...saved.symbols], watchlist: saved.watchlist, query: saved.query, perSymbolLimit: saved.perSymbolLimit, bypassCache: false },
      { caller: callerOf(saved.owner), signal, logger: logger.child({ savedScan: saved.name }) },
    );
}

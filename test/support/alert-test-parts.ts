// What the alert tests stand on: saved scans in the real store (the alert tables' foreign keys
// need their rows), a run whose top N the test sets, as the market moving would, and a clock
// the test moves.
import { ScanUniverseResponse, SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import type { StoredAlertSettings, StoredSavedScan } from "../../services/coordinator/saved-scans/saved-scan-lookup.js";
import { SavedScanStore } from "../../services/coordinator/saved-scans/saved-scan-store.js";

export class TestSavedScans extends SavedScanStore {
  /** Saves a scan of SPY (what it scans matters not: the test's run answers for it). */
  async put(owner: string, name: string, alerts: StoredAlertSettings | undefined): Promise<StoredSavedScan> {
    const created = await this.create(owner, name, { symbols: ["SPY"], watchlist: "", query: ScanQuery.fromPartial({ limit: 5 }), perSymbolLimit: 0, alerts });
    if (!created) throw new Error(`a saved scan ${owner}/${name} exists already`);
    return created;
  }
}

export const spreadOf = (id: string, netCredit = 1): Spread => Spread.fromPartial({ id, symbol: id.split(":")[0] ?? "", netCredit, pop: 0.7 });

/** A universe scan's answer with `ids` as its top N, or with SPY failed. */
export function universeAnswer(ids: readonly string[], failed = false): ScanUniverseResponse {
  return ScanUniverseResponse.fromPartial({
    spreads: failed ? [] : ids.map((id) => spreadOf(id)),
    symbols: [{ symbol: "SPY", state: failed ? SymbolScanState.SYMBOL_SCAN_STATE_FAILED : SymbolScanState.SYMBOL_SCAN_STATE_SCANNED }],
  });
}

export class TestClock {
  constructor(private time: number = Date.parse("2026-12-07T10:00:00.000Z")) {}
  readonly now = (): Date => new Date(this.time);
  advance(ms: number): void {
    this.time += ms;
  }
}

// What the alert tests stand on before the saved scans store is merged: saved scans held in a
// Map (a small real SavedScanLookup), a run whose top N the test sets, as the market moving
// would, and a clock the test moves.
import { ScanUniverseResponse, SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import type { SavedScanLookup, StoredAlertSettings, StoredSavedScan } from "../../services/coordinator/saved-scans/saved-scan-lookup.js";

export class SavedScansInMemory implements SavedScanLookup {
  private readonly scans = new Map<string, StoredSavedScan>();

  put(owner: string, name: string, alerts: StoredAlertSettings | undefined): StoredSavedScan {
    const time = new Date("2026-12-01T00:00:00.000Z");
    const saved: StoredSavedScan = {
      owner,
      name,
      symbols: ["SPY"],
      watchlist: "",
      query: ScanQuery.fromPartial({ limit: 5 }),
      perSymbolLimit: 0,
      alerts,
      createTime: time,
      updateTime: time,
    };
    this.scans.set(`${owner}\u0000${name}`, saved);
    return saved;
  }

  remove(owner: string, name: string): void {
    this.scans.delete(`${owner}\u0000${name}`);
  }

  get(owner: string, name: string): Promise<StoredSavedScan | undefined> {
    return Promise.resolve(this.scans.get(`${owner}\u0000${name}`));
  }

  listAlerting(): Promise<StoredSavedScan[]> {
    return Promise.resolve([...this.scans.values()].filter((saved) => saved.alerts !== undefined));
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

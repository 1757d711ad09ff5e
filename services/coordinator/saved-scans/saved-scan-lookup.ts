// What the alert checker and WatchAlerts need of the saved scans, so that they read them
// without knowing how they are stored.
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";

export interface StoredWebhook {
  readonly url: string;
  /** The HMAC-SHA256 key of the signature; never leaves the coordinator. */
  readonly secret: string;
}

export interface StoredAlertSettings {
  readonly checkIntervalMs: number;
  readonly retentionMs: number;
  readonly webhook: StoredWebhook | undefined;
}

export interface StoredSavedScan {
  readonly owner: string;
  readonly name: string;
  /** Exactly one of symbols (non-empty) and watchlist (non-empty) is set. */
  readonly symbols: readonly string[];
  readonly watchlist: string;
  readonly query: ScanQuery;
  /** 0 means no cap. */
  readonly perSymbolLimit: number;
  /** Undefined when the saved scan does not alert. */
  readonly alerts: StoredAlertSettings | undefined;
  readonly createTime: Date;
  readonly updateTime: Date;
}

export interface SavedScanLookup {
  /** The owner's saved scan of that name, or undefined when there is none. */
  get(owner: string, name: string): Promise<StoredSavedScan | undefined>;
  /** Every saved scan that alerts, of every owner: what the alert checker schedules. */
  listAlerting(): Promise<StoredSavedScan[]>;
}

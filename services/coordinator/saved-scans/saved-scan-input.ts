// What SavedScanService accepts from the wire: a saved scan's name, what it scans (checked as
// ScanUniverse checks its request, so that a saved scan runs whatever it was saved with) and
// its alert settings. Every bad field is named at once, under "saved_scan.".
import type { Duration } from "../../../gen/ts/google/protobuf/duration.js";
import type { AlertSettings, SavedScan } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { ScanUniverseRequest } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { invalidArgument, RpcError, type FieldViolation } from "../../common/errors.js";
import { collect } from "../scan-request.js";
import { validUniverseRequest } from "../universe/universe-request.js";
import { watchlistNameOf } from "../watchlists/watchlist-input.js";
import type { StoredAlertSettings } from "./saved-scan-lookup.js";
import type { SavedScanContent } from "./saved-scan-store.js";

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
export const CHECK_INTERVAL = { defaultMs: 60 * SECOND, minMs: 10 * SECOND, maxMs: DAY } as const;
export const RETENTION = { defaultMs: 7 * DAY, minMs: HOUR, maxMs: 90 * DAY } as const;
export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const WEBHOOK_SECRET = { minLength: 16, maxLength: 256 } as const;

/** Whether a webhook given without a secret is refused (create) or keeps the stored one (update). */
export type SecretRule = "required" | "keep-stored";

export interface ValidSavedScan {
  readonly name: string;
  /** A webhook's secret is "" when the update keeps the stored one. */
  readonly content: SavedScanContent;
}

/** A saved scan from a Create or Update request, or INVALID_ARGUMENT naming every bad field. */
export function validSavedScan(savedScan: SavedScan | undefined, secretRule: SecretRule): ValidSavedScan {
  const violations: FieldViolation[] = [];
  const name = collect(violations, () => watchlistNameOf(savedScan?.name ?? "", "saved_scan.name"));
  const scan = collect(violations, () => underSavedScan(() => validUniverseRequest(universeRequestOf(savedScan))));
  const alerts = savedScan?.alerts ? alertSettingsOf(savedScan.alerts, secretRule, violations) : undefined;
  if (violations.length > 0 || name === undefined || scan === undefined) throw invalidArgument(violations);
  return {
    name,
    content: {
      symbols: scan.symbols ?? [],
      watchlist: scan.watchlist ?? "",
      query: scan.query.query ?? ScanQuery.fromPartial({}),
      perSymbolLimit: scan.perSymbolLimit,
      alerts,
    },
  };
}

/** The ScanUniverse request a saved scan runs: what it is checked as, and what RunSavedScan sends. */
export function universeRequestOf(
  savedScan: Pick<SavedScan, "symbols" | "watchlist" | "query" | "perSymbolLimit"> | undefined,
  bypassCache = false,
): ScanUniverseRequest {
  return ScanUniverseRequest.fromPartial({
    symbols: savedScan?.symbols ?? [],
    watchlist: savedScan?.watchlist ?? "",
    query: savedScan?.query,
    perSymbolLimit: savedScan?.perSymbolLimit ?? 0,
    bypassCache,
  });
}

/** `check`'s field violations moved under "saved_scan." (ScanUniverse names its own fields at the top). */
function underSavedScan<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof RpcError && error.details.fieldViolations) {
      throw invalidArgument(error.details.fieldViolations.map(({ field, description }) => ({ field: `saved_scan.${field}`, description })));
    }
    throw error;
  }
}

function alertSettingsOf(alerts: AlertSettings, secretRule: SecretRule, violations: FieldViolation[]): StoredAlertSettings {
  const checkIntervalMs = durationWithin(alerts.checkInterval, CHECK_INTERVAL, "saved_scan.alerts.check_interval", violations);
  const retentionMs = durationWithin(alerts.retention, RETENTION, "saved_scan.alerts.retention", violations);
  const webhook = alerts.webhook;
  if (!webhook) return { checkIntervalMs, retentionMs, webhook: undefined };
  const urlViolation = webhookUrlViolation(webhook.url);
  if (urlViolation !== undefined) violations.push({ field: "saved_scan.alerts.webhook.url", description: urlViolation });
  const secret = webhook.secret;
  if (secret === "" && secretRule === "required") {
    violations.push({ field: "saved_scan.alerts.webhook.secret", description: "is required when a webhook is set: the key its events are signed with" });
  } else if (secret !== "" && (secret.length < WEBHOOK_SECRET.minLength || secret.length > WEBHOOK_SECRET.maxLength)) {
    violations.push({
      field: "saved_scan.alerts.webhook.secret",
      description: `must be ${WEBHOOK_SECRET.minLength} to ${WEBHOOK_SECRET.maxLength} characters; got ${secret.length}`,
    });
  }
  return { checkIntervalMs, retentionMs, webhook: { url: webhook.url, secret } };
}

function describeMs(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} d`;
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  return `${ms / SECOND} s`;
}

/** The duration in milliseconds, its default when unset; a violation on `field` when out of bounds. */
function durationWithin(
  duration: Duration | undefined,
  bounds: { readonly defaultMs: number; readonly minMs: number; readonly maxMs: number },
  field: string,
  violations: FieldViolation[],
): number {
  if (!duration) return bounds.defaultMs;
  const ms = Number(duration.seconds) * SECOND + duration.nanos / 1e6;
  if (!(ms >= bounds.minMs && ms <= bounds.maxMs)) {
    violations.push({ field, description: `must be ${describeMs(bounds.minMs)} to ${describeMs(bounds.maxMs)}; got ${ms / SECOND} s` });
    return bounds.defaultMs;
  }
  return Math.round(ms);
}

/** Why a webhook URL is refused, or undefined when it is fine. */
function webhookUrlViolation(raw: string): string | undefined {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters; got ${raw.length}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `must be an absolute http:// or https:// URL; got ${JSON.stringify(raw.slice(0, 80))}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `must be http:// or https://; got ${url.protocol}//`;
  // A password in a URL is stored and logged as plain text: the secret signs the events instead.
  if (url.username !== "" || url.password !== "") return "must not hold a user name or password; the webhook's secret signs each event";
  return undefined;
}

// The alert machinery of one coordinator, made from its database and saved scans: the checker,
// the webhook deliverer, and the WatchAlerts handler the SavedScanService serves.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import type { SavedScanServiceServer } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import type { DependencyStatus } from "../../common/dependency-health.js";
import type { HandlerOptions } from "../../common/handlers.js";
import type { SavedScanLookup } from "../saved-scans/saved-scan-lookup.js";
import type { DatabaseSchema } from "../storage/database-schema.js";
import { AlertChecker } from "./alert-checker.js";
import { AlertMetrics } from "./alert-metrics.js";
import { AlertSignals } from "./alert-signals.js";
import { AlertStore } from "./alert-store.js";
import type { SavedScanRun } from "./saved-scan-run.js";
import { watchAlertsHandler } from "./watch-alerts.js";
import { DEFAULT_WEBHOOK_BACKOFF, type WebhookBackoffSettings } from "./webhook-backoff.js";
import { WebhookDeliverer } from "./webhook-deliverer.js";
import { WebhookOutbox } from "./webhook-outbox.js";

/** How often the checker looks for due saved scans and the deliverer for due webhooks, milliseconds. */
const TICK_MS = 1000;
/** How long a claimed check is one coordinator's unless renewed: one that dies holding it delays the check this long at most. */
const CHECK_LEASE_MS = 30_000;
/** Longest an alert check's scan may run (a universe of 500 symbols, cold, with market data pacing). */
const MAX_SCAN_MS = 5 * 60_000;
/** How often WatchAlerts streams read events other coordinators wrote, milliseconds. */
const POLL_MS = 500;
const PRUNE_EVERY_MS = 60_000;

export interface CoordinatorAlertsParts {
  readonly db: Kysely<DatabaseSchema>;
  readonly health: DependencyStatus | undefined;
  readonly savedScans: SavedScanLookup;
  readonly run: SavedScanRun;
  readonly handlerOptions: HandlerOptions;
  readonly registry: Registry;
  readonly backoff?: WebhookBackoffSettings;
}

export interface CoordinatorAlerts {
  readonly watchAlerts: SavedScanServiceServer["watchAlerts"];
  readonly store: AlertStore;
  /** Starts checking and delivering. */
  start(): void;
  close(): Promise<void>;
}

export function coordinatorAlerts({
  db,
  health,
  savedScans,
  run,
  handlerOptions,
  registry,
  backoff = DEFAULT_WEBHOOK_BACKOFF,
}: CoordinatorAlertsParts): CoordinatorAlerts {
  const { logger } = handlerOptions;
  // Unique per process: a restarted coordinator never mistakes an old lease for its own.
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const store = new AlertStore(db, health);
  const signals = new AlertSignals();
  const metrics = new AlertMetrics(registry);
  const checker = new AlertChecker({
    store,
    savedScans,
    run,
    signals,
    metrics,
    holder,
    tickMs: TICK_MS,
    leaseMs: CHECK_LEASE_MS,
    maxScanMs: MAX_SCAN_MS,
    pruneEveryMs: PRUNE_EVERY_MS,
    logger,
  });
  const deliverer = new WebhookDeliverer({ outbox: new WebhookOutbox(db, health), savedScans, holder, tickMs: TICK_MS, backoff, metrics, logger });
  return {
    watchAlerts: watchAlertsHandler({ store, savedScans, signals, pollMs: POLL_MS }, handlerOptions),
    store,
    start: () => {
      checker.start();
      deliverer.start();
    },
    close: async () => {
      await Promise.all([checker.close(), deliverer.close()]);
    },
  };
}

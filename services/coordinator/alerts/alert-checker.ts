// Runs each due alerting saved scan once per check interval across the whole fleet, compares
// its top N with the previous check's, and records what entered and left. The database's lease
// decides which coordinator runs a check (AlertStore.claim); the events, the new state and the
// outbox rows are written in one transaction (AlertStore.record).
import { SymbolScanState } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import type { Logger } from "../../common/logger.js";
import type { SavedScanLookup, StoredSavedScan } from "../saved-scans/saved-scan-lookup.js";
import type { AlertMetrics } from "./alert-metrics.js";
import type { AlertSignals } from "./alert-signals.js";
import type { AlertStore, SavedScanKey } from "./alert-store.js";
import { previousTopOf } from "./alert-store.js";
import type { SavedScanRun } from "./saved-scan-run.js";
import { diffTop } from "./top-diff.js";
import { RepeatingRounds } from "./repeating-rounds.js";

export interface AlertCheckerOptions {
  readonly store: AlertStore;
  readonly savedScans: SavedScanLookup;
  readonly run: SavedScanRun;
  readonly signals: AlertSignals;
  readonly metrics: AlertMetrics;
  /** This coordinator's name in the leases it holds (unique per process). */
  readonly holder: string;
  /** How often the checker looks for due checks, milliseconds. */
  readonly tickMs: number;
  /** How long a claim lasts without renewal; renewed every third of it while the scan runs. */
  readonly leaseMs: number;
  /** Longest an alert check's scan may run before it is abandoned (and tried at the next interval). */
  readonly maxScanMs: number;
  /** How often expired events and outbox rows are deleted, milliseconds. */
  readonly pruneEveryMs: number;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export class AlertChecker {
  private readonly now: () => Date;
  private readonly rounds: RepeatingRounds;
  private readonly stopping: AbortController;
  private lastPrune = 0;

  constructor(private readonly options: AlertCheckerOptions) {
    this.now = options.now ?? (() => new Date());
    this.rounds = new RepeatingRounds(() => this.tick(), options.tickMs, options.logger, "an alert check round failed; the next one tries again");
    this.stopping = this.rounds.stopping;
  }

  start(): void {
    this.rounds.start();
  }

  /** Stops checking; a scan under way is abandoned and its check handed back, due at once. */
  async close(): Promise<void> {
    await this.rounds.close();
  }

  /** One round: every alerting saved scan that is due and unclaimed is checked here. */
  async tick(): Promise<void> {
    const { store, savedScans } = this.options;
    const alerting = await savedScans.listAlerting();
    const schedules = await store.schedules();
    for (const saved of alerting) {
      if (this.stopping.signal.aborted) return;
      const key = { owner: saved.owner, name: saved.name };
      const schedule = schedules.get(`${saved.owner}\u0000${saved.name}`);
      const now = this.now().toISOString();
      // Not due, or another coordinator's lease still holds: no write needed to know it.
      if (schedule && (schedule.next_check_at > now || (schedule.lease_until !== null && schedule.lease_until >= now))) continue;
      try {
        if (!schedule) await store.schedule(key, this.now());
        await this.checkIfDue(key, saved);
      } catch (error) {
        // One saved scan's failure (it was deleted meanwhile, the database went away) is not the others'.
        this.options.logger.warn({ err: error, savedScan: saved.name, owner: saved.owner }, "an alert check failed; tried again at the next round");
      }
    }
    if (Date.now() - this.lastPrune >= this.options.pruneEveryMs) {
      this.lastPrune = Date.now();
      await store.prune(this.now());
    }
  }

  private async checkIfDue(key: SavedScanKey, saved: StoredSavedScan): Promise<void> {
    const { store, holder, leaseMs, logger, metrics } = this.options;
    const settings = saved.alerts;
    if (!settings) return;
    const claimed = await store.claim(key, holder, this.now(), leaseMs);
    if (!claimed) return;
    const checkTime = this.now();
    metrics.checkStarted(new Date(claimed.next_check_at), checkTime);
    const nextCheckAt = new Date(checkTime.getTime() + settings.checkIntervalMs);
    // The lease is renewed while the scan runs (a universe of hundreds of symbols takes longer
    // than one lease); a renewal that finds it taken (this process stalled past its end) stops the scan.
    const lost = new AbortController();
    const renewal = setInterval(() => {
      store.renew(key, holder, this.now(), leaseMs).then(
        (held) => {
          if (!held) lost.abort(new Error("the alert check's lease was taken over"));
        },
        (error: unknown) => logger.warn({ err: error, savedScan: saved.name }, "an alert check's lease could not be renewed; tried again shortly"),
      );
    }, leaseMs / 3);
    const signal = AbortSignal.any([this.stopping.signal, lost.signal, AbortSignal.timeout(this.options.maxScanMs)]);
    let top;
    try {
      const result = await this.options.run(saved, signal);
      // A symbol that failed has no spreads this time; comparing would report its spreads as
      // left and then entered again. The check is skipped instead and tried at the next interval.
      const failed = result.symbols.filter((symbol) => symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_FAILED).map((symbol) => symbol.symbol);
      if (failed.length > 0) {
        logger.warn({ savedScan: saved.name, owner: saved.owner, failed }, "an alert check skipped: some symbols failed");
        metrics.checkEnded("skipped");
        await store.release(key, holder, nextCheckAt);
        return;
      }
      top = result.spreads;
    } catch (error) {
      if (lost.signal.aborted) {
        metrics.checkEnded("lease_lost");
        return;
      }
      // Stopping: the check is handed back due at once, for another coordinator to run now.
      if (this.stopping.signal.aborted) {
        metrics.checkEnded("handed_back");
        return await store.release(key, holder, checkTime).catch(() => undefined);
      }
      logger.warn({ err: error, savedScan: saved.name, owner: saved.owner }, "an alert check's scan failed; tried again at the next interval");
      metrics.checkEnded("failed");
      await store.release(key, holder, nextCheckAt);
      return;
    } finally {
      clearInterval(renewal);
    }
    const changes = diffTop(previousTopOf(claimed), top);
    const written = await store.record({
      key,
      holder,
      lastSequence: claimed.last_sequence,
      changes,
      top,
      checkTime,
      nextCheckAt,
      retentionMs: settings.retentionMs,
      webhookUrl: settings.webhook?.url,
    });
    if (written === undefined) {
      metrics.checkEnded("lease_lost");
      logger.warn({ savedScan: saved.name, owner: saved.owner }, "an alert check's lease ended before it wrote; another coordinator checks it");
      return;
    }
    metrics.checkEnded(written.length > 0 ? "written" : "unchanged");
    metrics.eventsWritten(changes.map((change) => change.kind));
    if (written.length > 0) {
      logger.info(
        { savedScan: saved.name, owner: saved.owner, events: written.length, lastSequence: claimed.last_sequence + written.length },
        "alert events written",
      );
      this.options.signals.written(key);
    }
  }
}

// Posts the outbox's due events to their webhooks: the event's proto3 JSON, signed with the
// saved scan's secret, within 10 seconds. A 2xx answer marks the row delivered; anything else
// (another status, no answer, a refused connection) is retried with capped, jittered
// exponential backoff until the row's retention ends. Delivery is at least once: a coordinator
// that dies after the receiver answered but before it marked the row posts it again.
import type { Selectable } from "kysely";
import { AlertEvent } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import type { Logger } from "../../common/logger.js";
import type { SavedScanLookup } from "../saved-scans/saved-scan-lookup.js";
import type { WebhookOutboxRow } from "../storage/database-schema.js";
import type { AlertMetrics } from "./alert-metrics.js";
import { alertEventOf } from "./alert-store.js";
import { webhookRetryDelay, type WebhookBackoffSettings } from "./webhook-backoff.js";
import type { WebhookOutbox } from "./webhook-outbox.js";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, webhookSignature } from "./webhook-signature.js";
import { RepeatingRounds } from "./repeating-rounds.js";

/** The longest a receiver may take to answer, milliseconds. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Longer than an attempt may take, so that a live coordinator never loses a row it is posting. */
const LEASE_MS = WEBHOOK_TIMEOUT_MS * 3;
/** Rows posted at once per round. */
const BATCH = 20;

export interface WebhookDelivererOptions {
  readonly outbox: WebhookOutbox;
  readonly savedScans: SavedScanLookup;
  readonly holder: string;
  /** How often the outbox is read for due rows, milliseconds. */
  readonly tickMs: number;
  readonly backoff: WebhookBackoffSettings;
  readonly metrics: AlertMetrics;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export class WebhookDeliverer {
  private readonly now: () => Date;
  private readonly rounds: RepeatingRounds;
  private readonly stopping: AbortController;

  constructor(private readonly options: WebhookDelivererOptions) {
    this.now = options.now ?? (() => new Date());
    this.rounds = new RepeatingRounds(() => this.tick(), options.tickMs, options.logger, "a webhook delivery round failed; the next one tries again");
    this.stopping = this.rounds.stopping;
  }

  start(): void {
    this.rounds.start();
  }

  async close(): Promise<void> {
    await this.rounds.close();
  }

  /** One round: every due row this coordinator can claim is posted once. */
  async tick(): Promise<void> {
    const rows = await this.options.outbox.claimDue(this.options.holder, this.now(), LEASE_MS, BATCH);
    await Promise.all(rows.map((row) => this.deliver(row)));
  }

  private async deliver(row: Selectable<WebhookOutboxRow>): Promise<void> {
    const { outbox, savedScans, holder, logger, metrics } = this.options;
    const [eventRow, saved] = await Promise.all([outbox.event(row.event_id), savedScans.get(row.owner, row.saved_scan)]);
    const secret = saved?.alerts?.webhook?.secret;
    if (!eventRow || secret === undefined) {
      // The event is past its retention, or the saved scan or its webhook is gone: nothing to sign it with.
      await outbox.drop(row.event_id);
      metrics.webhookAttempted("dropped");
      return;
    }
    const body = JSON.stringify(AlertEvent.toJSON(alertEventOf(eventRow)));
    let failure: string;
    try {
      const response = await fetch(row.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", [SIGNATURE_HEADER]: webhookSignature(body, secret), [EVENT_ID_HEADER]: row.event_id },
        body,
        redirect: "manual",
        signal: AbortSignal.any([AbortSignal.timeout(WEBHOOK_TIMEOUT_MS), this.stopping.signal]),
      });
      // The body is not read: only the status acknowledges.
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) {
        const deliveredAt = this.now();
        await outbox.delivered(row.event_id, holder, deliveredAt);
        metrics.webhookAttempted("delivered");
        metrics.webhookDelivered(new Date(eventRow.event_time), deliveredAt);
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      failure = error instanceof Error ? `${error.name}: ${error.message}${causeOf(error)}` : String(error);
    }
    metrics.webhookAttempted("failed");
    const delayMs = webhookRetryDelay(row.attempts + 1, this.options.backoff);
    logger.info(
      { eventId: row.event_id, savedScan: row.saved_scan, attempts: row.attempts + 1, failure, retryInMs: Math.round(delayMs) },
      "a webhook attempt failed",
    );
    await outbox.failed(row, holder, failure, new Date(this.now().getTime() + delayMs));
  }
}

function causeOf(error: Error): string {
  return error.cause instanceof Error ? ` (${error.cause.message})` : "";
}

// What the alert machinery does, for Prometheus: how each check this coordinator ran ended, the
// events it wrote, how late checks start after they fall due (a fleet that cannot keep up with
// its saved scans shows here first), and each webhook attempt with, for delivered events, how
// long after the check the receiver had them (retries included).
import { Counter, Histogram, type Registry } from "prom-client";

/**
 * How a check ended: `written` (events recorded), `unchanged` (the top N had neither entries nor
 * exits), `skipped` (a symbol failed: nothing compared, tried at the next interval), `failed`
 * (the scan failed), `lease_lost` (another coordinator took the check over; nothing written),
 * `handed_back` (this coordinator stopped mid-check and made it due again at once).
 */
export type AlertCheckOutcome = "written" | "unchanged" | "skipped" | "failed" | "lease_lost" | "handed_back";

/** How a webhook attempt ended: `delivered` (2xx), `failed` (retried after its backoff), `dropped` (its event or webhook is gone). */
export type WebhookAttemptOutcome = "delivered" | "failed" | "dropped";

export class AlertMetrics {
  private readonly checks: Counter<"outcome">;
  private readonly events: Counter<"kind">;
  private readonly checkDelay: Histogram;
  private readonly attempts: Counter<"outcome">;
  private readonly deliveryDelay: Histogram;

  constructor(registry: Registry) {
    this.checks = new Counter({
      name: "spreadscan_alert_checks_total",
      help: "Alert checks this coordinator ran, by outcome: written, unchanged, skipped (a symbol failed), failed (the scan failed), lease_lost (another coordinator took it over), handed_back (stopping).",
      labelNames: ["outcome"],
      registers: [registry],
    });
    this.events = new Counter({
      name: "spreadscan_alert_events_total",
      help: "Alert events this coordinator wrote, by kind: entered or left the saved scan's top N.",
      labelNames: ["kind"],
      registers: [registry],
    });
    this.checkDelay = new Histogram({
      name: "spreadscan_alert_check_delay_seconds",
      help: "How long after its due time an alert check started here (the checker looks once a second; more means checks wait for a lease or a busy fleet).",
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.attempts = new Counter({
      name: "spreadscan_webhook_attempts_total",
      help: "Webhook posts this coordinator attempted, by outcome: delivered (2xx), failed (retried after backoff), dropped (the event or the webhook is gone).",
      labelNames: ["outcome"],
      registers: [registry],
    });
    this.deliveryDelay = new Histogram({
      name: "spreadscan_webhook_delivery_delay_seconds",
      help: "From the check that wrote an event to its webhook's 2xx, retries included, for events delivered by this coordinator.",
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600],
      registers: [registry],
    });
  }

  checkStarted(dueAt: Date, startedAt: Date): void {
    this.checkDelay.observe(Math.max(0, startedAt.getTime() - dueAt.getTime()) / 1000);
  }

  checkEnded(outcome: AlertCheckOutcome): void {
    this.checks.inc({ outcome });
  }

  eventsWritten(kinds: readonly ("entered" | "left")[]): void {
    for (const kind of kinds) this.events.inc({ kind });
  }

  webhookAttempted(outcome: WebhookAttemptOutcome): void {
    this.attempts.inc({ outcome });
  }

  webhookDelivered(eventTime: Date, deliveredAt: Date): void {
    this.deliveryDelay.observe(Math.max(0, deliveredAt.getTime() - eventTime.getTime()) / 1000);
  }
}

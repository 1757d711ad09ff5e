// The webhook outbox rows in the database: each event still to be posted, claimed by one
// coordinator at a time through a lease, as alert checks are (a coordinator that dies holding
// one loses it when the lease ends). The rows outlive any process: a restart resumes them.
import type { Kysely, Selectable } from "kysely";
import type { DependencyStatus } from "../../common/dependency-health.js";
import type { AlertEventRow, DatabaseSchema, WebhookOutboxRow } from "../storage/database-schema.js";
import { databaseWork } from "../storage/database-errors.js";

const iso = (time: Date): string => time.toISOString();

export class WebhookOutbox {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly health?: DependencyStatus | undefined,
  ) {}

  /**
   * Claims up to `limit` undelivered rows that are due and unleased. The UPDATE repeats the
   * subquery's conditions: on PostgreSQL a row another coordinator claimed between the two is
   * re-read under its row lock and skipped, so no row is claimed twice.
   */
  claimDue(holder: string, now: Date, leaseMs: number, limit: number): Promise<Selectable<WebhookOutboxRow>[]> {
    const at = iso(now);
    return this.work(() =>
      this.db
        .updateTable("webhook_outbox")
        .set({ lease_holder: holder, lease_until: iso(new Date(now.getTime() + leaseMs)) })
        .where("event_id", "in", (select) =>
          select
            .selectFrom("webhook_outbox")
            .select("event_id")
            .where("delivered_at", "is", null)
            .where("next_attempt_at", "<=", at)
            .where((where) => where.or([where("lease_until", "is", null), where("lease_until", "<", at)]))
            .orderBy("next_attempt_at")
            .limit(limit),
        )
        .where("delivered_at", "is", null)
        .where((where) => where.or([where("lease_until", "is", null), where("lease_until", "<", at)]))
        .returningAll()
        .execute(),
    );
  }

  /** The event a row posts, or undefined once retention deleted it. */
  event(eventId: string): Promise<AlertEventRow | undefined> {
    return this.work(() => this.db.selectFrom("alert_events").selectAll().where("event_id", "=", eventId).executeTakeFirst());
  }

  delivered(eventId: string, holder: string, now: Date): Promise<void> {
    return this.work(async () => {
      await this.db
        .updateTable("webhook_outbox")
        .set({ delivered_at: iso(now), lease_holder: null, lease_until: null, last_error: null })
        .where("event_id", "=", eventId)
        .where("lease_holder", "=", holder)
        .execute();
    });
  }

  /** Records a failed attempt and when the next one is due. */
  failed(row: Selectable<WebhookOutboxRow>, holder: string, error: string, nextAttemptAt: Date): Promise<void> {
    return this.work(async () => {
      await this.db
        .updateTable("webhook_outbox")
        .set({ attempts: row.attempts + 1, next_attempt_at: iso(nextAttemptAt), lease_holder: null, lease_until: null, last_error: error.slice(0, 500) })
        .where("event_id", "=", row.event_id)
        .where("lease_holder", "=", holder)
        .execute();
    });
  }

  /** Gives a row up: its event or its saved scan's webhook is gone. */
  drop(eventId: string): Promise<void> {
    return this.work(async () => {
      await this.db.deleteFrom("webhook_outbox").where("event_id", "=", eventId).execute();
    });
  }

  private work<T>(body: () => Promise<T>): Promise<T> {
    return databaseWork(body, this.health);
  }
}

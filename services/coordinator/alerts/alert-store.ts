// The alert state, events and outbox rows of the coordinator's database: what the checker
// claims and writes, what WatchAlerts reads, and what retention deletes. Every coordinator of
// a cluster shares them (PostgreSQL): the database decides which one checks a saved scan.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { AlertKind, type AlertEvent } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import type { DependencyStatus } from "../../common/dependency-health.js";
import type { AlertEventRow, AlertStateRow, DatabaseSchema } from "../storage/database-schema.js";
import { databaseWork } from "../storage/database-errors.js";
import type { TopChange } from "./top-diff.js";

/** A saved scan's identity in every alert table. */
export interface SavedScanKey {
  readonly owner: string;
  readonly name: string;
}

export interface CheckRecord {
  readonly key: SavedScanKey;
  /** The coordinator that claimed the check: the write happens only while the claim is still its own. */
  readonly holder: string;
  /** The last sequence the claimed state held: a write on top of another's is refused. */
  readonly lastSequence: number;
  readonly changes: readonly TopChange[];
  /** The new top N, in rank order. */
  readonly top: readonly Spread[];
  readonly checkTime: Date;
  readonly nextCheckAt: Date;
  readonly retentionMs: number;
  /** Where each event is also posted; undefined for none. */
  readonly webhookUrl: string | undefined;
}

const iso = (time: Date): string => time.toISOString();

export function alertEventOf(row: AlertEventRow): AlertEvent {
  return {
    eventId: row.event_id,
    savedScan: row.saved_scan,
    sequence: BigInt(row.sequence),
    kind: row.kind === "entered" ? AlertKind.ALERT_KIND_ENTERED : AlertKind.ALERT_KIND_LEFT,
    spread: Spread.fromJSON(JSON.parse(row.spread)),
    eventTime: new Date(row.event_time),
  };
}

/** The previous top N a state row holds, or undefined before its first check. */
export function previousTopOf(state: AlertStateRow): Spread[] | undefined {
  if (state.top_spreads === null) return undefined;
  return (JSON.parse(state.top_spreads) as unknown[]).map((json) => Spread.fromJSON(json));
}

export class AlertStore {
  constructor(
    readonly db: Kysely<DatabaseSchema>,
    private readonly health?: DependencyStatus | undefined,
  ) {}

  /** Makes the saved scan's state row when it has none, due at once. */
  schedule({ owner, name }: SavedScanKey, now: Date): Promise<void> {
    return this.work(async () => {
      await this.db
        .insertInto("alert_states")
        .values({ owner, saved_scan: name, next_check_at: iso(now), last_sequence: 0, pruned_through: 0 })
        .onConflict((conflict) => conflict.columns(["owner", "saved_scan"]).doNothing())
        .execute();
    });
  }

  /**
   * When each saved scan with alert state is next due and until when it is leased, by
   * `owner\u0000name`: one read a round, so that only the due ones are claimed (a write each).
   */
  schedules(): Promise<Map<string, Pick<AlertStateRow, "next_check_at" | "lease_until">>> {
    return this.work(async () => {
      const rows = await this.db.selectFrom("alert_states").select(["owner", "saved_scan", "next_check_at", "lease_until"]).execute();
      return new Map(rows.map((row) => [`${row.owner}\u0000${row.saved_scan}`, row]));
    });
  }

  /**
   * Claims the saved scan's check when it is due and no live lease holds it: one conditional
   * UPDATE, so that of the coordinators trying at once exactly one gets the row back. A lease
   * whose holder died ends at `lease_until`, and the next claim takes it.
   */
  claim({ owner, name }: SavedScanKey, holder: string, now: Date, leaseMs: number): Promise<AlertStateRow | undefined> {
    return this.work(async () =>
      this.db
        .updateTable("alert_states")
        .set({ lease_holder: holder, lease_until: iso(new Date(now.getTime() + leaseMs)) })
        .where("owner", "=", owner)
        .where("saved_scan", "=", name)
        .where("next_check_at", "<=", iso(now))
        .where((where) => where.or([where("lease_until", "is", null), where("lease_until", "<", iso(now))]))
        .returningAll()
        .executeTakeFirst(),
    );
  }

  /** Extends a claim this coordinator still holds; false when another took it over. */
  renew({ owner, name }: SavedScanKey, holder: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.work(async () => {
      const result = await this.db
        .updateTable("alert_states")
        .set({ lease_until: iso(new Date(now.getTime() + leaseMs)) })
        .where("owner", "=", owner)
        .where("saved_scan", "=", name)
        .where("lease_holder", "=", holder)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** Gives a claimed check back without a result (the scan failed): due again at `nextCheckAt`. */
  release({ owner, name }: SavedScanKey, holder: string, nextCheckAt: Date): Promise<void> {
    return this.work(async () => {
      await this.db
        .updateTable("alert_states")
        .set({ lease_holder: null, lease_until: null, next_check_at: iso(nextCheckAt) })
        .where("owner", "=", owner)
        .where("saved_scan", "=", name)
        .where("lease_holder", "=", holder)
        .execute();
    });
  }

  /**
   * Writes a check's events (the next sequences), the new state and the outbox rows in one
   * transaction, so that a crash leaves all or none of them. Answers the events written, or
   * undefined when the state moved on meanwhile (another coordinator took the lease after
   * this one's ended): nothing is written then, and no event is written twice.
   */
  record(check: CheckRecord): Promise<AlertEventRow[] | undefined> {
    const { owner, name } = check.key;
    const eventTime = iso(check.checkTime);
    const expiresAt = iso(new Date(check.checkTime.getTime() + check.retentionMs));
    const events = check.changes.map((change, index): AlertEventRow => ({
      owner,
      saved_scan: name,
      sequence: check.lastSequence + index + 1,
      event_id: randomUUID(),
      kind: change.kind,
      spread: JSON.stringify(Spread.toJSON(change.spread)),
      event_time: eventTime,
      expires_at: expiresAt,
    }));
    return this.work(() =>
      this.db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable("alert_states")
          .set({
            top_spreads: JSON.stringify(check.top.map((spread) => Spread.toJSON(spread))),
            last_sequence: check.lastSequence + events.length,
            last_check_at: eventTime,
            next_check_at: iso(check.nextCheckAt),
            lease_holder: null,
            lease_until: null,
          })
          .where("owner", "=", owner)
          .where("saved_scan", "=", name)
          .where("lease_holder", "=", check.holder)
          .where("last_sequence", "=", check.lastSequence)
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) return undefined;
        if (events.length === 0) return events;
        await trx.insertInto("alert_events").values(events).execute();
        if (check.webhookUrl !== undefined) {
          const url = check.webhookUrl;
          await trx
            .insertInto("webhook_outbox")
            .values(
              events.map((event) => ({
                event_id: event.event_id,
                owner,
                saved_scan: name,
                url,
                attempts: 0,
                next_attempt_at: eventTime,
                expires_at: expiresAt,
              })),
            )
            .execute();
        }
        return events;
      }),
    );
  }

  /** The saved scan's state, or undefined before it was first scheduled. */
  state({ owner, name }: SavedScanKey): Promise<AlertStateRow | undefined> {
    return this.work(() => this.db.selectFrom("alert_states").selectAll().where("owner", "=", owner).where("saved_scan", "=", name).executeTakeFirst());
  }

  /** Up to `limit` kept events after `after`, in order of sequence. */
  eventsAfter({ owner, name }: SavedScanKey, after: number, limit: number): Promise<AlertEventRow[]> {
    return this.work(() =>
      this.db
        .selectFrom("alert_events")
        .selectAll()
        .where("owner", "=", owner)
        .where("saved_scan", "=", name)
        .where("sequence", ">", after)
        .orderBy("sequence")
        .limit(limit)
        .execute(),
    );
  }

  /**
   * Deletes events and outbox rows past their retention. A saved scan's events go as a prefix
   * (every sequence up to its last expired one, even if a shortened retention made a later
   * one expire first), and its state remembers the last one deleted, for OUT_OF_RANGE.
   */
  prune(now: Date): Promise<void> {
    return this.work(async () => {
      const expired = await this.db
        .selectFrom("alert_events")
        .select(["owner", "saved_scan"])
        .select((select) => select.fn.max("sequence").as("through"))
        .where("expires_at", "<=", iso(now))
        .groupBy(["owner", "saved_scan"])
        .execute();
      for (const { owner, saved_scan, through } of expired) {
        await this.db.transaction().execute(async (trx) => {
          await trx.deleteFrom("alert_events").where("owner", "=", owner).where("saved_scan", "=", saved_scan).where("sequence", "<=", through).execute();
          await trx
            .updateTable("alert_states")
            .set({ pruned_through: through })
            .where("owner", "=", owner)
            .where("saved_scan", "=", saved_scan)
            .where("pruned_through", "<", through)
            .execute();
        });
      }
      await this.db.deleteFrom("webhook_outbox").where("expires_at", "<=", iso(now)).execute();
    });
  }

  private work<T>(body: () => Promise<T>): Promise<T> {
    return databaseWork(body, this.health);
  }
}

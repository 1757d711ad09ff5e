// The IV histories kept in the coordinator's database (migration 4): what a provider gave for
// a symbol on a New York day, read back by a coordinator that starts later that day instead of
// asking the provider again.
import type { Kysely } from "kysely";
import type { DailyImpliedVolatility } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { DependencyStatus } from "../../../common/dependency-health.js";
import { databaseWork } from "../../storage/database-errors.js";
import type { DatabaseSchema } from "../../storage/database-schema.js";

/** Rows per INSERT: well under PostgreSQL's 65 535 parameters and SQLite's 32 766 (5 per row). */
const ROWS_PER_INSERT = 500;

export class IvHistoryStore {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly health?: DependencyStatus,
  ) {}

  /** The history of `symbol` from `source` fetched for `fetchedDay`, ascending; undefined when none was stored that day. */
  load(symbol: string, source: string, fetchedDay: string): Promise<DailyImpliedVolatility[] | undefined> {
    return databaseWork(async () => {
      const rows = await this.db
        .selectFrom("iv_history")
        .select(["date", "iv"])
        .where("symbol", "=", symbol)
        .where("source", "=", source)
        .where("fetched_day", "=", fetchedDay)
        .orderBy("date")
        .execute();
      return rows.length > 0 ? rows.map((row) => ({ date: row.date, impliedVolatility: row.iv })) : undefined;
    }, this.health);
  }

  /**
   * Keeps `days` as the history of `symbol` from `source` fetched for `fetchedDay`, replacing
   * an older day's. In one transaction, so a reader sees the old history or the new one; an
   * upsert, so two coordinators saving the same day at once both succeed.
   */
  save(symbol: string, source: string, fetchedDay: string, days: readonly DailyImpliedVolatility[]): Promise<void> {
    return databaseWork(
      () =>
        this.db.transaction().execute(async (trx) => {
          for (let start = 0; start < days.length; start += ROWS_PER_INSERT) {
            const rows = days.slice(start, start + ROWS_PER_INSERT).map((day) => ({
              symbol,
              source,
              date: day.date,
              iv: day.impliedVolatility,
              fetched_day: fetchedDay,
            }));
            await trx
              .insertInto("iv_history")
              .values(rows)
              .onConflict((conflict) =>
                conflict
                  .columns(["symbol", "source", "date"])
                  .doUpdateSet((row) => ({ iv: row.ref("excluded.iv"), fetched_day: row.ref("excluded.fetched_day") })),
              )
              .execute();
          }
          // Days of an older fetch that this one no longer holds (they left its year).
          await trx.deleteFrom("iv_history").where("symbol", "=", symbol).where("source", "=", source).where("fetched_day", "<", fetchedDay).execute();
        }),
      this.health,
    );
  }
}

// The IV histories in the coordinator's database (migration 4), on a SQLite file and a real
// PostgreSQL alike: a history saved is read back for its day only; a later day's replaces it;
// and a coordinator started again the same day (a new cache on the same database) reads it
// instead of asking the provider again.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { DailyImpliedVolatility } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { createLogger } from "../../services/common/logger.js";
import { IvHistoryCache } from "../../services/coordinator/market/iv-history/iv-history-cache.js";
import type { IvHistorySource } from "../../services/coordinator/market/iv-history/iv-history-source.js";
import { IvHistoryStore } from "../../services/coordinator/market/iv-history/iv-history-store.js";
import { SimulatedIvHistory } from "../../services/coordinator/market/iv-history/simulated-iv-history.js";
import { openDatabase, type CoordinatorDatabase } from "../../services/coordinator/storage/open-database.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const databases = new TestDatabases();
const opened: CoordinatorDatabase[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});
afterAll(() => databases.close());

function countingSimulated(seed: number): IvHistorySource & { calls: number } {
  const simulated = new SimulatedIvHistory(seed);
  const source = {
    name: simulated.name,
    calls: 0,
    fetchHistory: (symbol: string, before: string) => {
      source.calls++;
      return simulated.fetchHistory(symbol, before);
    },
  };
  return source;
}

describe.each(DATABASE_KINDS)("on %s", (kind) => {
  const open = async (settings: DatabaseSettings): Promise<CoordinatorDatabase> => {
    const database = await openDatabase(settings, logger);
    opened.push(database);
    return database;
  };

  it("reads back a saved history for its day only, and a later day's replaces it", async () => {
    const store = new IvHistoryStore((await open(await databases.fresh(kind))).db);
    const monday: DailyImpliedVolatility[] = [
      { date: "2025-05-28", impliedVolatility: 0.1512 },
      { date: "2025-05-29", impliedVolatility: 0.1498 },
      { date: "2025-05-30", impliedVolatility: 0.16 },
    ];
    await store.save("SPY", "ibkr", "2025-06-02", monday);
    expect(await store.load("SPY", "ibkr", "2025-06-02")).toEqual(monday);
    // Another day, source or symbol has nothing stored.
    expect(await store.load("SPY", "ibkr", "2025-06-03")).toBeUndefined();
    expect(await store.load("SPY", "simulated", "2025-06-02")).toBeUndefined();
    expect(await store.load("QQQ", "ibkr", "2025-06-02")).toBeUndefined();

    // Tuesday's fetch: 28 May left its window, 29 and 30 May came again (30 May revised), 2 June is new.
    const tuesday: DailyImpliedVolatility[] = [
      { date: "2025-05-29", impliedVolatility: 0.1498 },
      { date: "2025-05-30", impliedVolatility: 0.1601 },
      { date: "2025-06-02", impliedVolatility: 0.171 },
    ];
    await store.save("SPY", "ibkr", "2025-06-03", tuesday);
    expect(await store.load("SPY", "ibkr", "2025-06-03")).toEqual(tuesday);
    expect(await store.load("SPY", "ibkr", "2025-06-02")).toBeUndefined();
    // Saving the same day twice (two coordinators at once) keeps one copy.
    await store.save("SPY", "ibkr", "2025-06-03", tuesday);
    expect(await store.load("SPY", "ibkr", "2025-06-03")).toEqual(tuesday);
  });

  it("keeps a whole year of days through a restart: the second coordinator does not ask the provider", async () => {
    const settings = await databases.fresh(kind);
    const firstSource = countingSimulated(5);
    const first = new IvHistoryCache({ source: firstSource, store: new IvHistoryStore((await open(settings)).db), logger });
    const fetched = await first.history("NVDA", "2025-06-02");
    expect(firstSource.calls).toBe(1);
    expect(fetched?.days).toHaveLength(252);

    // A new process: a new connection, a new cache, the same database.
    const secondSource = countingSimulated(5);
    const second = new IvHistoryCache({ source: secondSource, store: new IvHistoryStore((await open(settings)).db), logger });
    expect(await second.history("NVDA", "2025-06-02")).toEqual(fetched);
    expect(secondSource.calls).toBe(0);
    // The next day is fetched.
    expect((await second.history("NVDA", "2025-06-03"))?.days.at(-1)?.date).toBe("2025-06-02");
    expect(secondSource.calls).toBe(1);
  });
});

// IV history on the coordinator's scan path, process to process: a coordinator on the simulated
// market and a scanner, each in its own process, called on loopback. A scan through the
// coordinator fetches the symbol's history with its chain and keeps it in the coordinator's
// database (252 trading days before the chain's New York date); a coordinator started again on
// that database scans with it too. Once the engine reads the history (ScanResult.market_context,
// issue 19's volatility context), the result says it was computed over those 252 days.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { createLogger } from "../../services/common/logger.js";
import { newYorkDate } from "../../services/engine/new-york-time.js";
import { connectDatabase } from "../../services/coordinator/storage/open-database.js";
import { isTradingDay } from "../../services/market-model/trading-days.js";
import { simulatedVolatilityHistory } from "../../services/market-model/implied-volatility-history.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { QUERY, startPair, type Pair } from "../support/coordinator-pair.js";
import { callUnary } from "../support/echo-server.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });
const dataDir = mkdtempSync(join(tmpdir(), "spreadscan-iv-history-"));
const pairs: Pair[] = [];

afterEach(() => {
  for (const pair of pairs.splice(0)) pair.close();
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** The iv_history rows of the coordinator's SQLite file, read as another process would. */
async function storedRows(symbol: string): Promise<{ date: string; iv: number; source: string; fetched_day: string }[]> {
  const database = connectDatabase({ dataDir }, logger);
  try {
    return await database.db.selectFrom("iv_history").select(["date", "iv", "source", "fetched_day"]).where("symbol", "=", symbol).orderBy("date").execute();
  } finally {
    await database.close();
  }
}

describe("a scan through the coordinator on the simulated market", () => {
  it("carries the symbol's 252-day IV history, kept in the coordinator's database", async () => {
    const seed = 11;
    const pair = await startPair({ DATA_DIR: dataDir, SIMULATED_SEED: String(seed) });
    pairs.push(pair);
    const { response, error } = await callUnary(pair.client.scan.bind(pair.client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }));
    expect(error).toBeUndefined();
    const result = response?.result;
    const asOf = result?.chainAsOf;
    if (!result || !asOf) throw new Error("expected a result with its chain's as-of");
    const day = newYorkDate(asOf);

    const fetched = await pair.coordinator.waitForLog((line) => line.msg === "IV history fetched from the market data provider");
    expect(fetched).toMatchObject({ symbol: "SPY", day, source: "simulated", days: 252 });
    const rows = await storedRows("SPY");
    expect(rows).toHaveLength(252);
    expect(rows.every((row) => row.source === "simulated" && row.fetched_day === day && row.date < day && isTradingDay(row.date))).toBe(true);
    // The model's own path with the coordinator's seed: the history and the market are one.
    const profile = SYMBOL_PROFILES.SPY;
    if (!profile) throw new Error("no SPY profile");
    const model = simulatedVolatilityHistory({ symbol: "SPY", profile, seed, before: day });
    expect(rows.map((row) => ({ date: row.date, impliedVolatility: row.iv }))).toEqual(model);

    // Where the engine computes the volatility context, it read all 252 days.
    if (result.marketContext) {
      expect(result.marketContext.ivHistoryDays).toBe(252);
      expect(result.marketContext.ivHistorySource).toBe("simulated");
      expect(result.marketContext.ivRank).toBeDefined();
    }
  });

  it("still has it after a restart on the same database, for a new symbol as for the old", async () => {
    const pair = await startPair({ DATA_DIR: dataDir, SIMULATED_SEED: "11" });
    pairs.push(pair);
    const before = await storedRows("SPY");
    for (const symbol of ["SPY", "QQQ"]) {
      const { error } = await callUnary(pair.client.scan.bind(pair.client), ScanRequest.fromPartial({ symbol, query: QUERY }));
      expect(error).toBeUndefined();
    }
    // SPY's day was read back, not asked of the market again; QQQ's, new, was fetched.
    const logged = (message: string): unknown[] => pair.coordinator.logs.filter((line) => line.msg === message).map((line) => line.symbol);
    expect(logged("IV history read from the database")).toEqual(["SPY"]);
    expect(logged("IV history fetched from the market data provider")).toEqual(["QQQ"]);
    expect(await storedRows("SPY")).toEqual(before);
    expect(await storedRows("QQQ")).toHaveLength(252);
  });
});

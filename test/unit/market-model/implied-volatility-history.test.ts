// The synthetic market's IV history and the trading calendar under it: NYSE holidays as the
// exchange published them, trading days only, a history that is the same whichever day asks,
// and whose level is the one the model's chains are priced at.
import { describe, expect, it } from "vitest";
import { OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { dayOfWeek, daysToExpiry } from "../../../services/engine/new-york-time.js";
import { SYMBOL_PROFILES, profileFor } from "../../../services/market-model/symbol-profiles.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { isTradingDay, marketHolidays, tradingDaysBefore } from "../../../services/market-model/trading-days.js";
import { simulatedVolatilityHistory } from "../../../services/market-model/implied-volatility-history.js";

function requireProfile(symbol: string): NonNullable<ReturnType<typeof profileFor>> {
  const profile = profileFor(symbol);
  if (!profile) throw new Error(`no profile for ${symbol}`);
  return profile;
}

describe("trading days", () => {
  it("knows the NYSE's full-day holidays of 2025 and 2026 as the exchange published them", () => {
    expect([...marketHolidays(2025)].sort()).toEqual([
      "2025-01-01",
      "2025-01-20",
      "2025-02-17",
      "2025-04-18",
      "2025-05-26",
      "2025-06-19",
      "2025-07-04",
      "2025-09-01",
      "2025-11-27",
      "2025-12-25",
    ]);
    // 2026: Independence Day falls on a Saturday and is kept on Friday 3 July.
    expect([...marketHolidays(2026)].sort()).toEqual([
      "2026-01-01",
      "2026-01-19",
      "2026-02-16",
      "2026-04-03",
      "2026-05-25",
      "2026-06-19",
      "2026-07-03",
      "2026-09-07",
      "2026-11-26",
      "2026-12-25",
    ]);
  });

  it("moves Saturday and Sunday holidays, except New Year's Day on a Saturday", () => {
    // Christmas 2021 was a Saturday: closed Friday 24 December. New Year's Day 2022 was a
    // Saturday: Friday 31 December 2021 traded. Christmas 2022 was a Sunday: closed Monday 26.
    expect(isTradingDay("2021-12-24")).toBe(false);
    expect(isTradingDay("2021-12-31")).toBe(true);
    expect(isTradingDay("2022-12-26")).toBe(false);
    // Juneteenth closes the market from 2022 only.
    expect(isTradingDay("2021-06-18")).toBe(true);
    expect(isTradingDay("2023-06-19")).toBe(false);
  });

  it("counts 251 trading days in 2025: 261 weekdays less 10 weekday holidays", () => {
    // (The exchange also closed on 9 January 2025, a national day of mourning: one-off
    // closures are not modelled.)
    const days = tradingDaysBefore("2026-01-01", 251);
    expect(days[0]).toBe("2025-01-02");
    expect(tradingDaysBefore("2026-01-01", 252)[0]).toBe("2024-12-31");
  });
});

describe("simulatedVolatilityHistory", () => {
  const spy = requireProfile("SPY");

  it("gives the 252 trading days before the chain's date, ascending, weekends and holidays left out", () => {
    // Tuesday 27 May 2025: Monday 26 was Memorial Day, so the last day is Friday 23 May.
    const history = simulatedVolatilityHistory({ symbol: "SPY", profile: spy, seed: 7, before: "2025-05-27" });
    expect(history).toHaveLength(252);
    expect(history.at(-1)?.date).toBe("2025-05-23");
    for (let index = 1; index < history.length; index++) expect((history[index]?.date ?? "") > (history[index - 1]?.date ?? "")).toBe(true);
    for (const day of history) {
      expect(isTradingDay(day.date)).toBe(true);
      expect([0, 6]).not.toContain(dayOfWeek(day.date));
      expect(day.impliedVolatility).toBeGreaterThan(0);
    }
    const dates = history.map((day) => day.date);
    expect(dates).not.toContain("2025-04-18"); // Good Friday
    expect(dates).not.toContain("2024-12-25");
    expect(dates).toContain("2025-04-17");
  });

  it("is the same history whichever day asks for it, and another seed's differs", () => {
    const june = simulatedVolatilityHistory({ symbol: "SPY", profile: spy, seed: 7, before: "2025-06-02" });
    const august = simulatedVolatilityHistory({ symbol: "spy", profile: spy, seed: 7, before: "2025-08-15" });
    expect(simulatedVolatilityHistory({ symbol: "SPY", profile: spy, seed: 7, before: "2025-06-02" })).toEqual(june);
    const byDate = new Map(august.map((day) => [day.date, day.impliedVolatility]));
    const shared = june.filter((day) => byDate.has(day.date));
    // From 2 June to 14 August 2025 the market traded 20 + 22 + 10 = 52 days (June less the
    // 19th, July less the 4th, 1-14 August): the two windows share 252 − 52 of them.
    expect(shared.length).toBe(200);
    for (const day of shared) expect(byDate.get(day.date)).toBe(day.impliedVolatility);
    const other = simulatedVolatilityHistory({ symbol: "SPY", profile: spy, seed: 8, before: "2025-06-02" });
    expect(other.map((day) => day.impliedVolatility)).not.toEqual(june.map((day) => day.impliedVolatility));
  });

  it.each(Object.keys(SYMBOL_PROFILES))("wanders around %s's own implied volatility, mean-reverting", (symbol) => {
    const profile = requireProfile(symbol);
    // Ten years: about 84 mean-reversion times of 30 days, so the sample mean of a stationary
    // log-volatility with spread 0.25 lies within about 0.25/√42 ≈ 0.04 (relative) of its
    // mean, one standard error; 10% is more than two of them.
    const history = simulatedVolatilityHistory({ symbol, profile, seed: 1, before: "2025-06-02", days: 2520 });
    const values = history.map((day) => day.impliedVolatility);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(Math.abs(mean / profile.atmVolatility - 1)).toBeLessThan(0.1);

    // The chain the model prices today: its at-the-money IV of the expiry nearest 30 days.
    const asOf = new Date("2025-06-02T14:30:00Z");
    const chain = generateSyntheticChain({ symbol, seed: 1, asOf });
    const expiries = [...new Set(chain.quotes.map((quote) => quote.expiryDate))];
    const expiry = expiries.reduce((best, date) => (Math.abs(daysToExpiry(asOf, date) - 30) < Math.abs(daysToExpiry(asOf, best) - 30) ? date : best));
    const calls = chain.quotes.filter((quote) => quote.expiryDate === expiry && quote.right === OptionRight.OPTION_RIGHT_CALL);
    const atm = calls.reduce((best, quote) => (Math.abs(quote.strike - chain.underlyingPrice) < Math.abs(best.strike - chain.underlyingPrice) ? quote : best));
    expect(Math.abs(mean / (atm.impliedVolatility ?? Number.NaN) - 1)).toBeLessThan(0.15);

    // Log-volatility: spread near 0.25, day-to-day correlation near e^(−1/30) ≈ 0.967.
    const logs = values.map((value) => Math.log(value));
    const logMean = logs.reduce((sum, value) => sum + value, 0) / logs.length;
    const variance = logs.reduce((sum, value) => sum + (value - logMean) ** 2, 0) / logs.length;
    expect(Math.sqrt(variance)).toBeGreaterThan(0.15);
    expect(Math.sqrt(variance)).toBeLessThan(0.35);
    let covariance = 0;
    for (let index = 1; index < logs.length; index++) covariance += ((logs[index] ?? 0) - logMean) * ((logs[index - 1] ?? 0) - logMean);
    expect(covariance / (logs.length - 1) / variance).toBeGreaterThan(0.9);
  });
});

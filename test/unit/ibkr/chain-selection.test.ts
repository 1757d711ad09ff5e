// Which expirations and strikes the IBKR provider requests: only the DTE range, only the strikes
// a query's filters can reach, never more than the contract cap. Checked against Black–Scholes
// deltas computed independently (the scanner engine's), so a window that cuts off a strike the
// filters would accept fails here.
import { describe, expect, it } from "vitest";
import { ProbabilityModel, ScanFilters, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { daysToExpiry, yearsToExpiry } from "../../../services/engine/new-york-time.js";
import {
  compareContracts,
  dateToIbExpiry,
  ibExpiryToDate,
  nearestStrike,
  rightsFor,
  selectContracts,
  selectExpirations,
  strikeWindows,
} from "../../../services/coordinator/market/ibkr/chain-selection.js";
import { normalQuantile } from "../../../services/coordinator/market/ibkr/normal-quantile.js";
import { normalCdf } from "../../../services/engine/normal-distribution.js";
import { effectiveDteRange } from "../../../services/engine/query-defaults.js";

/** Wednesday 11 March 2026, 11:00 in New York (EDT since the 8th). */
const NOW = new Date("2026-03-11T15:00:00Z");
const FRIDAYS = ["2026-03-13", "2026-03-20", "2026-03-27", "2026-04-03", "2026-04-10", "2026-04-17", "2026-05-15", "2026-06-18"];
const STRIKES = Array.from({ length: 301 }, (_, index) => 450 + index); // $1 strikes 450..750
const SPOT = 600;
const VOL = 0.16;
const RATE = 0.045;
const DIVIDEND = 0.013;

/** Black–Scholes |Δ| without e^(−qT), as the window is computed: Φ(d1) for calls, Φ(−d1) for puts. */
function absDelta(right: "C" | "P", strike: number, years: number, volatility: number): number {
  const d1 = (Math.log(SPOT / strike) + (RATE - DIVIDEND + (volatility * volatility) / 2) * years) / (volatility * Math.sqrt(years));
  return right === "C" ? normalCdf(d1) : normalCdf(-d1);
}

describe("IBKR expiry dates", () => {
  it("reads YYYYMMDD and writes it back", () => {
    expect(ibExpiryToDate("20260417")).toBe("2026-04-17");
    expect(dateToIbExpiry("2026-04-17")).toBe("20260417");
  });

  it("refuses what is not a calendar date", () => {
    expect(ibExpiryToDate("20260230")).toBeUndefined();
    expect(ibExpiryToDate("202604")).toBeUndefined();
    expect(ibExpiryToDate("")).toBeUndefined();
  });
});

describe("selectExpirations", () => {
  it("keeps exactly the expirations whose New York DTE is inside the range, sorted and distinct", () => {
    const chosen = selectExpirations([...FRIDAYS].reverse().concat(["2026-04-03"]), NOW, { minDte: 20, maxDte: 35 });
    expect(chosen).toEqual(["2026-04-03", "2026-04-10"]);
    for (const date of chosen) expect(daysToExpiry(NOW, date)).toBeGreaterThanOrEqual(20);
    for (const date of FRIDAYS.filter((d) => !chosen.includes(d))) {
      const dte = daysToExpiry(NOW, date);
      expect(dte < 20 || dte > 35).toBe(true);
    }
  });

  it("counts days in New York, not UTC: 23:30 New York is still the same day", () => {
    const lateEvening = new Date("2026-03-12T03:30:00Z"); // Wednesday 23:30 EDT, already Thursday in UTC
    expect(selectExpirations(FRIDAYS, lateEvening, { minDte: 2, maxDte: 2 })).toEqual(["2026-03-13"]);
  });

  it("keeps a same-day expiry until 16:00 New York, and drops it after", () => {
    const fridayMorning = new Date("2026-03-13T14:00:00Z");
    const fridayEvening = new Date("2026-03-13T20:30:00Z");
    expect(selectExpirations(FRIDAYS, fridayMorning, { minDte: 0, maxDte: 0 })).toEqual(["2026-03-13"]);
    expect(selectExpirations(FRIDAYS, fridayEvening, { minDte: 0, maxDte: 0 })).toEqual([]);
  });

  it("ignores malformed dates", () => {
    expect(selectExpirations(["2026-04-10", "nonsense", "2026-02-30"], NOW, { minDte: 0, maxDte: 60 })).toEqual(["2026-04-10"]);
  });
});

describe("rightsFor", () => {
  it("uses both rights for no strategies, condors and butterflies", () => {
    expect(rightsFor([])).toEqual({ calls: true, puts: true });
    expect(rightsFor(undefined)).toEqual({ calls: true, puts: true });
    expect(rightsFor([Strategy.STRATEGY_IRON_CONDOR])).toEqual({ calls: true, puts: true });
    expect(rightsFor([Strategy.STRATEGY_IRON_BUTTERFLY])).toEqual({ calls: true, puts: true });
  });

  it("uses only puts for put verticals and only calls for call verticals", () => {
    expect(rightsFor([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_PUT])).toEqual({ calls: false, puts: true });
    expect(rightsFor([Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_CALL])).toEqual({ calls: true, puts: false });
  });
});

describe("nearestStrike", () => {
  it("finds the strike nearest the spot, the lower one on a tie", () => {
    expect(nearestStrike([590, 595, 600, 605], 601)).toBe(600);
    expect(nearestStrike([595, 605], 600)).toBe(595);
    expect(nearestStrike([], 600)).toBeUndefined();
  });
});

describe("normalQuantile", () => {
  it("inverts the normal CDF", () => {
    for (const p of [1e-6, 0.001, 0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98, 0.999]) {
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 8);
    }
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).toBeNaN();
  });
});

describe("strikeWindows", () => {
  const years = yearsToExpiry(NOW, "2026-04-10");
  const base = { spot: SPOT, volatility: VOL, years, rate: RATE, dividendYield: DIVIDEND, strikes: STRIKES };

  it("without filters is ±k·σ·√T around the spot", () => {
    const { puts, calls } = strikeWindows({ ...base, tailDeviations: 2, filters: ScanFilters.fromPartial({ shortStrikesOutOfTheMoney: false }) });
    const edge = 2 * VOL * Math.sqrt(years);
    expect(puts.low).toBeCloseTo(SPOT * Math.exp(-edge), 6);
    expect(calls.high).toBeCloseTo(SPOT * Math.exp(edge), 6);
  });

  it("keeps every short strike whose delta is inside the filter, within a volatility 30% off the estimate", () => {
    const filters = ScanFilters.fromPartial({ minShortDelta: 0.1, maxShortDelta: 0.3, maxWidth: 5 });
    const { puts, calls } = strikeWindows({ ...base, filters });
    for (const trueVolatility of [VOL * 0.75, VOL, VOL * 1.3]) {
      for (const strike of STRIKES) {
        const putDelta = absDelta("P", strike, years, trueVolatility);
        if (strike <= SPOT && putDelta >= 0.1 && putDelta <= 0.3) {
          expect(strike, `short put ${strike} at σ ${trueVolatility}`).toBeGreaterThanOrEqual(puts.low);
          expect(strike).toBeLessThanOrEqual(puts.high);
          // Its long leg one max width further out is in too.
          expect(strike - 5).toBeGreaterThanOrEqual(puts.low);
        }
        const callDelta = absDelta("C", strike, years, trueVolatility);
        if (strike >= SPOT && callDelta >= 0.1 && callDelta <= 0.3) {
          expect(strike, `short call ${strike} at σ ${trueVolatility}`).toBeGreaterThanOrEqual(calls.low);
          expect(strike + 5).toBeLessThanOrEqual(calls.high);
        }
      }
    }
  });

  it("is narrowed by the delta filter and the width: the money is left out when no leg can use it", () => {
    const wide = strikeWindows({ ...base, filters: ScanFilters.fromPartial({}) });
    const narrow = strikeWindows({ ...base, filters: ScanFilters.fromPartial({ minShortDelta: 0.1, maxShortDelta: 0.2, maxWidth: 3, maxLongDelta: 0.2 }) });
    expect(narrow.puts.high).toBeLessThan(SPOT);
    expect(narrow.calls.low).toBeGreaterThan(SPOT);
    expect(narrow.puts.high - narrow.puts.low).toBeLessThan(wide.puts.high - wide.puts.low);
    expect(narrow.calls.high - narrow.calls.low).toBeLessThan(wide.calls.high - wide.calls.low);
  });

  it("reaches the at-the-money strike for butterflies when the delta filter allows", () => {
    const { puts, calls } = strikeWindows({ ...base, spot: 600.4, filters: ScanFilters.fromPartial({ maxShortDelta: 0.6, maxWidth: 10 }) });
    expect(puts.high).toBeGreaterThanOrEqual(601);
    expect(calls.low).toBeLessThanOrEqual(600);
  });

  it("is empty for a right whose short delta range is impossible out of the money", () => {
    const { puts, calls } = strikeWindows({ ...base, filters: ScanFilters.fromPartial({ minShortDelta: 0.8, maxShortDelta: 0.9 }) });
    expect(puts.low).toBeGreaterThan(puts.high);
    expect(calls.low).toBeGreaterThan(calls.high);
  });
});

describe("the engine's defaults for what a query leaves unset", () => {
  const listings = FRIDAYS.map((expiryDate) => ({ expiryDate, strikes: STRIKES }));
  const input = { asOf: NOW, spot: SPOT, listings, volatilityOf: () => VOL, rate: RATE, dividendYield: DIVIDEND, maxContracts: 10_000 };

  it("a bare query's expirations are those 7 to 60 days out, as its scan will use", () => {
    // From Wednesday 11 March: 2, 9, 16, 23, 30, 37, 65 and 99 days.
    expect(selectExpirations(FRIDAYS, NOW, effectiveDteRange(undefined))).toEqual(["2026-03-20", "2026-03-27", "2026-04-03", "2026-04-10", "2026-04-17"]);
    expect(selectExpirations(FRIDAYS, NOW, effectiveDteRange(ScanFilters.fromPartial({ minDte: 40 })))).toEqual(["2026-05-15"]);
  });

  it("a bare query selects what short |Δ| ≥ 0.10 with wings ≤ $12 reaches on $1 strikes at $600", () => {
    const bare = selectContracts(input);
    expect(bare.contracts).toEqual(selectContracts({ ...input, filters: ScanFilters.fromPartial({ minShortDelta: 0.1, maxWidth: 12 }) }).contracts);
    expect(bare.contracts.length).toBeLessThan(
      selectContracts({ ...input, filters: ScanFilters.fromPartial({ minShortDelta: 0, maxWidth: 1000 }) }).contracts.length,
    );
  });

  it("reads the width bound from the listed strikes: two $2.50 increments at $50", () => {
    const fifty = {
      ...input,
      spot: 50,
      listings: FRIDAYS.map((expiryDate) => ({ expiryDate, strikes: Array.from({ length: 41 }, (_, index) => 25 + 2.5 * index) })),
    };
    expect(selectContracts(fifty).contracts).toEqual(
      selectContracts({ ...fifty, filters: ScanFilters.fromPartial({ minShortDelta: 0.1, maxWidth: 5 }) }).contracts,
    );
    expect(selectContracts(fifty).contracts).not.toEqual(
      selectContracts({ ...fifty, filters: ScanFilters.fromPartial({ minShortDelta: 0.1, maxWidth: 2.5 }) }).contracts,
    );
  });

  it("keeps the caller's own values", () => {
    const filters = ScanFilters.fromPartial({ minShortDelta: 0.2, maxWidth: 3 });
    expect(selectContracts({ ...input, filters }).contracts).toEqual(
      selectContracts({ ...input, filters: ScanFilters.fromPartial({ ...filters, minDte: 7, maxDte: 60 }) }).contracts,
    );
    expect(selectContracts({ ...input, filters }).contracts).not.toEqual(selectContracts(input).contracts);
  });
});

describe("selectContracts", () => {
  const listings = ["2026-04-03", "2026-04-10"].map((expiryDate) => ({ expiryDate, strikes: STRIKES }));
  const input = {
    asOf: NOW,
    spot: SPOT,
    listings,
    volatilityOf: () => VOL,
    rate: RATE,
    dividendYield: DIVIDEND,
    maxContracts: 10_000,
  };

  it("selects puts at or below the money and calls at or above it for out-of-the-money shorts, sorted", () => {
    // The short legs' σ needs no at-the-money quotes: the windows alone.
    const { contracts, trimmed } = selectContracts({
      ...input,
      filters: ScanFilters.fromPartial({ minShortDelta: 0.1, maxShortDelta: 0.3, maxWidth: 5 }),
      probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
    });
    expect(trimmed).toBe(0);
    expect(contracts.length).toBeGreaterThan(20);
    expect([...contracts].sort(compareContracts)).toEqual(contracts);
    for (const contract of contracts) {
      expect(listings.map((l) => l.expiryDate)).toContain(contract.expiryDate);
      if (contract.right === "P") expect(contract.strike).toBeLessThan(SPOT);
      else expect(contract.strike).toBeGreaterThan(SPOT);
    }
  });

  it("adds both rights at the strikes either side of the forward, whose implied volatility is the expiration's σ", () => {
    // F = 600 · e^((0.045 − 0.013) · T): 601.22 on 2026-04-03 (T = 23.2 days), 601.59 on
    // 2026-04-10 (30.2 days); the strikes either side are 601 and 602. The windows of a
    // query for short |Δ| 0.10–0.30 with $5 wings reach no strike from 598 to 605.
    const filters = ScanFilters.fromPartial({ minShortDelta: 0.1, maxShortDelta: 0.3, maxWidth: 5 });
    const atTheMoney = (contracts: readonly { expiryDate: string; strike: number; right: string }[]): string[] =>
      contracts
        .filter((contract) => contract.strike >= 598 && contract.strike <= 605)
        .map((contract) => `${contract.expiryDate} ${contract.strike} ${contract.right}`);
    const expected = ["2026-04-03", "2026-04-10"].flatMap((date) => [`${date} 601 C`, `${date} 601 P`, `${date} 602 C`, `${date} 602 P`]);
    expect(atTheMoney(selectContracts({ ...input, filters }).contracts)).toEqual(expected);
    expect(atTheMoney(selectContracts({ ...input, filters, probabilityModel: ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV }).contracts)).toEqual(expected);
    // Whatever the strategies' rights, and not under the models that do not read them.
    expect(atTheMoney(selectContracts({ ...input, filters, strategies: [Strategy.STRATEGY_BULL_PUT] }).contracts)).toEqual(expected);
    expect(atTheMoney(selectContracts({ ...input, filters, probabilityModel: ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY }).contracts)).toEqual([]);
    expect(atTheMoney(selectContracts({ ...input, filters, probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV }).contracts)).toEqual([]);
  });

  it("takes only the rights the strategies use", () => {
    const { contracts } = selectContracts({
      ...input,
      strategies: [Strategy.STRATEGY_BULL_PUT],
      probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
    });
    expect(contracts.length).toBeGreaterThan(0);
    expect(contracts.every((contract) => contract.right === "P")).toBe(true);
  });

  it("trims to maxContracts by distance from the money, counting what it left out", () => {
    const all = selectContracts(input);
    const some = selectContracts({ ...input, maxContracts: 40 });
    expect(some.contracts).toHaveLength(40);
    expect(some.trimmed).toBe(all.contracts.length - 40);
    const farthestKept = Math.max(...some.contracts.map((c) => Math.abs(Math.log(c.strike / SPOT)) / Math.sqrt(yearsToExpiry(NOW, c.expiryDate))));
    const nearestDropped = Math.min(
      ...all.contracts
        .filter((c) => !some.contracts.some((k) => compareContracts(k, c) === 0))
        .map((c) => Math.abs(Math.log(c.strike / SPOT)) / Math.sqrt(yearsToExpiry(NOW, c.expiryDate))),
    );
    expect(farthestKept).toBeLessThanOrEqual(nearestDropped + 1e-12);
  });

  it("skips expirations that have already expired and strikes that are not positive", () => {
    const { contracts } = selectContracts({
      ...input,
      listings: [
        { expiryDate: "2026-03-06", strikes: STRIKES },
        { expiryDate: "2026-04-10", strikes: [0, -5, 600] },
      ],
    });
    expect(contracts.map((c) => `${c.expiryDate} ${c.strike} ${c.right}`)).toEqual(["2026-04-10 600 C", "2026-04-10 600 P"]);
  });
});

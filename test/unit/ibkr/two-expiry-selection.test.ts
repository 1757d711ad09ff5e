// Which contracts the IBKR provider requests for calendars and diagonals: the fronts as for
// any query, but only their short strikes; the back expirations the engine pairs with them
// (after the front, within min/max_back_dte, else within 60 days of the front) and, in each,
// only the strikes a bought leg can have. Front strikes are checked against Black–Scholes
// deltas computed here; the backs against the fronts' own selections, strike by strike.
import { describe, expect, it } from "vitest";
import { ProbabilityModel, ScanFilters, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { daysToExpiry, yearsToExpiry } from "../../../services/engine/new-york-time.js";
import { normalCdf } from "../../../services/engine/normal-distribution.js";
import { selectContracts, selectExpirations, type ExpiryListing, type SelectedContract } from "../../../services/coordinator/market/ibkr/chain-selection.js";
import { chainDteRanges } from "../../../services/coordinator/market/ibkr/two-expiry-selection.js";

/** Wednesday 11 March 2026, 11:00 in New York. */
const NOW = new Date("2026-03-11T15:00:00Z");
const STRIKES = Array.from({ length: 301 }, (_, index) => 450 + index); // $1 strikes 450..750
const SPOT = 600;
const VOL = 0.16;
const RATE = 0.045;
const DIVIDEND = 0.013;
/** Fronts 23 and 30 days out (DTE 20–35); backs 65, 79, 86 and 99 days out. */
const FRONTS = ["2026-04-03", "2026-04-10"];
const BACKS = ["2026-05-15", "2026-05-29", "2026-06-05", "2026-06-18"];
const FILTERS = { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 5 };

const base = {
  asOf: NOW,
  spot: SPOT,
  volatilityOf: () => VOL,
  rate: RATE,
  dividendYield: DIVIDEND,
  maxContracts: 10_000,
  // The short legs' σ needs no at-the-money quotes: the windows alone.
  probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
};
const listing = (expiryDate: string, backOnly = false): ExpiryListing => ({ expiryDate, strikes: STRIKES, backOnly });
const ALL_LISTINGS = [...FRONTS.map((date) => listing(date)), ...BACKS.map((date) => listing(date, true))];

function select(strategies: Strategy[], listings: readonly ExpiryListing[], filters: Partial<ScanFilters> = {}): readonly SelectedContract[] {
  return selectContracts({ ...base, listings, strategies, filters: ScanFilters.fromPartial({ ...FILTERS, ...filters }) }).contracts;
}

/** The strikes of `right` selected at `expiryDate`, ascending. */
function strikesAt(contracts: readonly SelectedContract[], expiryDate: string, right: "C" | "P"): number[] {
  return contracts.filter((contract) => contract.expiryDate === expiryDate && contract.right === right).map((contract) => contract.strike);
}

const union = (...sets: number[][]): number[] => [...new Set(sets.flat())].sort((a, b) => a - b);

/** Black–Scholes |Δ| without e^(−qT), at the estimate: Φ(d1) for calls, Φ(−d1) for puts. */
function absDelta(right: "C" | "P", strike: number, expiryDate: string): number {
  const years = yearsToExpiry(NOW, expiryDate);
  const d1 = (Math.log(SPOT / strike) + (RATE - DIVIDEND + (VOL * VOL) / 2) * years) / (VOL * Math.sqrt(years));
  return right === "C" ? normalCdf(d1) : normalCdf(-d1);
}

describe("chainDteRanges: the expirations a query reads", () => {
  const ranges = (strategies: Strategy[], filters: Partial<ScanFilters> = {}) =>
    chainDteRanges(ScanQuery.fromPartial({ strategies, filters: ScanFilters.fromPartial(filters) }));

  it("are the fronts alone without a calendar or diagonal (an empty list names none)", () => {
    expect(ranges([])).toEqual([{ minDte: 7, maxDte: 60 }]);
    expect(ranges([Strategy.STRATEGY_IRON_CONDOR], { minDte: 20, maxDte: 35 })).toEqual([{ minDte: 20, maxDte: 35 }]);
  });

  it("add the backs: after the first front, at most 60 days after the last, or the caller's bounds", () => {
    expect(ranges([Strategy.STRATEGY_CALL_CALENDAR], { minDte: 20, maxDte: 35 })).toEqual([
      { minDte: 20, maxDte: 35 },
      { minDte: 21, maxDte: 95 },
    ]);
    expect(ranges([Strategy.STRATEGY_PUT_DIAGONAL], { minDte: 20, maxDte: 35, minBackDte: 40, maxBackDte: 70 })[1]).toEqual({ minDte: 40, maxDte: 70 });
  });

  it("choose the back expirations from a listing, and no later ones", () => {
    const chosen = selectExpirations([...BACKS, ...FRONTS, "2026-03-13"], NOW, ranges([Strategy.STRATEGY_CALL_CALENDAR], { minDte: 20, maxDte: 35 }));
    expect(chosen).toEqual([...FRONTS, "2026-05-15", "2026-05-29", "2026-06-05"]);
    expect(daysToExpiry(NOW, "2026-06-18")).toBe(99);
  });
});

describe("selectContracts for calendars and diagonals", () => {
  // Each front alone: its short calls (puts), as a one-expiration chain selects them.
  const shortCalls = (front: string): number[] => strikesAt(select([Strategy.STRATEGY_CALL_CALENDAR], [listing(front)]), front, "C");
  const shortPuts = (front: string): number[] => strikesAt(select([Strategy.STRATEGY_PUT_DIAGONAL], [listing(front)]), front, "P");

  it("selects at a front every call whose delta the filter accepts, and no wings: a calendar buys nothing there", () => {
    for (const front of FRONTS) {
      const calls = shortCalls(front);
      const accepted = STRIKES.filter((strike) => strike > SPOT && absDelta("C", strike, front) >= 0.2 && absDelta("C", strike, front) <= 0.3);
      expect(accepted.length).toBeGreaterThan(3);
      expect(calls).toEqual(expect.arrayContaining(accepted));
      // A bear call's window reaches $5 further out for its bought wing; a calendar's does not.
      const bearCall = strikesAt(select([Strategy.STRATEGY_BEAR_CALL], [listing(front)]), front, "C");
      expect(bearCall).toEqual(expect.arrayContaining(calls));
      expect(Math.max(...bearCall)).toBe(Math.max(...calls) + 5);
    }
    expect(shortCalls("2026-04-03")).not.toEqual(shortCalls("2026-04-10"));
  });

  it("buys each back at the short strikes of the fronts it pairs with, calls only", () => {
    const contracts = select([Strategy.STRATEGY_CALL_CALENDAR], ALL_LISTINGS);
    const [near, far] = FRONTS.map(shortCalls) as [number[], number[]];
    expect(strikesAt(contracts, "2026-04-03", "C")).toEqual(near);
    // 30 days out, it is a front of its own and a back of the 23-day front.
    expect(strikesAt(contracts, "2026-04-10", "C")).toEqual(union(far, near));
    // 65 and 79 days: within 60 days of both fronts. 86: of the 30-day front only. 99: of neither.
    expect(strikesAt(contracts, "2026-05-15", "C")).toEqual(union(near, far));
    expect(strikesAt(contracts, "2026-05-29", "C")).toEqual(union(near, far));
    expect(strikesAt(contracts, "2026-06-05", "C")).toEqual(far);
    expect(strikesAt(contracts, "2026-06-18", "C")).toEqual([]);
    expect(contracts.filter((contract) => contract.right === "P")).toEqual([]);
  });

  it("buys a put diagonal's back up to the width above each short strike", () => {
    const contracts = select([Strategy.STRATEGY_PUT_DIAGONAL], ALL_LISTINGS);
    const far = shortPuts("2026-04-10");
    expect(far.length).toBeGreaterThan(3);
    const reach = STRIKES.filter((strike) => far.some((short) => strike >= short && strike <= short + 5));
    expect(strikesAt(contracts, "2026-06-05", "P")).toEqual(reach);
    expect(contracts.filter((contract) => contract.right === "C")).toEqual([]);
  });

  it("buys a call diagonal's back up to the width below each short strike", () => {
    const near = strikesAt(select([Strategy.STRATEGY_CALL_DIAGONAL], [listing("2026-04-03")]), "2026-04-03", "C");
    const contracts = select([Strategy.STRATEGY_CALL_DIAGONAL], [listing("2026-04-03"), listing("2026-05-15", true)], { maxWidth: 3 });
    const reach = STRIKES.filter((strike) => near.some((short) => strike <= short && strike >= short - 3));
    expect(strikesAt(contracts, "2026-05-15", "C")).toEqual(reach);
  });

  it("keeps to the caller's back bounds", () => {
    const [near, far] = FRONTS.map(shortCalls) as [number[], number[]];
    const capped = select([Strategy.STRATEGY_CALL_CALENDAR], ALL_LISTINGS, { maxBackDte: 70 });
    expect(strikesAt(capped, "2026-05-15", "C")).toEqual(union(near, far));
    expect(strikesAt(capped, "2026-05-29", "C")).toEqual([]);
    expect(strikesAt(capped, "2026-06-05", "C")).toEqual([]);
    // A floor of 70 days: the 30-day front is no back, and the 99-day expiry pairs again (no 60-day cap once max_back_dte is set, and it is not).
    const floored = select([Strategy.STRATEGY_CALL_CALENDAR], ALL_LISTINGS, { minBackDte: 70 });
    expect(strikesAt(floored, "2026-04-10", "C")).toEqual(far);
    expect(strikesAt(floored, "2026-05-15", "C")).toEqual([]);
    expect(strikesAt(floored, "2026-05-29", "C")).toEqual(union(near, far));
  });

  it("requests nothing at a back expiry for single-expiry strategies, and everything else as before", () => {
    const withBacks = select([Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_PUT], ALL_LISTINGS);
    expect(withBacks.filter((contract) => BACKS.includes(contract.expiryDate))).toEqual([]);
    expect(withBacks).toEqual(
      select(
        [Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_PUT],
        FRONTS.map((date) => listing(date)),
      ),
    );
    expect(select([], ALL_LISTINGS).filter((contract) => BACKS.includes(contract.expiryDate))).toEqual([]);
  });

  it("trims a back leg with the front it is bought against: no back strike kept without its front", () => {
    const filters = ScanFilters.fromPartial({ ...FILTERS, maxShortDelta: 0.45 });
    const strategies = [Strategy.STRATEGY_CALL_CALENDAR];
    const all = selectContracts({ ...base, listings: ALL_LISTINGS, strategies, filters });
    const some = selectContracts({ ...base, listings: ALL_LISTINGS, strategies, filters, maxContracts: 60 });
    expect(some.contracts).toHaveLength(60);
    expect(some.trimmed).toBe(all.contracts.length - 60);
    const frontStrikes = new Set(some.contracts.filter((contract) => FRONTS.includes(contract.expiryDate)).map((contract) => contract.strike));
    const backs = some.contracts.filter((contract) => BACKS.includes(contract.expiryDate));
    expect(backs.length).toBeGreaterThan(10);
    for (const back of backs) expect(frontStrikes.has(back.strike), `${back.expiryDate} ${back.strike}`).toBe(true);
  });

  it("adds the back legs to a vertical's windows when both are asked for", () => {
    const both = select([Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_CALL_CALENDAR], ALL_LISTINGS);
    const bearCall = select([Strategy.STRATEGY_BEAR_CALL], ALL_LISTINGS);
    const calendar = select([Strategy.STRATEGY_CALL_CALENDAR], ALL_LISTINGS);
    const keys = (contracts: readonly SelectedContract[]) => contracts.map((c) => `${c.expiryDate} ${c.strike} ${c.right}`);
    expect(keys(both)).toEqual([...new Set([...keys(bearCall), ...keys(calendar)])].sort(compareKeys));
  });
});

/** The order of selectContracts: expiry, strike, call before put (as "date strike right"). */
function compareKeys(a: string, b: string): number {
  const [dateA = "", strikeA = "0", rightA = ""] = a.split(" ");
  const [dateB = "", strikeB = "0", rightB = ""] = b.split(" ");
  if (dateA !== dateB) return dateA < dateB ? -1 : 1;
  if (strikeA !== strikeB) return Number(strikeA) - Number(strikeB);
  return rightA === rightB ? 0 : rightA === "C" ? -1 : 1;
}

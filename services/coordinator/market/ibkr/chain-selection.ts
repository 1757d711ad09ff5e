// Which option contracts of an underlying are worth a market data request. IBKR allows 50
// messages a second and about 100 open lines, and a liquid underlying lists thousands of
// contracts, so a chain is only the expirations inside the query's DTE range and, in each,
// the strikes its filters can reach: a window of ±k·σ·√T around the spot, narrowed on each
// side by the short-leg delta range, the long-leg delta cap and the largest width. Puts and
// calls get separate windows, since no strategy uses a put where only a call could be.
//
// The filters are the query's as the engine will apply them: the caller's, with the engine's
// defaults (query-defaults.ts) for what it left unset, the width bound's strike increment
// read from the listed strikes the same way. A bare query fetches what its scan will use.
//
// Deltas become strikes by Black–Scholes at the at-the-money volatility estimate, which the
// smile makes wrong in the wings; every bound is therefore taken at both a lower and a higher
// volatility and the wider answer kept. Missing a contract costs a spread; an extra one costs
// only a request.
//
// Under the default probability model the engine judges every spread of an expiration at its
// at-the-money implied volatility, read at the listed strike nearest the forward: the
// strikes either side of the forward are selected in both rights, whatever the windows, so
// that a chain fetched for a narrow query gets the same σ as the full chain would.
//
// Calendars and diagonals also buy a later expiry: those back expirations are fetched too,
// with only the strikes their bought legs can have (two-expiry-selection.ts).
import { ProbabilityModel, ScanQuery, Strategy, type ScanFilters } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { daysToExpiry, expiryInstant, isCalendarDate, yearsToExpiry } from "../../../engine/new-york-time.js";
import { effectiveQuery, type DteRange } from "../../../engine/query-defaults.js";
import { clampDelta, strikeAtDelta, type DeltaTerms } from "./delta-strikes.js";
import { backLegRanges, insideDteRange, needsBack, pairs, singleExpiryStrategies, twoExpiryLegs } from "./two-expiry-selection.js";

export type ContractRight = "C" | "P";

export interface SelectedContract {
  /** YYYY-MM-DD, New York. */
  readonly expiryDate: string;
  readonly strike: number;
  readonly right: ContractRight;
}

/** The base window, in standard deviations of ln(S_T) at the ATM volatility: |Δ| ≈ 0.6% at its edge. */
export const DEFAULT_TAIL_DEVIATIONS = 2.5;
/** Listed strikes are decimals (0.5, 2.5); this absorbs their floating-point spelling. */
const STRIKE_EPSILON = 1e-6;
const EMPTY: StrikeRange = { low: Number.POSITIVE_INFINITY, high: Number.NEGATIVE_INFINITY };

/** "20250117" (IBKR's lastTradeDateOrContractMonth) as "2025-01-17"; undefined when it is not a calendar date. */
export function ibExpiryToDate(expiry: string): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(expiry.trim());
  if (!match) return undefined;
  const date = `${match[1] ?? ""}-${match[2] ?? ""}-${match[3] ?? ""}`;
  return isCalendarDate(date) ? date : undefined;
}

/** "2025-01-17" as IBKR writes it, "20250117". */
export function dateToIbExpiry(date: string): string {
  return date.replaceAll("-", "");
}

/**
 * The expirations (YYYY-MM-DD) still trading at `asOf` whose DTE, counted in New York calendar
 * days, is inside `range` (or any of `range`): ascending and distinct. An expiry trades on its
 * own day until 16:00.
 */
export function selectExpirations(expirations: Iterable<string>, asOf: Date, range: DteRange | readonly DteRange[]): string[] {
  const ranges: readonly DteRange[] = "minDte" in range ? [range] : range;
  const chosen = new Set<string>();
  for (const date of expirations) {
    if (!isCalendarDate(date)) continue;
    if (expiryInstant(date).getTime() <= asOf.getTime()) continue;
    const dte = daysToExpiry(asOf, date);
    if (ranges.some((each) => insideDteRange(dte, each))) chosen.add(date);
  }
  return [...chosen].sort();
}

/** Which rights the strategies use; no strategies means all of them. */
export function rightsFor(strategies: readonly Strategy[] | undefined): { readonly calls: boolean; readonly puts: boolean } {
  if (!strategies || strategies.length === 0) return { calls: true, puts: true };
  let calls = false;
  let puts = false;
  for (const strategy of strategies) {
    switch (strategy) {
      case Strategy.STRATEGY_BULL_PUT:
      case Strategy.STRATEGY_BEAR_PUT:
      case Strategy.STRATEGY_PUT_CALENDAR:
      case Strategy.STRATEGY_PUT_DIAGONAL:
        puts = true;
        break;
      case Strategy.STRATEGY_BEAR_CALL:
      case Strategy.STRATEGY_BULL_CALL:
      case Strategy.STRATEGY_CALL_CALENDAR:
      case Strategy.STRATEGY_CALL_DIAGONAL:
        calls = true;
        break;
      default:
        // Condors, butterflies, and anything we do not recognise yet: both, to be safe.
        calls = true;
        puts = true;
    }
  }
  return { calls, puts };
}

/** The listed strike nearest `spot` (the lower of two equally near); undefined for none. */
export function nearestStrike(strikes: Iterable<number>, spot: number): number | undefined {
  let best: number | undefined;
  for (const strike of strikes) {
    if (!Number.isFinite(strike) || strike <= 0) continue;
    if (best === undefined) {
      best = strike;
      continue;
    }
    const distance = Math.abs(strike - spot);
    const bestDistance = Math.abs(best - spot);
    if (distance < bestDistance || (distance === bestDistance && strike < best)) best = strike;
  }
  return best;
}

export interface StrikeRange {
  readonly low: number;
  readonly high: number;
}

export interface WindowInput {
  readonly spot: number;
  /** ATM implied volatility estimate of the expiry, annualised fraction. */
  readonly volatility: number;
  /** Years to expiry (365-day years), > 0. */
  readonly years: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly filters?: ScanFilters | undefined;
  /** The base window's half-width in standard deviations; DEFAULT_TAIL_DEVIATIONS by default. */
  readonly tailDeviations?: number;
  /** The strikes listed for the expiry, to place at-the-money short strikes (a butterfly's body). */
  readonly strikes: readonly number[];
}

/** The strike ranges (inclusive) of one expiry. */
export interface StrikeWindows {
  /** Where a put or a call of a single-expiry spread can be, short or long. */
  readonly puts: StrikeRange;
  readonly calls: StrikeRange;
  /** Where a short put or call can be (a calendar's or diagonal's front leg); empty when low > high. */
  readonly shortPuts: StrikeRange;
  readonly shortCalls: StrikeRange;
}

/** The strike ranges (inclusive) a put and a call can come from for one expiry. */
export function strikeWindows(input: WindowInput): StrikeWindows {
  const { spot, years, filters } = input;
  const tail = input.tailDeviations ?? DEFAULT_TAIL_DEVIATIONS;
  const volatility = input.volatility > 0 && Number.isFinite(input.volatility) ? input.volatility : 0;
  const deviation = volatility * Math.sqrt(Math.max(years, 0));
  const base: StrikeRange = { low: spot * Math.exp(-tail * deviation), high: spot * Math.exp(tail * deviation) };

  const minShort = clampDelta(filters?.minShortDelta ?? 0);
  const maxShort = clampDelta(filters?.maxShortDelta ?? 1);
  const maxLong = clampDelta(filters?.maxLongDelta ?? 1);
  const width = filters?.maxWidth !== undefined && filters.maxWidth >= 0 ? filters.maxWidth : Number.POSITIVE_INFINITY;
  const outOfTheMoney = filters?.shortStrikesOutOfTheMoney ?? true;
  const terms: DeltaTerms = { spot, years, rate: input.rate, dividendYield: input.dividendYield, volatility };

  // A short strike of either side can be at the money, where a butterfly's body sits: the
  // listed strike nearest the spot, or either neighbour when the spot is between two.
  const below = largestAtMost(input.strikes, spot) ?? spot;
  const above = smallestAtLeast(input.strikes, spot) ?? spot;

  // Short puts: |Δ| ≤ maxShort puts them at or below one strike, |Δ| ≥ minShort at or above another.
  let putShortHigh = maxShort >= 1 ? Number.POSITIVE_INFINITY : strikeAtDelta("P", maxShort, terms, Math.max);
  const putShortLow = minShort <= 0 ? Number.NEGATIVE_INFINITY : strikeAtDelta("P", minShort, terms, Math.min);
  if (outOfTheMoney) putShortHigh = Math.min(putShortHigh, above);
  // Long puts are below the short (credit, condor) or above it (bear put): within one width
  // either way, and a long put above is also capped by max_long_delta.
  const putLongHigh = maxLong >= 1 ? Number.POSITIVE_INFINITY : strikeAtDelta("P", maxLong, terms, Math.max);
  const puts = intersect(base, {
    low: putShortLow - width,
    high: Math.max(putShortHigh, Math.min(putShortHigh + width, putLongHigh)),
  });

  // Short calls, mirrored: |Δ| ≤ maxShort puts them at or above one strike.
  let callShortLow = maxShort >= 1 ? Number.NEGATIVE_INFINITY : strikeAtDelta("C", maxShort, terms, Math.min);
  const callShortHigh = minShort <= 0 ? Number.POSITIVE_INFINITY : strikeAtDelta("C", minShort, terms, Math.max);
  if (outOfTheMoney) callShortLow = Math.max(callShortLow, below);
  const callLongLow = maxLong >= 1 ? Number.NEGATIVE_INFINITY : strikeAtDelta("C", maxLong, terms, Math.min);
  const calls = intersect(base, {
    low: Math.min(callShortLow, Math.max(callShortLow - width, callLongLow)),
    high: callShortHigh + width,
  });
  // An inverted short range means no short strike of that right passes the filters, and a
  // spread without a short leg is no spread at all.
  return {
    puts: putShortLow > putShortHigh ? EMPTY : puts,
    calls: callShortLow > callShortHigh ? EMPTY : calls,
    shortPuts: intersect(base, { low: putShortLow, high: putShortHigh }),
    shortCalls: intersect(base, { low: callShortLow, high: callShortHigh }),
  };
}

/** One expiration and the strikes listed for it. */
export interface ExpiryListing {
  /** YYYY-MM-DD, chosen by selectExpirations. */
  readonly expiryDate: string;
  /** IBKR gives one strike set per trading class, the union over its expirations. */
  readonly strikes: readonly number[];
  /**
   * Fetched only as the back (bought) expiry of calendars and diagonals, outside the query's
   * DTE range: it gets the strikes their bought legs can have, and no windows of its own.
   */
  readonly backOnly?: boolean;
}

export interface SelectionInput {
  readonly asOf: Date;
  readonly spot: number;
  readonly listings: readonly ExpiryListing[];
  /** The ATM implied volatility estimate of an expiry. */
  readonly volatilityOf: (expiryDate: string) => number;
  readonly rate: number;
  readonly dividendYield: number;
  /** The caller's filters; the engine's defaults fill in what they leave unset. */
  readonly filters?: ScanFilters | undefined;
  readonly strategies?: readonly Strategy[] | undefined;
  /** The query's probability model; unset means the engine's default, the at-the-money σ. */
  readonly probabilityModel?: ProbabilityModel | undefined;
  /** At most this many contracts; the farthest from the money (in standard deviations) go first. */
  readonly maxContracts: number;
  readonly tailDeviations?: number | undefined;
}

export interface ChainSelection {
  /** By expiry, then strike, call before put. */
  readonly contracts: readonly SelectedContract[];
  /** Contracts inside the windows left out to respect maxContracts. */
  readonly trimmed: number;
}

/**
 * The filters the engine will apply to a chain of these listings: the caller's, completed by
 * its defaults (the width bound from the listed strikes' increment at the money).
 */
export function effectiveFilters(input: Pick<SelectionInput, "asOf" | "spot" | "listings" | "filters">): ScanFilters | undefined {
  const outline = {
    spot: input.spot,
    expirations: input.listings.map(({ expiryDate, strikes }) => ({ dte: daysToExpiry(input.asOf, expiryDate), strikes })),
  };
  return effectiveQuery(ScanQuery.fromPartial({ filters: input.filters }), outline).filters;
}

/** One listing, ready for selection: its DTE, its strikes in order, and (for a front) its windows. */
interface PreparedExpiry {
  readonly expiryDate: string;
  readonly dte: number;
  readonly years: number;
  readonly strikes: readonly number[];
  /** σ·√T of the expiration, > 0: distances from the money are measured in it. */
  readonly deviation: number;
  /** Undefined for an expiration fetched only as a back. */
  readonly windows: StrikeWindows | undefined;
}

const NO_RIGHTS = { calls: false, puts: false } as const;

/**
 * The contracts of a chain: for each front expiration, every listed strike inside its right's
 * window; for each expiration a calendar or diagonal can buy, every strike its bought leg can
 * have against the fronts it pairs with.
 */
export function selectContracts(input: SelectionInput): ChainSelection {
  const { spot } = input;
  const single = singleExpiryStrategies(input.strategies);
  const rights = single !== undefined && single.length === 0 ? NO_RIGHTS : rightsFor(single);
  const legs = twoExpiryLegs(input.strategies);
  const filters = effectiveFilters(input);
  const width = filters?.maxWidth ?? Number.POSITIVE_INFINITY;
  const model = input.probabilityModel ?? ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED;
  const atTheMoneyVolatility = model === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED || model === ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV;
  const expiries = input.listings.flatMap((listing) => {
    const prepared = prepareExpiry(input, listing, filters);
    return prepared === undefined ? [] : [prepared];
  });
  const fronts = expiries.filter((expiry) => expiry.windows !== undefined);
  const ranked: { contract: SelectedContract; distance: number }[] = [];
  for (const { expiryDate, dte, years, strikes, deviation, windows } of expiries) {
    // A bought back leg ranks with the front it is bought against (its strike in that front's
    // standard deviations), so that trimming keeps or drops a calendar's two legs together.
    const backs = fronts
      .filter((front) => pairs(front.dte, dte, input.filters))
      .map((front) => ({
        ...backLegRanges({ puts: front.windows?.shortPuts ?? EMPTY, calls: front.windows?.shortCalls ?? EMPTY }, legs, width),
        deviation: front.deviation,
      }));
    const forwardPrice = spot * Math.exp((input.rate - input.dividendYield) * years);
    const atTheMoney = windows && atTheMoneyVolatility ? [largestAtMost(strikes, forwardPrice), smallestAtLeast(strikes, forwardPrice)] : [];
    for (const strike of strikes) {
      const away = Math.abs(Math.log(strike / spot));
      const bothRights = atTheMoney.includes(strike);
      const frontCall =
        bothRights ||
        (windows !== undefined && ((rights.calls && inside(windows.calls, strike)) || (needsBack(legs.calls) && inside(windows.shortCalls, strike))));
      const frontPut =
        bothRights || (windows !== undefined && ((rights.puts && inside(windows.puts, strike)) || (needsBack(legs.puts) && inside(windows.shortPuts, strike))));
      let callDistance = frontCall ? away / deviation : Number.POSITIVE_INFINITY;
      let putDistance = frontPut ? away / deviation : Number.POSITIVE_INFINITY;
      for (const back of backs) {
        if (back.calls.some((range) => inside(range, strike))) callDistance = Math.min(callDistance, away / back.deviation);
        if (back.puts.some((range) => inside(range, strike))) putDistance = Math.min(putDistance, away / back.deviation);
      }
      if (callDistance < Number.POSITIVE_INFINITY) ranked.push({ contract: { expiryDate, strike, right: "C" }, distance: callDistance });
      if (putDistance < Number.POSITIVE_INFINITY) ranked.push({ contract: { expiryDate, strike, right: "P" }, distance: putDistance });
    }
  }
  const limit = Math.max(0, Math.floor(input.maxContracts));
  let kept = ranked;
  if (ranked.length > limit) {
    kept = [...ranked].sort((a, b) => a.distance - b.distance || compareContracts(a.contract, b.contract)).slice(0, limit);
  }
  const contracts = kept.map((entry) => entry.contract).sort(compareContracts);
  return { contracts, trimmed: ranked.length - kept.length };
}

function prepareExpiry(input: SelectionInput, listing: ExpiryListing, filters: ScanFilters | undefined): PreparedExpiry | undefined {
  const { expiryDate } = listing;
  const years = yearsToExpiry(input.asOf, expiryDate);
  if (!(years > 0)) return undefined;
  const strikes = [...new Set(listing.strikes.filter((strike) => Number.isFinite(strike) && strike > 0))].sort((a, b) => a - b);
  const volatility = input.volatilityOf(expiryDate);
  const windows =
    listing.backOnly === true
      ? undefined
      : strikeWindows({
          spot: input.spot,
          volatility,
          years,
          rate: input.rate,
          dividendYield: input.dividendYield,
          filters,
          strikes,
          ...(input.tailDeviations === undefined ? {} : { tailDeviations: input.tailDeviations }),
        });
  const deviation = Math.max(volatility, 1e-6) * Math.sqrt(years);
  return { expiryDate, dte: daysToExpiry(input.asOf, expiryDate), years, strikes, deviation, windows };
}

/** By expiry, then strike, call before put: the order chains are built in. */
export function compareContracts(a: SelectedContract, b: SelectedContract): number {
  if (a.expiryDate !== b.expiryDate) return a.expiryDate < b.expiryDate ? -1 : 1;
  if (a.strike !== b.strike) return a.strike - b.strike;
  if (a.right === b.right) return 0;
  return a.right === "C" ? -1 : 1;
}

/** The key a contract is known by in maps: expiry, strike and right. */
export function contractKey(contract: SelectedContract): string {
  return `${contract.expiryDate}|${contract.strike}|${contract.right}`;
}

function intersect(a: StrikeRange, b: StrikeRange): StrikeRange {
  return { low: Math.max(a.low, b.low), high: Math.min(a.high, b.high) };
}

function inside(range: StrikeRange, strike: number): boolean {
  return strike >= range.low - STRIKE_EPSILON && strike <= range.high + STRIKE_EPSILON;
}

function largestAtMost(strikes: readonly number[], value: number): number | undefined {
  let best: number | undefined;
  for (const strike of strikes) if (strike <= value + STRIKE_EPSILON && (best === undefined || strike > best)) best = strike;
  return best;
}

function smallestAtLeast(strikes: readonly number[], value: number): number | undefined {
  let best: number | undefined;
  for (const strike of strikes) if (strike >= value - STRIKE_EPSILON && (best === undefined || strike < best)) best = strike;
  return best;
}

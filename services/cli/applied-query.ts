// The query a scan applied (ScanResult.effective_query), compactly, for the header of the
// results: "DTE 7–60 · short |Δ| ≥ 0.10 · width ≤ $12 · all strategies · by score · σ ATM
// per expiry" ("back DTE 8–120" too when a calendar or diagonal query bounds its back expiry),
// then whatever else the caller set. --json has every field.
import type { Duration } from "../../gen/ts/google/protobuf/duration.js";
import { PricingMode, ProbabilityModel, ScanFilters, SortKey, Strategy, type ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ALL_STRATEGIES, DEFAULT_SCORE_WEIGHTS } from "../engine/index.js";
import { STRATEGY_FLAG_NAMES } from "./query-flags.js";

const SORT_WORDS: ReadonlyMap<SortKey, string> = new Map([
  [SortKey.SORT_KEY_SCORE, "score"],
  [SortKey.SORT_KEY_POP, "POP"],
  [SortKey.SORT_KEY_EXPECTED_VALUE, "expected value"],
  [SortKey.SORT_KEY_RETURN_ON_RISK, "return on risk"],
  [SortKey.SORT_KEY_CREDIT, "credit"],
  [SortKey.SORT_KEY_CREDIT_TO_WIDTH, "credit/width"],
  [SortKey.SORT_KEY_MAX_LOSS, "max loss"],
  [SortKey.SORT_KEY_PROBABILITY_OF_TOUCH, "probability of touch"],
  [SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE, "short strike σ distance"],
]);

/** Which σ POP, touch and EV were computed under, in the words of the flags that choose it. */
function probabilityModelPart(query: ScanQuery): string {
  switch (query.probabilityModel) {
    case ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV:
      return "σ of each short leg";
    case ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY:
      return `σ ${query.volatility === undefined ? "unset" : `${(query.volatility * 100).toFixed(1)}%`} (given)`;
    default:
      // Unspecified (an older scanner's answer) means the same.
      return "σ ATM per expiry";
  }
}

/** The filters the header always describes (when set); the others are listed by name. */
const DESCRIBED = new Set<keyof ScanFilters>([
  "minDte",
  "maxDte",
  "minBackDte",
  "maxBackDte",
  "minShortDelta",
  "maxShortDelta",
  "minWidth",
  "maxWidth",
  "shortStrikesOutOfTheMoney",
  "excludeEarningsBeforeExpiry",
  "excludeExDividendBeforeExpiry",
]);

/** At least two decimals (0.10), more when the value has them (0.125). */
function fraction(value: number): string {
  const two = value.toFixed(2);
  return Number(two) === value ? two : String(value);
}

/** Whole dollars bare ($12), others to the cent or finer ($7.50, $0.125). */
function dollars(value: number): string {
  if (Number.isInteger(value)) return `$${value}`;
  const cents = value.toFixed(2);
  return `$${Number(cents) === value ? cents : String(value)}`;
}

/** "NAME low–high", "NAME ≥ low", "NAME ≤ high", or nothing. */
function range(name: string, low: number | undefined, high: number | undefined, format: (value: number) => string): string[] {
  if (low !== undefined && high !== undefined) return [low === high ? `${name} ${format(low)}` : `${name} ${format(low)}–${format(high)}`];
  if (low !== undefined) return [`${name} ≥ ${format(low)}`];
  if (high !== undefined) return [`${name} ≤ ${format(high)}`];
  return [];
}

function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function duration({ seconds, nanos }: Duration): string {
  return `${Number(seconds) + nanos / 1e9}s`;
}

/** The filters the caller set beyond those described, as "min-pop 0.6". */
function otherFilters(filters: ScanFilters): string[] {
  return Object.entries(filters)
    .filter(([key, value]) => value !== undefined && !DESCRIBED.has(key as keyof ScanFilters))
    .map(([key, value]) => `${kebab(key)} ${typeof value === "object" ? duration(value as Duration) : String(value as number | bigint)}`);
}

const CALENDARS = new Set([Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_CALENDAR]);

function calendarsOnly(strategies: readonly Strategy[]): boolean {
  return strategies.length > 0 && strategies.every((strategy) => CALENDARS.has(strategy));
}

/** The parts of the description, each to be joined with " · " (and wrapped between). */
export function appliedQueryParts(query: ScanQuery): string[] {
  const filters = query.filters ?? ScanFilters.fromPartial({});
  const strategies = new Set(query.strategies);
  // "All" is the six single-expiry strategies an empty list means; calendars and diagonals are named.
  const allStrategies = strategies.size === ALL_STRATEGIES.length && ALL_STRATEGIES.every((strategy) => strategies.has(strategy));
  const weights = query.scoreWeights;
  const defaultWeights =
    (weights?.expectedValuePerRisk ?? DEFAULT_SCORE_WEIGHTS.expectedValuePerRisk) === DEFAULT_SCORE_WEIGHTS.expectedValuePerRisk &&
    (weights?.pop ?? DEFAULT_SCORE_WEIGHTS.pop) === DEFAULT_SCORE_WEIGHTS.pop &&
    (weights?.liquidity ?? DEFAULT_SCORE_WEIGHTS.liquidity) === DEFAULT_SCORE_WEIGHTS.liquidity;
  return [
    ...range("DTE", filters.minDte, filters.maxDte, String),
    ...range("back DTE", filters.minBackDte, filters.maxBackDte, String),
    ...range("short |Δ|", filters.minShortDelta, filters.maxShortDelta, fraction),
    // A calendar has no width: the bound says nothing about a scan of calendars alone.
    ...(calendarsOnly(query.strategies) ? [] : range("width", filters.minWidth, filters.maxWidth, dollars)),
    allStrategies ? "all strategies" : query.strategies.map((strategy) => STRATEGY_FLAG_NAMES.get(strategy) ?? String(strategy)).join(", "),
    `by ${SORT_WORDS.get(query.sort) ?? "score"}`,
    probabilityModelPart(query),
    ...(query.pricing === PricingMode.PRICING_MODE_NATURAL ? ["natural fills"] : []),
    ...(filters.shortStrikesOutOfTheMoney === false ? ["shorts may be in the money"] : []),
    ...(filters.excludeEarningsBeforeExpiry === true ? ["no earnings before expiry"] : []),
    ...(filters.excludeExDividendBeforeExpiry === true ? ["no ex-dividend before expiry"] : []),
    ...(defaultWeights || !weights
      ? []
      : [`score weights ${weights.expectedValuePerRisk ?? 0}/${weights.pop ?? 0}/${weights.liquidity ?? 0} (EV/POP/liquidity)`]),
    ...otherFilters(filters),
  ];
}

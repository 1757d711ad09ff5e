// A ScanQuery checked field by field and turned into plain numbers the hot loop can compare
// against without branching on presence: absent bounds become ±Infinity.
import { PricingMode, ProbabilityModel, SortKey, Strategy, type ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { EngineInputError, type InputViolation } from "./input-errors.js";

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;
/** The most days to expiry a query may name: a hundred years. */
export const MAX_DTE = 36_500;
/** Entries of ScanQuery.strategies; repeats are allowed (and mean nothing), up to this many. */
export const MAX_QUERY_STRATEGIES = 16;

/**
 * Default weights of the composite score (see `compositeScore`): expected value per dollar
 * at risk, probability of profit, liquidity.
 */
export const DEFAULT_SCORE_WEIGHTS = { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 } as const;

/** The model a query without one applies: every spread of an expiration under its at-the-money σ. */
export const DEFAULT_PROBABILITY_MODEL = ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV;
/** The farthest a min_short_sigma_distance may reach either side of the money, σ. */
export const MAX_SIGMA_DISTANCE = 100;
/** The largest volatility a caller may give, as for the implied volatility filters: 1000%. */
export const MAX_VOLATILITY = 10;

export interface ResolvedQuery {
  readonly strategies: ReadonlySet<Strategy>;
  readonly sort: SortKey;
  readonly natural: boolean;
  readonly limit: number;
  /** Infinity when there is no per-expiry cap. */
  readonly maxPerExpiry: number;
  readonly minDte: number;
  readonly maxDte: number;
  /** Bounds on a calendar's or diagonal's back expiry, days: min_back_dte (-Infinity when absent) and max_back_dte (Infinity when absent). */
  readonly minBackDte: number;
  readonly maxBackDte: number;
  /**
   * The most days a back expiry may lie past its own front's: DEFAULT_BACK_DTE_SPAN when the
   * query leaves max_back_dte unset (the proto's per-front default, which no single number
   * in the effective query can express), Infinity when it sets it.
   */
  readonly maxBackDaysAfterFront: number;
  readonly minShortDelta: number;
  readonly maxShortDelta: number;
  readonly maxLongDelta: number;
  readonly minWidth: number;
  readonly maxWidth: number;
  readonly minCredit: number;
  readonly maxDebit: number;
  readonly minCreditToWidth: number;
  readonly maxMaxLoss: number;
  readonly minPop: number;
  readonly minExpectedValue: number;
  readonly maxProbabilityOfTouch: number;
  readonly minReturnOnRisk: number;
  readonly minOpenInterest: number;
  readonly minVolume: number;
  readonly maxLegBidAskWidth: number;
  readonly maxLegBidAskWidthFraction: number;
  readonly minShortImpliedVolatility: number;
  readonly maxShortImpliedVolatility: number;
  readonly shortStrikesOutOfTheMoney: boolean;
  /** exclude_earnings_before_expiry and exclude_ex_dividend_before_expiry (market-context/event-exclusion.ts). */
  readonly excludeEarningsBeforeExpiry: boolean;
  readonly excludeExDividendBeforeExpiry: boolean;
  readonly maxWingWidthDifference: number;
  /** Smallest σ distance of each short strike (Spread.short_sigma_distance); -Infinity when absent. */
  readonly minShortSigmaDistance: number;
  /** Bounds on the underlying's IV rank and percentile (MarketContext), fractions; ±Infinity when absent. */
  readonly minIvRank: number;
  readonly maxIvRank: number;
  readonly minIvPercentile: number;
  readonly maxIvPercentile: number;
  /** Set by the scan when the symbol fails its filters (IV rank or percentile): no leg is usable. */
  readonly everyLegBarred?: boolean;
  /** With everyLegBarred: the symbol filter that failed first (filter-rejections.ts number), which the rejections are counted under. */
  readonly barringFilter?: number;
  /** Infinity when quotes of any age may form legs. */
  readonly maxQuoteAgeMs: number;
  /** Which σ each expiration's distribution has; never UNSPECIFIED. */
  readonly probabilityModel: ProbabilityModel;
  /** The caller's σ under PROBABILITY_MODEL_CALLER_VOLATILITY; NaN otherwise. */
  readonly callerVolatility: number;
  /** Normalised to sum to 1. */
  readonly weights: { readonly expectedValuePerRisk: number; readonly pop: number; readonly liquidity: number };
}

export const ALL_STRATEGIES = [
  Strategy.STRATEGY_BULL_PUT,
  Strategy.STRATEGY_BEAR_CALL,
  Strategy.STRATEGY_BULL_CALL,
  Strategy.STRATEGY_BEAR_PUT,
  Strategy.STRATEGY_IRON_CONDOR,
  Strategy.STRATEGY_IRON_BUTTERFLY,
];
/**
 * Calendars and diagonals: scanned only when named, never by an empty strategy list (which
 * means ALL_STRATEGIES, the six single-expiry ones).
 */
export const TWO_EXPIRY_STRATEGIES = [
  Strategy.STRATEGY_CALL_CALENDAR,
  Strategy.STRATEGY_PUT_CALENDAR,
  Strategy.STRATEGY_CALL_DIAGONAL,
  Strategy.STRATEGY_PUT_DIAGONAL,
];
/** Every strategy a query may name. */
export const KNOWN_STRATEGIES = [...ALL_STRATEGIES, ...TWO_EXPIRY_STRATEGIES];
/** Without max_back_dte, a back expiry lies at most this many days past its front's (query.proto). */
export const DEFAULT_BACK_DTE_SPAN = 60;

/** True when the strategies include a calendar or diagonal. */
export function namesTwoExpiryStrategy(strategies: Iterable<Strategy>): boolean {
  for (const strategy of strategies) if (TWO_EXPIRY_STRATEGIES.includes(strategy)) return true;
  return false;
}

export const SORT_KEYS = new Set([
  SortKey.SORT_KEY_UNSPECIFIED,
  SortKey.SORT_KEY_SCORE,
  SortKey.SORT_KEY_POP,
  SortKey.SORT_KEY_EXPECTED_VALUE,
  SortKey.SORT_KEY_RETURN_ON_RISK,
  SortKey.SORT_KEY_CREDIT,
  SortKey.SORT_KEY_CREDIT_TO_WIDTH,
  SortKey.SORT_KEY_MAX_LOSS,
  SortKey.SORT_KEY_PROBABILITY_OF_TOUCH,
  SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE,
]);
const PRICING_MODES = new Set([PricingMode.PRICING_MODE_UNSPECIFIED, PricingMode.PRICING_MODE_MID, PricingMode.PRICING_MODE_NATURAL]);
export const PROBABILITY_MODELS = new Set([
  ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED,
  ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV,
  ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
  ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY,
]);
const CALLER_VOLATILITY = ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY;

/** A known model's name, as the proto spells it, for error messages; an unset one says what it means. */
function probabilityModelName(model: ProbabilityModel): string {
  return model === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED
    ? `${ProbabilityModel[model]} (meaning ${ProbabilityModel[DEFAULT_PROBABILITY_MODEL]})`
    : ProbabilityModel[model];
}

class Checker {
  readonly violations: InputViolation[] = [];

  /** An optional number: absent gives `absent`; present must be finite and within [min, max]. */
  bound(field: string, value: number | bigint | undefined, absent: number, min: number, max: number, unit: string): number {
    if (value === undefined) return absent;
    const number = Number(value);
    if (!Number.isFinite(number)) {
      this.violations.push({ field, description: "must be a finite number" });
    } else if (number < min || number > max) {
      this.violations.push({ field, description: `must be from ${min} to ${max}${unit ? ` ${unit}` : ""}; got ${number}` });
    }
    return number;
  }

  /** When both bounds were given and each is valid on its own, the lower must not exceed the upper. */
  ordered(minField: string, min: number | undefined, maxField: string, max: number | undefined): void {
    if (min === undefined || max === undefined) return;
    if (this.violations.some((violation) => violation.field === minField || violation.field === maxField)) return;
    if (min > max) this.violations.push({ field: minField, description: `must not be above ${maxField.replace(/^.*\./, "")} (${min} > ${max})` });
  }
}

/** Checks every field of a query and resolves it; throws EngineInputError listing each bad field. */
export function resolveQuery(query: ScanQuery | undefined): ResolvedQuery {
  const check = new Checker();
  const filters = query?.filters;
  const f = (name: string): string => `filters.${name}`;

  const strategies = new Set<Strategy>();
  const given = query?.strategies ?? [];
  if (given.length > MAX_QUERY_STRATEGIES) {
    // Not looked at entry by entry: a 4 MiB request holds four million of them.
    check.violations.push({
      field: "strategies",
      description: `must list at most ${MAX_QUERY_STRATEGIES} strategies (there are ${KNOWN_STRATEGIES.length}); got ${given.length}`,
    });
  } else {
    given.forEach((strategy, index) => {
      if (KNOWN_STRATEGIES.includes(strategy)) strategies.add(strategy);
      else check.violations.push({ field: `strategies[${index}]`, description: `unknown strategy ${strategy}` });
    });
  }
  if (strategies.size === 0 && (query?.strategies.length ?? 0) === 0) for (const strategy of ALL_STRATEGIES) strategies.add(strategy);

  const sort = query?.sort ?? SortKey.SORT_KEY_UNSPECIFIED;
  if (!SORT_KEYS.has(sort)) check.violations.push({ field: "sort", description: `unknown sort key ${sort}` });
  const pricing = query?.pricing ?? PricingMode.PRICING_MODE_UNSPECIFIED;
  if (!PRICING_MODES.has(pricing)) check.violations.push({ field: "pricing", description: `unknown pricing mode ${pricing}` });

  const givenModel = query?.probabilityModel ?? ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED;
  if (!PROBABILITY_MODELS.has(givenModel)) check.violations.push({ field: "probability_model", description: `unknown probability model ${givenModel}` });
  const probabilityModel = givenModel === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED ? DEFAULT_PROBABILITY_MODEL : givenModel;
  const volatility = query?.volatility;
  if (volatility === undefined) {
    if (givenModel === CALLER_VOLATILITY) {
      check.violations.push({
        field: "volatility",
        description: `must be set with probability_model ${probabilityModelName(CALLER_VOLATILITY)}: the annualised σ to apply, like 0.2`,
      });
    }
  } else if (givenModel !== CALLER_VOLATILITY && PROBABILITY_MODELS.has(givenModel)) {
    check.violations.push({
      field: "volatility",
      description: `applies only with probability_model ${probabilityModelName(CALLER_VOLATILITY)}; the query's is ${probabilityModelName(givenModel)}`,
    });
  } else if (!(Number.isFinite(volatility) && volatility > 0 && volatility <= MAX_VOLATILITY)) {
    check.violations.push({ field: "volatility", description: `must be an annualised fraction above 0 and at most ${MAX_VOLATILITY}; got ${volatility}` });
  }

  const limit = check.bound("limit", query?.limit, DEFAULT_LIMIT, 1, MAX_LIMIT, "spreads");
  const maxPerExpiry = check.bound(f("max_per_expiry"), filters?.maxPerExpiry, Infinity, 1, MAX_LIMIT, "spreads");

  const minDte = check.bound(f("min_dte"), filters?.minDte, -Infinity, 0, MAX_DTE, "days");
  const maxDte = check.bound(f("max_dte"), filters?.maxDte, Infinity, 0, MAX_DTE, "days");
  check.ordered(f("min_dte"), filters?.minDte, f("max_dte"), filters?.maxDte);
  const minBackDte = check.bound(f("min_back_dte"), filters?.minBackDte, -Infinity, 0, MAX_DTE, "days");
  const maxBackDte = check.bound(f("max_back_dte"), filters?.maxBackDte, Infinity, 0, MAX_DTE, "days");
  check.ordered(f("min_back_dte"), filters?.minBackDte, f("max_back_dte"), filters?.maxBackDte);
  const minShortDelta = check.bound(f("min_short_delta"), filters?.minShortDelta, -Infinity, 0, 1, "");
  const maxShortDelta = check.bound(f("max_short_delta"), filters?.maxShortDelta, Infinity, 0, 1, "");
  check.ordered(f("min_short_delta"), filters?.minShortDelta, f("max_short_delta"), filters?.maxShortDelta);
  const maxLongDelta = check.bound(f("max_long_delta"), filters?.maxLongDelta, Infinity, 0, 1, "");
  const minWidth = check.bound(f("min_width"), filters?.minWidth, 0, 0, 1e6, "dollars");
  const maxWidth = check.bound(f("max_width"), filters?.maxWidth, Infinity, 0, 1e6, "dollars");
  check.ordered(f("min_width"), filters?.minWidth, f("max_width"), filters?.maxWidth);
  const minCredit = check.bound(f("min_credit"), filters?.minCredit, -Infinity, 0, 1e6, "dollars");
  const maxDebit = check.bound(f("max_debit"), filters?.maxDebit, Infinity, 0, 1e6, "dollars");
  const minCreditToWidth = check.bound(f("min_credit_to_width"), filters?.minCreditToWidth, -Infinity, 0, 1, "");
  const maxMaxLoss = check.bound(f("max_max_loss"), filters?.maxMaxLoss, Infinity, 0, 1e9, "dollars");
  const minPop = check.bound(f("min_pop"), filters?.minPop, -Infinity, 0, 1, "");
  const minExpectedValue = check.bound(f("min_expected_value"), filters?.minExpectedValue, -Infinity, -1e9, 1e9, "dollars");
  const maxProbabilityOfTouch = check.bound(f("max_probability_of_touch"), filters?.maxProbabilityOfTouch, Infinity, 0, 1, "");
  const minReturnOnRisk = check.bound(f("min_return_on_risk"), filters?.minReturnOnRisk, -Infinity, 0, 1e6, "");
  const minOpenInterest = check.bound(f("min_open_interest"), filters?.minOpenInterest, -Infinity, 0, 1e15, "contracts");
  const minVolume = check.bound(f("min_volume"), filters?.minVolume, -Infinity, 0, 1e15, "contracts");
  const maxLegBidAskWidth = check.bound(f("max_leg_bid_ask_width"), filters?.maxLegBidAskWidth, Infinity, 0, 1e6, "dollars");
  const maxLegBidAskWidthFraction = check.bound(f("max_leg_bid_ask_width_fraction"), filters?.maxLegBidAskWidthFraction, Infinity, 0, 2, "");
  const minShortIv = check.bound(f("min_short_implied_volatility"), filters?.minShortImpliedVolatility, -Infinity, 0, 10, "");
  const maxShortIv = check.bound(f("max_short_implied_volatility"), filters?.maxShortImpliedVolatility, Infinity, 0, 10, "");
  check.ordered(f("min_short_implied_volatility"), filters?.minShortImpliedVolatility, f("max_short_implied_volatility"), filters?.maxShortImpliedVolatility);
  const maxWingWidthDifference = check.bound(f("max_wing_width_difference"), filters?.maxWingWidthDifference, Infinity, 0, 1e6, "dollars");
  const minShortSigmaDistance = check.bound(
    f("min_short_sigma_distance"),
    filters?.minShortSigmaDistance,
    -Infinity,
    -MAX_SIGMA_DISTANCE,
    MAX_SIGMA_DISTANCE,
    "σ",
  );
  const minIvRank = check.bound(f("min_iv_rank"), filters?.minIvRank, -Infinity, 0, 1, "");
  const maxIvRank = check.bound(f("max_iv_rank"), filters?.maxIvRank, Infinity, 0, 1, "");
  check.ordered(f("min_iv_rank"), filters?.minIvRank, f("max_iv_rank"), filters?.maxIvRank);
  const minIvPercentile = check.bound(f("min_iv_percentile"), filters?.minIvPercentile, -Infinity, 0, 1, "");
  const maxIvPercentile = check.bound(f("max_iv_percentile"), filters?.maxIvPercentile, Infinity, 0, 1, "");
  check.ordered(f("min_iv_percentile"), filters?.minIvPercentile, f("max_iv_percentile"), filters?.maxIvPercentile);

  let maxQuoteAgeMs = Infinity;
  const age = filters?.maxQuoteAge;
  if (age) {
    maxQuoteAgeMs = Number(age.seconds) * 1000 + age.nanos / 1e6;
    if (!(Number.isFinite(maxQuoteAgeMs) && maxQuoteAgeMs >= 0)) {
      check.violations.push({ field: f("max_quote_age"), description: "must be a non-negative duration" });
    }
  }

  const weights = query?.scoreWeights;
  const evWeight = check.bound("score_weights.expected_value_per_risk", weights?.expectedValuePerRisk, DEFAULT_SCORE_WEIGHTS.expectedValuePerRisk, 0, 1e6, "");
  const popWeight = check.bound("score_weights.pop", weights?.pop, DEFAULT_SCORE_WEIGHTS.pop, 0, 1e6, "");
  const liquidityWeight = check.bound("score_weights.liquidity", weights?.liquidity, DEFAULT_SCORE_WEIGHTS.liquidity, 0, 1e6, "");
  const weightSum = evWeight + popWeight + liquidityWeight;
  if (check.violations.every((violation) => !violation.field.startsWith("score_weights")) && !(weightSum > 0)) {
    check.violations.push({ field: "score_weights", description: "at least one weight must be above 0" });
  }

  if (check.violations.length > 0) throw new EngineInputError(check.violations);
  return {
    strategies,
    sort: sort === SortKey.SORT_KEY_UNSPECIFIED ? SortKey.SORT_KEY_SCORE : sort,
    natural: pricing === PricingMode.PRICING_MODE_NATURAL,
    limit,
    maxPerExpiry,
    minDte,
    maxDte,
    minBackDte,
    maxBackDte,
    maxBackDaysAfterFront: filters?.maxBackDte === undefined ? DEFAULT_BACK_DTE_SPAN : Infinity,
    minShortDelta,
    maxShortDelta,
    maxLongDelta,
    minWidth,
    maxWidth,
    minCredit,
    maxDebit,
    minCreditToWidth,
    maxMaxLoss,
    minPop,
    minExpectedValue,
    maxProbabilityOfTouch,
    minReturnOnRisk,
    minOpenInterest,
    minVolume,
    maxLegBidAskWidth,
    maxLegBidAskWidthFraction,
    minShortImpliedVolatility: minShortIv,
    maxShortImpliedVolatility: maxShortIv,
    shortStrikesOutOfTheMoney: filters?.shortStrikesOutOfTheMoney ?? true,
    excludeEarningsBeforeExpiry: filters?.excludeEarningsBeforeExpiry ?? false,
    excludeExDividendBeforeExpiry: filters?.excludeExDividendBeforeExpiry ?? false,
    maxWingWidthDifference,
    minShortSigmaDistance,
    minIvRank,
    maxIvRank,
    minIvPercentile,
    maxIvPercentile,
    maxQuoteAgeMs,
    probabilityModel,
    callerVolatility: probabilityModel === CALLER_VOLATILITY ? (volatility as number) : Number.NaN,
    weights: {
      expectedValuePerRisk: evWeight / weightSum,
      pop: popWeight / weightSum,
      liquidity: liquidityWeight / weightSum,
    },
  };
}

// The command-line form of a ScanQuery: one flag per filter (kebab-case of its proto name),
// plus strategies, sort, pricing, limit, score weights and the probability model. Any command
// that asks for spreads (an offline scan of a file, a scan or a watch through the coordinator)
// adds these flags with `addQueryFlags` and builds its query with `scanQueryFromFlags`;
// query-violation-lines.ts names the flag behind each field the engine or a service refuses.
//
// Parsing checks only that a value has the right shape (query-flag-parsers.ts); whether it is
// in range is the engine's call, so the CLI and the services refuse exactly the same queries,
// with the same words.
import { Option, type Command } from "commander";
import type { Duration } from "../../gen/ts/google/protobuf/duration.js";
import { PricingMode, ProbabilityModel, ScanFilters, ScanQuery, ScoreWeights, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { DEFAULT_LIMIT, DEFAULT_SCORE_WEIGHTS, MAX_LIMIT } from "../engine/index.js";
import { choice, contracts, decimal, parseDuration, wholeNumber } from "./query-flag-parsers.js";

const FILTER_GROUP = "Filters (each optional; the scan fills in the defaults shown; every one applied must hold):";
const RANKING_GROUP = "Strategies and ranking:";
const WEIGHT_GROUP = "Score weights (relative to each other, need not sum to 1):";
const MODEL_GROUP = "Probability model (the σ POP, touch and EV are computed under):";

// ---- strategies, sort, pricing --------------------------------------------------------------

/** The command-line name of each strategy, as --strategy takes it and the table shows it. */
export const STRATEGY_FLAG_NAMES: ReadonlyMap<Strategy, string> = new Map([
  [Strategy.STRATEGY_BULL_PUT, "bull-put"],
  [Strategy.STRATEGY_BEAR_CALL, "bear-call"],
  [Strategy.STRATEGY_BULL_CALL, "bull-call"],
  [Strategy.STRATEGY_BEAR_PUT, "bear-put"],
  [Strategy.STRATEGY_IRON_CONDOR, "iron-condor"],
  [Strategy.STRATEGY_IRON_BUTTERFLY, "iron-butterfly"],
  [Strategy.STRATEGY_CALL_CALENDAR, "call-calendar"],
  [Strategy.STRATEGY_PUT_CALENDAR, "put-calendar"],
  [Strategy.STRATEGY_CALL_DIAGONAL, "call-diagonal"],
  [Strategy.STRATEGY_PUT_DIAGONAL, "put-diagonal"],
]);
const STRATEGY_NAMES = [...STRATEGY_FLAG_NAMES.values()];
const STRATEGIES = new Map([...STRATEGY_FLAG_NAMES].map(([strategy, name]) => [name, strategy]));
const parseStrategy = choice("a strategy", STRATEGIES, "strategy", STRATEGY_NAMES);

/** Repeatable, and each value may list several: --strategy bull-put,bear-call. */
function collectStrategies(text: string, previous: readonly Strategy[] | undefined): Strategy[] {
  return [...(previous ?? []), ...text.split(",").map(parseStrategy)];
}

const SORT_KEYS = new Map([
  ["score", SortKey.SORT_KEY_SCORE],
  ["pop", SortKey.SORT_KEY_POP],
  ["expected-value", SortKey.SORT_KEY_EXPECTED_VALUE],
  ["ev", SortKey.SORT_KEY_EXPECTED_VALUE],
  ["return-on-risk", SortKey.SORT_KEY_RETURN_ON_RISK],
  ["ror", SortKey.SORT_KEY_RETURN_ON_RISK],
  ["credit", SortKey.SORT_KEY_CREDIT],
  ["credit-to-width", SortKey.SORT_KEY_CREDIT_TO_WIDTH],
  ["max-loss", SortKey.SORT_KEY_MAX_LOSS],
  ["probability-of-touch", SortKey.SORT_KEY_PROBABILITY_OF_TOUCH],
  ["touch", SortKey.SORT_KEY_PROBABILITY_OF_TOUCH],
  ["short-sigma-distance", SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE],
]);
const SORT_NAMES = [
  "score",
  "pop",
  "expected-value (ev)",
  "return-on-risk (ror)",
  "credit",
  "credit-to-width",
  "max-loss",
  "probability-of-touch (touch)",
  "short-sigma-distance",
];
const parseSort = choice("a sort key", SORT_KEYS, "sort-key", SORT_NAMES);

const PRICING_MODES = new Map([
  ["mid", PricingMode.PRICING_MODE_MID],
  ["natural", PricingMode.PRICING_MODE_NATURAL],
]);
const parsePricing = choice("a pricing mode", PRICING_MODES, "pricing-mode", [...PRICING_MODES.keys()]);

/** The command-line name of each probability model a flag can choose; a caller's σ is --volatility. */
export const PROBABILITY_MODEL_FLAG_NAMES: ReadonlyMap<ProbabilityModel, string> = new Map([
  [ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV, "expiry-atm"],
  [ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV, "short-leg"],
]);
const PROBABILITY_MODELS = new Map([
  ...[...PROBABILITY_MODEL_FLAG_NAMES].map(([model, name]) => [name, model] as const),
  // The enum's own spellings, as choiceKey leaves them.
  ["expiry-atm-iv", ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV],
  ["short-leg-iv", ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV],
]);
const parseProbabilityModel = choice("a probability model", PROBABILITY_MODELS, "probability-model", [...PROBABILITY_MODEL_FLAG_NAMES.values()]);

// ---- filters --------------------------------------------------------------------------------

type FilterKey = Exclude<keyof ScanFilters, "shortStrikesOutOfTheMoney" | "excludeEarningsBeforeExpiry" | "excludeExDividendBeforeExpiry">;

/** One value-taking filter flag; its name and option key both follow from the proto field. */
export interface FilterFlag {
  /** The ScanFilters field in the proto's snake_case, as engine violations name it. */
  readonly field: string;
  readonly valueName: string;
  /** What it means, ending with its unit in parentheses. */
  readonly help: string;
  readonly parse: (text: string) => number | bigint | Duration;
  /** Shorter names a trader would type. */
  readonly aliases?: readonly string[];
}

const days = wholeNumber("30");
const fraction = decimal("0.3");
const dollars = decimal("2.5");
const lotDollars = decimal("500");

export const FILTER_FLAGS: readonly FilterFlag[] = [
  {
    field: "min_dte",
    valueName: "days",
    help: "fewest calendar days to expiry, the front expiry of calendars and diagonals, inclusive (days; default 7, or --max-dte when lower)",
    parse: days,
  },
  {
    field: "max_dte",
    valueName: "days",
    help: "most calendar days to expiry, the front expiry of calendars and diagonals, inclusive (days; default 60, or --min-dte + 30 when larger)",
    parse: days,
  },
  {
    field: "min_back_dte",
    valueName: "days",
    help: "fewest calendar days to the back (bought) expiry of calendars and diagonals, inclusive (days; default the day after the front expiry)",
    parse: days,
  },
  {
    field: "max_back_dte",
    valueName: "days",
    help: "most calendar days to the back (bought) expiry of calendars and diagonals, inclusive (days; default the front expiry's DTE + 60)",
    parse: days,
  },
  {
    field: "min_short_delta",
    valueName: "fraction",
    help: "smallest |delta| of each short leg (fraction 0–1; default 0.10, or --max-short-delta when lower)",
    parse: fraction,
  },
  { field: "max_short_delta", valueName: "fraction", help: "largest |delta| of each short leg (fraction 0–1)", parse: fraction },
  { field: "max_long_delta", valueName: "fraction", help: "largest |delta| of each long leg (fraction 0–1)", parse: fraction },
  {
    field: "min_width",
    valueName: "dollars",
    help: "narrowest strike distance, each wing of a condor; diagonals, not calendars (dollars per share)",
    parse: dollars,
  },
  {
    field: "max_width",
    valueName: "dollars",
    help: "widest strike distance, each wing of a condor; diagonals, not calendars (dollars per share; default about 2% of the price in whole strike increments, at least two, or --min-width when larger)",
    parse: dollars,
  },
  { field: "min_credit", valueName: "dollars", help: "smallest net credit of credit spreads (dollars per share)", parse: dollars },
  { field: "max_debit", valueName: "dollars", help: "largest net debit of debit spreads, positive (dollars per share)", parse: dollars },
  { field: "min_credit_to_width", valueName: "fraction", help: "smallest credit / width of credit spreads (fraction 0–1)", parse: fraction },
  { field: "max_max_loss", valueName: "dollars", help: "largest max loss (dollars per lot)", parse: lotDollars, aliases: ["max-loss"] },
  { field: "min_pop", valueName: "fraction", help: "smallest probability of profit at expiry (fraction 0–1)", parse: fraction },
  {
    field: "min_expected_value",
    valueName: "dollars",
    help: "smallest expected value at expiry, may be negative (dollars per lot)",
    parse: decimal("-25"),
    aliases: ["min-ev"],
  },
  {
    field: "max_probability_of_touch",
    valueName: "fraction",
    help: "largest probability of touching a short strike before expiry (fraction 0–1)",
    parse: fraction,
    aliases: ["max-touch"],
  },
  {
    field: "min_return_on_risk",
    valueName: "fraction",
    help: "smallest max profit / max loss (fraction, 0.25 = 25%)",
    parse: decimal("0.25"),
    aliases: ["min-ror"],
  },
  { field: "min_open_interest", valueName: "contracts", help: "smallest open interest of every leg (contracts)", parse: contracts },
  { field: "min_volume", valueName: "contracts", help: "smallest volume of every leg (contracts)", parse: contracts },
  { field: "max_leg_bid_ask_width", valueName: "dollars", help: "widest bid-ask of every leg (dollars per share)", parse: decimal("0.10") },
  {
    field: "max_leg_bid_ask_width_fraction",
    valueName: "fraction",
    help: "widest bid-ask of every leg relative to its mid (fraction, 0.1 = 10%)",
    parse: decimal("0.1"),
  },
  {
    field: "min_short_implied_volatility",
    valueName: "fraction",
    help: "lowest implied volatility of each short leg (annualised fraction, 0.2 = 20%)",
    parse: decimal("0.2"),
    aliases: ["min-short-iv"],
  },
  {
    field: "max_short_implied_volatility",
    valueName: "fraction",
    help: "highest implied volatility of each short leg (annualised fraction)",
    parse: decimal("0.6"),
    aliases: ["max-short-iv"],
  },
  {
    field: "max_wing_width_difference",
    valueName: "dollars",
    help: "largest put wing minus call wing of condors and butterflies (dollars per share)",
    parse: dollars,
  },
  { field: "max_per_expiry", valueName: "spreads", help: "most spreads per expiration (spreads)", parse: wholeNumber("5") },
  {
    field: "max_quote_age",
    valueName: "duration",
    help: "oldest quote allowed, from the chain's as-of (seconds, or with a unit: 500ms, 30s, 5m)",
    parse: parseDuration,
  },
  {
    field: "min_short_sigma_distance",
    valueName: "sigmas",
    help: "smallest distance of each short strike from the price, in σ to expiry (1 = one standard deviation out; negative allows in the money)",
    parse: decimal("1"),
  },
  {
    field: "min_iv_rank",
    valueName: "fraction",
    help: "smallest IV rank of the underlying over its past year (fraction 0–1; unknown rank fails)",
    parse: fraction,
  },
  { field: "max_iv_rank", valueName: "fraction", help: "largest IV rank of the underlying (fraction 0–1; unknown rank fails)", parse: fraction },
  {
    field: "min_iv_percentile",
    valueName: "fraction",
    help: "smallest IV percentile of the underlying over its past year (fraction 0–1; unknown fails)",
    parse: fraction,
  },
  { field: "max_iv_percentile", valueName: "fraction", help: "largest IV percentile of the underlying (fraction 0–1; unknown fails)", parse: fraction },
];

export const OTM_FIELD = "short_strikes_out_of_the_money";

/** The filters a flag without a value turns on (absent: no constraint), in the proto's snake_case. */
export const EVENT_FILTER_FLAGS: readonly { readonly field: string; readonly help: string }[] = [
  {
    field: "exclude_earnings_before_expiry",
    help: "leave out spreads with an earnings date before their (last leg's) expiry; with the symbol's events unknown, every spread",
  },
  {
    field: "exclude_ex_dividend_before_expiry",
    help: "leave out spreads with an ex-dividend date before their (last leg's) expiry; with the symbol's events unknown, every spread",
  },
];

function camelCase(snake: string): string {
  return snake.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

export function kebabCase(snake: string): string {
  return snake.replaceAll("_", "-");
}

/** Commander's option key for a flag: --max-loss is "maxLoss". */
function optionKey(flagName: string): string {
  return camelCase(flagName.replaceAll("-", "_"));
}

/** The key of a filter in commander's options, which is also its ScanFilters field. */
function filterKey(filter: FilterFlag): FilterKey {
  return camelCase(filter.field) as FilterKey;
}

// ---- score weights --------------------------------------------------------------------------

interface WeightFlag {
  /** The ScoreWeights field in snake_case. */
  readonly field: string;
  readonly flag: string;
  readonly help: string;
}

export const WEIGHT_FLAGS: readonly WeightFlag[] = [
  {
    field: "expected_value_per_risk",
    flag: "weight-ev",
    help: `expected value per dollar at risk, ≥ 0 (default: ${DEFAULT_SCORE_WEIGHTS.expectedValuePerRisk})`,
  },
  { field: "pop", flag: "weight-pop", help: `probability of profit, ≥ 0 (default: ${DEFAULT_SCORE_WEIGHTS.pop})` },
  { field: "liquidity", flag: "weight-liquidity", help: `leg liquidity (tight markets, open interest), ≥ 0 (default: ${DEFAULT_SCORE_WEIGHTS.liquidity})` },
];

// ---- adding the flags -----------------------------------------------------------------------

/** Adds every query flag to `command`, grouped in its help. */
export function addQueryFlags(command: Command): Command {
  command
    .addOption(
      new Option(
        "--strategy <name>",
        `strategy to look for, repeatable or comma-separated: ${STRATEGY_NAMES.join(", ")} ` +
          "(default: the six single-expiry ones; calendars and diagonals, which sell the front expiry and buy a later one, only when named)",
      )
        .argParser(collectStrategies)
        .helpGroup(RANKING_GROUP),
    )
    .addOption(new Option("--sort <key>", `order of the results: ${SORT_NAMES.join(", ")} (default: score)`).argParser(parseSort).helpGroup(RANKING_GROUP))
    .addOption(
      new Option("--limit <spreads>", `most spreads shown, 1 to ${MAX_LIMIT} (default: ${DEFAULT_LIMIT})`)
        .argParser(wholeNumber(String(DEFAULT_LIMIT)))
        .helpGroup(RANKING_GROUP),
    )
    .addOption(
      new Option("--pricing <mode>", "fill price of each leg: mid, or natural (sell at the bid, buy at the ask) (default: mid)")
        .argParser(parsePricing)
        .helpGroup(RANKING_GROUP),
    );

  for (const filter of FILTER_FLAGS) {
    const flag = kebabCase(filter.field);
    const aliases = filter.aliases ?? [];
    const aliasNote = aliases.length > 0 ? `; also ${aliases.map((alias) => `--${alias}`).join(", ")}` : "";
    command.addOption(new Option(`--${flag} <${filter.valueName}>`, `${filter.help}${aliasNote}`).argParser(filter.parse).helpGroup(FILTER_GROUP));
    for (const alias of aliases) {
      // Hidden, so each filter takes one line of help; giving both spellings is an error.
      command.addOption(new Option(`--${alias} <${filter.valueName}>`).argParser(filter.parse).conflicts(filterKey(filter)).hideHelp().helpGroup(FILTER_GROUP));
    }
  }
  command.addOption(
    new Option(`--no-${kebabCase(OTM_FIELD)}`, "allow short strikes in the money (by default every short strike is out of the money)").helpGroup(FILTER_GROUP),
  );
  for (const filter of EVENT_FILTER_FLAGS) command.addOption(new Option(`--${kebabCase(filter.field)}`, filter.help).helpGroup(FILTER_GROUP));

  for (const weight of WEIGHT_FLAGS) {
    command.addOption(new Option(`--${weight.flag} <weight>`, weight.help).argParser(decimal("0.5")).helpGroup(WEIGHT_GROUP));
  }

  command
    .addOption(
      new Option(
        "--probability-model <model>",
        "expiry-atm: one σ per expiration, its at-the-money implied volatility, shared by all its spreads; " +
          "short-leg: each spread's short leg's implied volatility, as brokers' \"probability OTM\" (for comparison: the skew then favours spreads for their σ) (default: expiry-atm)",
      )
        .argParser(parseProbabilityModel)
        .helpGroup(MODEL_GROUP),
    )
    .addOption(
      new Option("--volatility <fraction>", "your own σ for every expiration, annualised (0.2 = 20%): EV then measures the premium against your view")
        .argParser(decimal("0.2"))
        .conflicts("probabilityModel")
        .helpGroup(MODEL_GROUP),
    );
  return command;
}

// ---- flags to query -------------------------------------------------------------------------

export type FlagValues = Readonly<Record<string, unknown>>;

/** The alias the user typed for a filter, if any. */
export function aliasGiven(filter: FilterFlag, values: FlagValues): string | undefined {
  return filter.aliases?.find((alias) => values[optionKey(alias)] !== undefined);
}

/**
 * The ScanQuery the flags describe, from `command.opts()` of a command `addQueryFlags`
 * prepared. Absent flags stay absent, so the engine's documented defaults apply.
 */
export function scanQueryFromFlags(values: FlagValues): ScanQuery {
  const filters: Partial<Record<keyof ScanFilters, unknown>> = {};
  for (const filter of FILTER_FLAGS) {
    const alias = aliasGiven(filter, values);
    filters[filterKey(filter)] = values[alias === undefined ? filterKey(filter) : optionKey(alias)];
  }
  // Commander sets a negated flag's value to true when absent; only an explicit "no" is sent.
  if (values[camelCase(OTM_FIELD)] === false) filters.shortStrikesOutOfTheMoney = false;
  // Only a given flag is sent: absent means no constraint.
  for (const filter of EVENT_FILTER_FLAGS) if (values[camelCase(filter.field)] === true) filters[camelCase(filter.field) as keyof ScanFilters] = true;

  const weights: Partial<Record<keyof ScoreWeights, number>> = {};
  for (const weight of WEIGHT_FLAGS) {
    const value = values[optionKey(weight.flag)];
    if (typeof value === "number") weights[camelCase(weight.field) as keyof ScoreWeights] = value;
  }

  return ScanQuery.fromPartial({
    strategies: values.strategy as Strategy[] | undefined,
    // Each value came from the parser FILTER_FLAGS gives its field, so it has the field's type.
    filters: ScanFilters.fromPartial(filters as Partial<ScanFilters>),
    sort: values.sort as SortKey | undefined,
    pricing: values.pricing as PricingMode | undefined,
    limit: values.limit as number | undefined,
    // Absent unless a weight is given, as a query written by hand would be.
    scoreWeights: Object.keys(weights).length > 0 ? ScoreWeights.fromPartial(weights) : undefined,
    // --volatility is the caller's model (commander refuses it with --probability-model).
    probabilityModel:
      values.volatility === undefined ? (values.probabilityModel as ProbabilityModel | undefined) : ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY,
    volatility: values.volatility as number | undefined,
  });
}

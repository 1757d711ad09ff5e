// Refused query fields back to the flags that set them: the engine and the services name a
// field as the proto does ("filters.min_pop"); the user typed a flag ("--min-pop").
import type { InputViolation } from "../engine/index.js";
import { aliasGiven, EVENT_FILTER_FLAGS, FILTER_FLAGS, kebabCase, OTM_FIELD, WEIGHT_FLAGS, type FlagValues } from "./query-flags.js";

/**
 * The flag that sets a ScanQuery field named as the engine names it, in snake_case under
 * the query ("filters.min_pop", "strategies[1]", "score_weights.pop"); the alias when the
 * user typed one. Undefined for a field no flag sets.
 */
export function flagForQueryField(field: string, values: FlagValues = {}): string | undefined {
  if (/^strategies(\[\d+\])?$/.test(field)) return "--strategy";
  if (field === "sort" || field === "pricing" || field === "limit" || field === "volatility") return `--${field}`;
  if (field === "probability_model") return "--probability-model";
  if (field === "score_weights") return WEIGHT_FLAGS.map((weight) => `--${weight.flag}`).join(", ");
  const weight = WEIGHT_FLAGS.find((candidate) => field === `score_weights.${candidate.field}`);
  if (weight) return `--${weight.flag}`;
  if (field === `filters.${OTM_FIELD}`) return `--no-${kebabCase(OTM_FIELD)}`;
  const eventFilter = EVENT_FILTER_FLAGS.find((candidate) => field === `filters.${candidate.field}`);
  if (eventFilter) return `--${kebabCase(eventFilter.field)}`;
  const filter = FILTER_FLAGS.find((candidate) => field === `filters.${candidate.field}`);
  if (!filter) return undefined;
  return `--${aliasGiven(filter, values) ?? kebabCase(filter.field)}`;
}

/** Filter fields a description may name (as in "must not be above max_dte"), longest first. */
const FILTER_FIELDS = FILTER_FLAGS.map((filter) => filter.field).sort((a, b) => b.length - a.length);

/**
 * One line per refused query field, naming the flag instead of the field, also inside the
 * description ("--min-dte: must not be above --max-dte (30 > 10)"). `violations` have fields
 * relative to the query, as above; a field no flag sets is named as it stands.
 */
export function queryViolationLines(violations: readonly InputViolation[], values: FlagValues = {}): string[] {
  return violations.map(({ field, description }) => {
    let text = description;
    for (const name of FILTER_FIELDS) {
      text = text.replace(new RegExp(`\\b${name}\\b`, "g"), () => flagForQueryField(`filters.${name}`, values) ?? name);
    }
    return `${flagForQueryField(field, values) ?? field}: ${text}`;
  });
}

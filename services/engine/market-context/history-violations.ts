// What makes a chain's implied volatility history unusable: the coordinator attaches it from
// the market data provider, but a chain sent inline may carry any, and a bad one must be
// refused by field, not read as a rank.
import type { ImpliedVolatilityHistory } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { InputViolation } from "../input-errors.js";
import { MAX_VOLATILITY } from "../resolved-query.js";
import { isCalendarDate } from "../new-york-time.js";

/** Ten years of trading days: far more than IV rank reads (252), few enough to check one by one. */
export const MAX_HISTORY_DAYS = 2520;
const MAX_HISTORY_SOURCE_LENGTH = 64;
const MAX_HISTORY_VIOLATIONS = 20;
const FIELD = "implied_volatility_history";

/** One violation per bad field (relative to the chain), at most MAX_HISTORY_VIOLATIONS of the days. */
export function historyViolations(history: ImpliedVolatilityHistory | undefined): InputViolation[] {
  if (history === undefined) return [];
  const violations: InputViolation[] = [];
  if (history.source.length > MAX_HISTORY_SOURCE_LENGTH) {
    violations.push({ field: `${FIELD}.source`, description: `must be at most ${MAX_HISTORY_SOURCE_LENGTH} characters, like "simulated" or "ibkr"` });
  }
  const days = history.days;
  if (days.length > MAX_HISTORY_DAYS) {
    violations.push({ field: `${FIELD}.days`, description: `must hold at most ${MAX_HISTORY_DAYS} days; got ${days.length}` });
    return violations;
  }
  let previous = "";
  for (let index = 0; index < days.length && violations.length < MAX_HISTORY_VIOLATIONS; index++) {
    const day = days[index] as (typeof days)[number];
    const at = `${FIELD}.days[${index}]`;
    if (!isCalendarDate(day.date)) violations.push({ field: `${at}.date`, description: "must be a calendar date YYYY-MM-DD" });
    else if (!(day.date > previous))
      violations.push({ field: `${at}.date`, description: `must come after the day before it (${previous}): one per day, ascending` });
    else previous = day.date;
    const volatility = day.impliedVolatility;
    if (!(Number.isFinite(volatility) && volatility > 0 && volatility <= MAX_VOLATILITY)) {
      violations.push({
        field: `${at}.implied_volatility`,
        description: `must be an annualised fraction above 0 and at most ${MAX_VOLATILITY}; got ${volatility}`,
      });
    }
  }
  return violations;
}

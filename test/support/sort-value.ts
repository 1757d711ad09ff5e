// A returned spread's value under a sort key, read from its own figures, as the property
// tests compare rankings: higher ranks first. A calendar has no width, so by credit to width
// it ranks after every spread that has one (docs/architecture.md, "Calendars and diagonals").
import { SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";

export function sortValueOf(spread: Spread, sort: SortKey): number {
  switch (sort) {
    case SortKey.SORT_KEY_POP:
      return spread.pop;
    case SortKey.SORT_KEY_EXPECTED_VALUE:
      return spread.expectedValue;
    case SortKey.SORT_KEY_RETURN_ON_RISK:
      return spread.returnOnRisk;
    case SortKey.SORT_KEY_CREDIT:
      return spread.netCredit;
    case SortKey.SORT_KEY_CREDIT_TO_WIDTH:
      return spread.width > 0 ? spread.creditToWidth : -Infinity;
    case SortKey.SORT_KEY_MAX_LOSS:
      return -spread.maxLoss;
    case SortKey.SORT_KEY_PROBABILITY_OF_TOUCH:
      return -spread.probabilityOfTouch;
    case SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE:
      return spread.shortSigmaDistance;
    default:
      return spread.score;
  }
}

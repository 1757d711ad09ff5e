// The engine's ranking order, read from returned Spread messages, so that spreads of many
// symbols can be merged into one list in the order each symbol's own list already has. The
// engine ranks on its internal columns (services/engine/top-candidates.ts), not on messages,
// so this restates its documented rule (docs/architecture.md, "Ranking" and "Heap and ties"):
// higher sort value first; then higher score; then the earlier (front) expiration; then the
// strategy's enum order; then the earlier back expiration (none, for single-expiry spreads,
// comes first); then the legs' strikes, lower first, leg by leg in the order put long, put
// short, call short, call long. Between symbols, the symbol in ascending order decides last.
import { OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SortKey } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";

/**
 * A spread's value under a sort key, higher ranking first: what the engine ranks by. A
 * calendar has no width, so by credit to width it ranks after every spread that has one.
 */
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

/** An unused leg slot; spreads that reach the strikes share a strategy, so they use the same slots. */
const NO_STRIKE = -Infinity;

/** The strikes in the engine's slot order: put long, put short, call short, call long. */
function slotStrikes(spread: Spread): [number, number, number, number] {
  const slots: [number, number, number, number] = [NO_STRIKE, NO_STRIKE, NO_STRIKE, NO_STRIKE];
  for (const leg of spread.legs) {
    const sold = leg.action === LegAction.LEG_ACTION_SELL;
    const slot = leg.right === OptionRight.OPTION_RIGHT_PUT ? (sold ? 1 : 0) : sold ? 2 : 3;
    slots[slot] = leg.strike;
  }
  return slots;
}

/** Negative when `a` ranks before `b`, positive when after, 0 only for the same spread of the same symbol. */
export function compareSpreads(a: Spread, b: Spread, sort: SortKey): number {
  const byValue = sortValueOf(b, sort) - sortValueOf(a, sort);
  if (byValue !== 0 && !Number.isNaN(byValue)) return byValue;
  if (a.score !== b.score) return b.score - a.score;
  if (a.expiryDate !== b.expiryDate) return a.expiryDate < b.expiryDate ? -1 : 1;
  if (a.strategy !== b.strategy) return a.strategy - b.strategy;
  if (a.backExpiryDate !== b.backExpiryDate) return a.backExpiryDate < b.backExpiryDate ? -1 : 1;
  const strikesA = slotStrikes(a);
  const strikesB = slotStrikes(b);
  for (let slot = 0; slot < 4; slot++) {
    const strikeA = strikesA[slot] as number;
    const strikeB = strikesB[slot] as number;
    if (strikeA !== strikeB) return strikeA < strikeB ? -1 : 1;
  }
  if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
  return 0;
}

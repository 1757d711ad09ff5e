// Planning the iron search bounds every pair of shorts of an expiration (a million on the
// widest scans, nearly nine in ten dropped at once against the verticals' threshold). Here
// the call shorts are taken in groups of neighbours, each with its members' figures at their
// best, so that one bound of a put short against a group drops every pair of the group that
// its members' own bounds would drop, in one step instead of one per pair.
import type { CreditWings } from "./iron-candidates.js";
import { boundLoses, scoreBound } from "./iron-bounds.js";
import { bidAsk, creditToWidthBound } from "./iron-block-pass.js";
import { LEG_SHORT_OTM, type PricedSide } from "./priced-side.js";
import type { ResolvedQuery } from "./resolved-query.js";

/** Most call shorts in one group. */
export const CALL_SHORT_GROUP = 8;

/** The call shorts of one expiration in groups of CALL_SHORT_GROUP neighbours (by index into the call wings' shorts). */
export interface CallShortGroups {
  largestCredit: Float64Array;
  smallestCredit: Float64Array;
  largestCreditToWidth: Float64Array;
  narrowestWidth: Float64Array;
  largestCreditLessWidth: Float64Array;
  largestValue: Float64Array;
  largestValuePerMargin: Float64Array;
  /** The smallest bid-ask width of the group's short legs. */
  smallestBidAsk: Float64Array;
  lowestStrike: Float64Array;
  /** The wings of the group's out-of-the-money shorts (those an out-of-the-money put short pairs with as a condor). */
  outOfTheMoneyWings: Float64Array;
}

export function callShortGroups(calls: PricedSide, callWings: CreditWings): CallShortGroups {
  const count = Math.ceil(callWings.shortCount / CALL_SHORT_GROUP);
  const groups: CallShortGroups = {
    largestCredit: new Float64Array(count).fill(-Infinity),
    smallestCredit: new Float64Array(count).fill(Infinity),
    largestCreditToWidth: new Float64Array(count).fill(-Infinity),
    narrowestWidth: new Float64Array(count).fill(Infinity),
    largestCreditLessWidth: new Float64Array(count).fill(-Infinity),
    largestValue: new Float64Array(count).fill(-Infinity),
    largestValuePerMargin: new Float64Array(count).fill(-Infinity),
    smallestBidAsk: new Float64Array(count).fill(Infinity),
    lowestStrike: new Float64Array(count).fill(Infinity),
    outOfTheMoneyWings: new Float64Array(count),
  };
  for (let c = 0; c < callWings.shortCount; c++) {
    const group = Math.floor(c / CALL_SHORT_GROUP);
    const short = callWings.shorts[c] as number;
    groups.largestCredit[group] = Math.max(groups.largestCredit[group] as number, callWings.largestCredit[c] as number);
    groups.smallestCredit[group] = Math.min(groups.smallestCredit[group] as number, callWings.largestCredit[c] as number);
    groups.largestCreditToWidth[group] = Math.max(groups.largestCreditToWidth[group] as number, callWings.largestCreditToWidth[c] as number);
    groups.narrowestWidth[group] = Math.min(groups.narrowestWidth[group] as number, callWings.narrowestWidth[c] as number);
    groups.largestCreditLessWidth[group] = Math.max(groups.largestCreditLessWidth[group] as number, callWings.largestCreditLessWidth[c] as number);
    groups.largestValue[group] = Math.max(groups.largestValue[group] as number, callWings.largestValue[c] as number);
    groups.largestValuePerMargin[group] = Math.max(groups.largestValuePerMargin[group] as number, callWings.largestValuePerMargin[c] as number);
    groups.smallestBidAsk[group] = Math.min(groups.smallestBidAsk[group] as number, bidAsk(calls, short));
    groups.lowestStrike[group] = Math.min(groups.lowestStrike[group] as number, calls.table.strike[short] as number);
    if (((calls.flags[short] as number) & LEG_SHORT_OTM) !== 0) {
      groups.outOfTheMoneyWings[group] =
        (groups.outOfTheMoneyWings[group] as number) + (callWings.firstWing[c + 1] as number) - (callWings.firstWing[c] as number);
    }
  }
  return groups;
}

/**
 * Under the score with its POP taken as 1 (the planning's first check): true when no pair of
 * put short p with a call short of the group can beat `threshold`, that is when each
 * member's own bound would lose. Call only when every member pairs (if at all) with p as a
 * condor: the group's lowest strike above the put short's. The group's figures are its
 * members' at their best, so its bound is at least each member's, provided every member's
 * net credit is positive (the liquidity and credit-to-width bounds change form at 0: hence
 * false otherwise) and the EV-per-risk term is not let below the 0 a member with no
 * positive EV gets.
 */
export function callGroupLoses(
  query: ResolvedQuery,
  putWings: CreditWings,
  p: number,
  putBidAsk: number,
  groups: CallShortGroups,
  group: number,
  threshold: number,
): boolean {
  const putCredit = putWings.largestCredit[p] as number;
  if (!(putCredit + (groups.smallestCredit[group] as number) > 0)) return false;
  const net = putCredit + (groups.largestCredit[group] as number);
  const putNarrowest = putWings.narrowestWidth[p] as number;
  const groupNarrowest = groups.narrowestWidth[group] as number;
  const ratio = creditToWidthBound(
    putWings.largestCreditToWidth[p] as number,
    groups.largestCreditToWidth[group] as number,
    net,
    putNarrowest > groupNarrowest ? putNarrowest : groupNarrowest,
  );
  const bound = scoreBound(
    query,
    net,
    Math.max(0, ratio),
    Math.min(
      putCredit + (groups.largestCreditLessWidth[group] as number),
      (putWings.largestCreditLessWidth[p] as number) + (groups.largestCredit[group] as number),
    ),
    (putWings.largestValue[p] as number) + (groups.largestValue[group] as number),
    Math.max(0, 2 * Math.max(putWings.largestValuePerMargin[p] as number, groups.largestValuePerMargin[group] as number)),
    putBidAsk + (groups.smallestBidAsk[group] as number),
    1,
  );
  return boundLoses(bound, threshold);
}

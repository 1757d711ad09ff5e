// What changed between two checks of a saved scan's top N: the spreads that entered it and
// those that left it, matched by the spread's id (stable across scans of the same legs).
import type { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";

export type ChangeKind = "entered" | "left";

export interface TopChange {
  readonly kind: ChangeKind;
  /** As it is now when it entered; as last seen in the previous top N when it left. */
  readonly spread: Spread;
}

/**
 * The changes in the order their events take: first the spreads that left, in the previous
 * top N's order, then those that entered, in the new one's order (best first), so that a reader
 * applying them one by one never holds more than N spreads. `previous` undefined (no check yet)
 * means every spread of the new top N entered.
 */
export function diffTop(previous: readonly Spread[] | undefined, current: readonly Spread[]): TopChange[] {
  const before = new Set((previous ?? []).map((spread) => spread.id));
  const now = new Set(current.map((spread) => spread.id));
  const left = (previous ?? []).filter((spread) => !now.has(spread.id)).map((spread): TopChange => ({ kind: "left", spread }));
  const entered = current.filter((spread) => !before.has(spread.id)).map((spread): TopChange => ({ kind: "entered", spread }));
  return [...left, ...entered];
}

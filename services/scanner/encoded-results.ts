// A scan result travels in its wire form: from the worker that made it, to every Scan caller
// and watcher who is sent it. Each result object keeps the bytes it was decoded from, so
// that the main thread never encodes a result a second time.
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { FIELDS, fieldOccurrences } from "./wire.js";

const encodings = new WeakMap<ScanResult, Uint8Array>();
const spreadSections = new WeakMap<ScanResult, Buffer>();
const spreadIds = new WeakMap<ScanResult, readonly string[]>();

/** Decodes a result and remembers its bytes. */
export function decodeScanResult(bytes: Uint8Array): ScanResult {
  const result = ScanResult.decode(bytes);
  encodings.set(result, bytes);
  return result;
}

/** The result's wire form: the bytes it came in, or its encoding, made once. */
export function encodedScanResult(result: ScanResult): Uint8Array {
  let bytes = encodings.get(result);
  if (!bytes) {
    bytes = ScanResult.encode(result).finish();
    encodings.set(result, bytes);
  }
  return bytes;
}

/**
 * The wire form of the result's spreads (every `spreads` field, in order): equal bytes, the
 * same top N with the same figures. Read out of the encoding without decoding it.
 */
export function encodedSpreads(result: ScanResult): Buffer {
  let section = spreadSections.get(result);
  if (!section) {
    section = Buffer.concat(fieldOccurrences(encodedScanResult(result), FIELDS.resultSpreads, { withTag: true }));
    spreadSections.set(result, section);
  }
  return section;
}

export interface IdChanges {
  /** Ids in the current result that were not in the previous one. */
  readonly added: readonly string[];
  /** Ids in the previous result that are not in the current one. */
  readonly removed: readonly string[];
}

const changesSince = new WeakMap<ScanResult, WeakMap<ScanResult, IdChanges>>();

/**
 * What changed in the top N from `previous` (none: nothing was sent yet) to `current`,
 * worked out once for all the watchers of a query, who mostly move between the same results.
 */
export function idChanges(previous: ScanResult | undefined, current: ScanResult): IdChanges {
  if (!previous) return { added: idsOf(current), removed: [] };
  let fromPrevious = changesSince.get(previous);
  if (!fromPrevious) {
    fromPrevious = new WeakMap();
    changesSince.set(previous, fromPrevious);
  }
  let changes = fromPrevious.get(current);
  if (!changes) {
    const before = new Set(idsOf(previous));
    const after = new Set(idsOf(current));
    changes = { added: idsOf(current).filter((id) => !before.has(id)), removed: idsOf(previous).filter((id) => !after.has(id)) };
    fromPrevious.set(current, changes);
  }
  return changes;
}

/** The ids of the result's spreads, in rank order, made once per result. */
function idsOf(result: ScanResult): readonly string[] {
  let ids = spreadIds.get(result);
  if (!ids) {
    ids = result.spreads.map((spread) => spread.id);
    spreadIds.set(result, ids);
  }
  return ids;
}

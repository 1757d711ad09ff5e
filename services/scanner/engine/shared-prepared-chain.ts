// A prepared chain laid out in one SharedArrayBuffer, so that it is prepared once per
// version and every worker thread scans the same memory: only a small header is copied
// between threads.
import { newSkipCounts } from "./skip-reasons.js";
import type { ExpirySlice, LegTable, PreparedChain } from "./prepared-chain.js";

/** The Float64 columns of a LegTable, in their order in the buffer. */
const FLOAT_COLUMNS = [
  "strike",
  "logStrike",
  "bid",
  "ask",
  "mid",
  "impliedVolatility",
  "delta",
  "gamma",
  "theta",
  "vega",
  "openInterest",
  "volume",
  "quoteTimeMs",
  "brokerContractId",
] as const;

/** A PreparedChain's scalars, its expirations' shapes, and its columns in one shared buffer. */
export interface SharedPreparedChain extends Omit<PreparedChain, "expiries" | "skipped"> {
  readonly skipped: readonly number[];
  readonly expiries: readonly { readonly expiryDate: string; readonly dte: number; readonly years: number; readonly calls: number; readonly puts: number }[];
  /** Per side, in expiry order, calls then puts: the float columns, then one byte per leg of flags. */
  readonly buffer: SharedArrayBuffer;
}

const sideBytes = (count: number): number => count * 8 * FLOAT_COLUMNS.length + Math.ceil(count / 8) * 8;

export function sharePreparedChain(prepared: PreparedChain): SharedPreparedChain {
  let total = 0;
  for (const expiry of prepared.expiries) total += sideBytes(expiry.calls.count) + sideBytes(expiry.puts.count);
  const buffer = new SharedArrayBuffer(total);
  let offset = 0;
  const write = (table: LegTable): void => {
    for (const column of FLOAT_COLUMNS) {
      new Float64Array(buffer, offset, table.count).set(table[column].subarray(0, table.count));
      offset += table.count * 8;
    }
    new Uint8Array(buffer, offset, table.count).set(table.computed.subarray(0, table.count));
    offset += Math.ceil(table.count / 8) * 8;
  };
  for (const expiry of prepared.expiries) {
    write(expiry.calls);
    write(expiry.puts);
  }
  const { expiries, skipped, ...scalars } = prepared;
  return {
    ...scalars,
    skipped: [...skipped],
    expiries: expiries.map(({ expiryDate, dte, years, calls, puts }) => ({ expiryDate, dte, years, calls: calls.count, puts: puts.count })),
    buffer,
  };
}

/** Views over the shared memory: nothing is copied but the header. */
export function openSharedPreparedChain(shared: SharedPreparedChain): PreparedChain {
  let offset = 0;
  const read = (count: number): LegTable => {
    const columns: Record<string, Float64Array> = {};
    for (const column of FLOAT_COLUMNS) {
      columns[column] = new Float64Array(shared.buffer, offset, count);
      offset += count * 8;
    }
    const computed = new Uint8Array(shared.buffer, offset, count);
    offset += Math.ceil(count / 8) * 8;
    return { count, computed, ...(columns as Record<(typeof FLOAT_COLUMNS)[number], Float64Array>) };
  };
  const expiries: ExpirySlice[] = shared.expiries.map(({ expiryDate, dte, years, calls, puts }) => ({
    expiryDate,
    dte,
    years,
    calls: read(calls),
    puts: read(puts),
  }));
  // The scalars are everything but the buffer, the shapes and the skip counts.
  const { buffer, expiries: shapes, skipped: sharedSkipped, ...scalars } = shared;
  const skipped = newSkipCounts();
  skipped.set(sharedSkipped);
  return { ...scalars, expiries, skipped };
}

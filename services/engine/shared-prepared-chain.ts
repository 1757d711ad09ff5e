// A prepared chain laid out in one SharedArrayBuffer, header included, so that it is
// prepared once per version and every worker thread scans the same memory: a task carries
// only a key and a reference to the buffer, and each worker opens a version once.
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

/** A PreparedChain's scalars and its expirations' shapes: the buffer's JSON header. */
interface Header extends Omit<PreparedChain, "expiries" | "skipped"> {
  readonly skipped: readonly number[];
  readonly expiries: readonly { readonly expiryDate: string; readonly dte: number; readonly years: number; readonly calls: number; readonly puts: number }[];
}

export interface SharedPreparedChain {
  /** Names the version, e.g. "SPY:7", for the workers' cache of opened chains. */
  readonly key: string;
  /** The header's length (4 bytes), the header as JSON padded to 8 bytes, then per side, in expiry order, calls then puts: the float columns, then one byte per leg of flags. */
  readonly buffer: SharedArrayBuffer;
}

const sideBytes = (count: number): number => count * 8 * FLOAT_COLUMNS.length + Math.ceil(count / 8) * 8;

export function sharePreparedChain(prepared: PreparedChain, key: string): SharedPreparedChain {
  const { expiries, skipped, ...scalars } = prepared;
  const header: Header = {
    ...scalars,
    skipped: [...skipped],
    expiries: expiries.map(({ expiryDate, dte, years, calls, puts }) => ({ expiryDate, dte, years, calls: calls.count, puts: puts.count })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const headerEnd = 8 + Math.ceil(headerBytes.length / 8) * 8;
  let total = headerEnd;
  for (const expiry of expiries) total += sideBytes(expiry.calls.count) + sideBytes(expiry.puts.count);
  const buffer = new SharedArrayBuffer(total);
  new DataView(buffer).setUint32(0, headerBytes.length);
  new Uint8Array(buffer, 8, headerBytes.length).set(headerBytes);
  let offset = headerEnd;
  const write = (table: LegTable): void => {
    for (const column of FLOAT_COLUMNS) {
      new Float64Array(buffer, offset, table.count).set(table[column].subarray(0, table.count));
      offset += table.count * 8;
    }
    new Uint8Array(buffer, offset, table.count).set(table.computed.subarray(0, table.count));
    offset += Math.ceil(table.count / 8) * 8;
  };
  for (const expiry of expiries) {
    write(expiry.calls);
    write(expiry.puts);
  }
  return { key, buffer };
}

/** Views over the shared memory: only the header is copied out. */
export function openSharedPreparedChain(shared: SharedPreparedChain): PreparedChain {
  const { buffer } = shared;
  const headerLength = new DataView(buffer).getUint32(0);
  // TextDecoder refuses shared memory: copy the header out first.
  const header = JSON.parse(Buffer.from(new Uint8Array(buffer, 8, headerLength)).toString("utf8")) as Header;
  let offset = 8 + Math.ceil(headerLength / 8) * 8;
  const read = (count: number): LegTable => {
    const columns: Record<string, Float64Array> = {};
    for (const column of FLOAT_COLUMNS) {
      columns[column] = new Float64Array(buffer, offset, count);
      offset += count * 8;
    }
    const computed = new Uint8Array(buffer, offset, count);
    offset += Math.ceil(count / 8) * 8;
    return { count, computed, ...(columns as Record<(typeof FLOAT_COLUMNS)[number], Float64Array>) };
  };
  const expiries: ExpirySlice[] = header.expiries.map(({ expiryDate, dte, years, calls, puts }) => ({
    expiryDate,
    dte,
    years,
    calls: read(calls),
    puts: read(puts),
  }));
  // The scalars are everything but the shapes and the skip counts.
  const { expiries: shapes, skipped: headerSkipped, ...scalars } = header;
  const skipped = newSkipCounts();
  skipped.set(headerSkipped);
  return { ...scalars, expiries, skipped };
}

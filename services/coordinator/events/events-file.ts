// A user's events file (EVENTS_FILE): CSV with a header naming the columns symbol, date, kind
// and time_of_day (in any order; other columns are ignored), one event a row, e.g.
//
//   symbol,date,kind,time_of_day
//   SPY,2026-12-16,earnings,amc
//   AAPL,2026-11-10,ex_dividend,
//
// kind: earnings or ex_dividend; time_of_day: bmo (before the open), amc (after the close),
// during, unknown or empty (any time of the date); dates YYYY-MM-DD in New York. Read once at
// start: a row that cannot be read is a configuration error naming the file, line and column.
import { readFileSync } from "node:fs";
import { CsvError, parse } from "csv-parse/sync";
import { CorporateEventKind, EventTimeOfDay, type CorporateEvent } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { isCalendarDate } from "../../engine/new-york-time.js";

/** Why an events file cannot be used: the message names the file, and the line and column when one is at fault. */
export class EventsFileError extends Error {
  override readonly name = "EventsFileError";
}

/** The events of the file by symbol (upper case), each list ascending by date. */
export type FileEvents = ReadonlyMap<string, readonly CorporateEvent[]>;

const COLUMNS = ["symbol", "date", "kind", "time_of_day"] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: readonly Column[] = ["symbol", "date", "kind"];

const KINDS = new Map([
  ["earnings", CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS],
  ["ex_dividend", CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND],
]);
const TIMES = new Map([
  ["", EventTimeOfDay.EVENT_TIME_OF_DAY_UNSPECIFIED],
  ["unknown", EventTimeOfDay.EVENT_TIME_OF_DAY_UNSPECIFIED],
  ["bmo", EventTimeOfDay.EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN],
  ["during", EventTimeOfDay.EVENT_TIME_OF_DAY_DURING_MARKET],
  ["amc", EventTimeOfDay.EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE],
]);
const TICKER = /^[A-Z][A-Z0-9.]{0,9}$/;

interface CsvRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/** Reads and checks the file at `path`; throws EventsFileError for the first thing wrong. */
export function readEventsFile(path: string): FileEvents {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new EventsFileError(`${path}: cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseEvents(text, path);
}

/** The events in `text`, the CSV of a file named `file` (for the messages). */
export function parseEvents(text: string, file: string): FileEvents {
  const records = csvRecords(text, file);
  const header = records[0];
  if (!header) throw new EventsFileError(`${file}: is empty; it needs a header row: ${COLUMNS.join(",")}`);
  const columns = headerColumns(header, file);
  const bySymbol = new Map<string, CorporateEvent[]>();
  for (const row of records.slice(1)) {
    const at = (column: Column): string => row.record[columns.get(column) ?? -1] ?? "";
    const where = (column: Column): string => `${file} line ${startLine(row)}, column ${(columns.get(column) ?? 0) + 1} (${column})`;
    const symbol = at("symbol").toUpperCase();
    if (!TICKER.test(symbol))
      throw new EventsFileError(`${where("symbol")}: must be a ticker of 1 to 10 letters, digits or dots; got ${JSON.stringify(at("symbol"))}`);
    const date = at("date");
    if (!isCalendarDate(date)) throw new EventsFileError(`${where("date")}: must be a calendar date YYYY-MM-DD; got ${JSON.stringify(date)}`);
    const kind = KINDS.get(at("kind").toLowerCase());
    if (kind === undefined) throw new EventsFileError(`${where("kind")}: must be earnings or ex_dividend; got ${JSON.stringify(at("kind"))}`);
    const timeOfDay = TIMES.get(at("time_of_day").toLowerCase());
    if (timeOfDay === undefined) {
      throw new EventsFileError(`${where("time_of_day")}: must be bmo, amc, during, unknown or empty; got ${JSON.stringify(at("time_of_day"))}`);
    }
    const events = bySymbol.get(symbol) ?? [];
    events.push({ date, kind, timeOfDay });
    bySymbol.set(symbol, events);
  }
  for (const events of bySymbol.values()) events.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return bySymbol;
}

function csvRecords(text: string, file: string): CsvRecord[] {
  try {
    return parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as CsvRecord[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error.lines === "number" ? ` line ${error.lines}` : "";
      throw new EventsFileError(`${file}${line}: not readable as CSV: ${error.message}`);
    }
    throw error;
  }
}

/** The line a record starts on: csv-parse reports where it ends, past any quoted newlines. */
function startLine({ record, info }: CsvRecord): number {
  let newlines = 0;
  for (const cell of record) newlines += cell.split("\n").length - 1;
  return info.lines - newlines;
}

function headerColumns(header: CsvRecord, file: string): Map<Column, number> {
  const columns = new Map<Column, number>();
  header.record.forEach((name, index) => {
    const column = name.toLowerCase() as Column;
    if (!COLUMNS.includes(column)) return;
    if (columns.has(column)) throw new EventsFileError(`${file} line ${startLine(header)}: column ${column} appears twice in the header`);
    columns.set(column, index);
  });
  const missing = REQUIRED.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new EventsFileError(`${file} line ${startLine(header)}: the header lacks ${missing.join(", ")}; an events file has the columns ${COLUMNS.join(",")}`);
  }
  return columns;
}

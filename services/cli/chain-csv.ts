// Option chains as CSV, in the column layout other open-source option screeners read: one
// row per quote, with the chain-wide values (price, as-of, rate, dividend yield) repeated on
// every row. Reading refuses only what makes a row unreadable (see chain-file.ts for why).
// An empty open_interest cell is open interest unknown (the broker did not say), never 0: files
// written before that distinction read as they did, save that an empty cell is no longer 0.
import { CsvError, parse } from "csv-parse/sync";
import { Greeks, OptionChain, OptionQuote, OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { parseAsOf, parseExpiry } from "./chain-dates.js";
import { ChainFileError, FILE_SOURCE } from "./chain-file-error.js";

/** Columns every CSV chain file has, in the order we write them (any order is read). */
export const CSV_QUOTE_COLUMNS = [
  "ticker",
  "strike",
  "expiration",
  "option_type",
  "bid",
  "ask",
  "last",
  "volume",
  "open_interest",
  "delta",
  "gamma",
  "theta",
  "vega",
  "implied_vol",
] as const;

/** Chain-wide columns a CSV file may add; each is taken from the first row that fills it. */
export const CSV_CHAIN_COLUMNS = ["underlying_price", "as_of", "rate", "dividend_yield"] as const;

type CsvColumn = (typeof CSV_QUOTE_COLUMNS)[number] | (typeof CSV_CHAIN_COLUMNS)[number];

// ---- CSV: writing ---------------------------------------------------------------------------

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Shortest text that reads back as the same double; NaN and infinities by name. */
function numberCell(value: number | undefined): string {
  return value === undefined ? "" : String(value);
}

function rightCell(right: OptionRight): string {
  if (right === OptionRight.OPTION_RIGHT_CALL) return "call";
  if (right === OptionRight.OPTION_RIGHT_PUT) return "put";
  return "";
}

/** A chain as CSV: the quote columns, then the chain-wide columns repeated on every row. */
export function formatChainCsv(chain: OptionChain): string {
  const chainCells = [numberCell(chain.underlyingPrice), chain.asOf ? chain.asOf.toISOString() : "", numberCell(chain.rate), numberCell(chain.dividendYield)];
  const lines = [[...CSV_QUOTE_COLUMNS, ...CSV_CHAIN_COLUMNS].join(",")];
  for (const quote of chain.quotes) {
    const greeks = quote.greeks;
    const cells = [
      chain.symbol,
      numberCell(quote.strike),
      quote.expiryDate,
      rightCell(quote.right),
      numberCell(quote.bid),
      numberCell(quote.ask),
      numberCell(quote.last),
      quote.volume.toString(),
      quote.openInterestUnknown ? "" : quote.openInterest.toString(),
      numberCell(greeks?.delta),
      numberCell(greeks?.gamma),
      numberCell(greeks?.theta),
      numberCell(greeks?.vega),
      numberCell(quote.impliedVolatility),
      ...chainCells,
    ];
    lines.push(cells.map(csvCell).join(","));
  }
  return `${lines.join("\n")}\n`;
}

// ---- CSV: reading ---------------------------------------------------------------------------

/** Where a cell is, for error messages: the file, its 1-based line, the column's header name. */
class CellReader {
  private readonly cells: readonly string[];

  constructor(
    private readonly file: string,
    private readonly row: CsvRecord,
    private readonly columns: ReadonlyMap<CsvColumn, number>,
  ) {
    this.cells = row.record;
  }

  /** The row's line is worked out only here: splitting every cell of every row to find it is garbage a scan's timed work pays for in collections. */
  fail(message: string): never {
    throw new ChainFileError(`${this.file} line ${startLine(this.row)}: ${message}`);
  }

  /** The cell's text, trimmed; "" when the column is absent or the cell empty. */
  text(column: CsvColumn): string {
    const index = this.columns.get(column);
    return index === undefined ? "" : (this.cells[index] ?? "");
  }

  /** A number, NaN or an infinity, or undefined for an empty cell; anything else is an error. */
  number(column: CsvColumn): number | undefined {
    const text = this.text(column);
    if (text === "") return undefined;
    const value = parseNumber(text);
    if (value === undefined) this.fail(`${column} ${JSON.stringify(text)} is not a number`);
    return value;
  }

  /** A count of contracts: a whole number, 0 or more; undefined for an empty cell. */
  count(column: CsvColumn): bigint | undefined {
    const text = this.text(column);
    if (text === "") return undefined;
    const whole = /^\+?(\d+)(\.0*)?$/.exec(text);
    if (whole?.[1] === undefined) {
      this.fail(`${column} ${JSON.stringify(text)} is not a whole number of contracts (0 or more)`);
    }
    const value = BigInt(whole[1]);
    if (value >= COUNT_LIMIT) this.fail(`${column} ${text} is too large for a count of contracts`);
    return value;
  }
}

/** uint64's bound, made once rather than per cell. */
const COUNT_LIMIT = 2n ** 64n;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(text: string): number | undefined {
  // A plain decimal first, as nearly every cell is, without the two strings the names cost.
  if (DECIMAL.test(text)) return Number(text);
  const name = text.toLowerCase().replace(/^\+/, "");
  if (name === "nan") return Number.NaN;
  if (name === "inf" || name === "infinity") return Number.POSITIVE_INFINITY;
  if (name === "-inf" || name === "-infinity") return Number.NEGATIVE_INFINITY;
  return undefined;
}

function parseRight(text: string): OptionRight {
  switch (text.toLowerCase()) {
    case "call":
    case "c":
      return OptionRight.OPTION_RIGHT_CALL;
    case "put":
    case "p":
      return OptionRight.OPTION_RIGHT_PUT;
    default:
      // The engine skips and counts a quote whose right it does not know.
      return OptionRight.OPTION_RIGHT_UNSPECIFIED;
  }
}

interface CsvRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

function parseCsvRecords(text: string, file: string): CsvRecord[] {
  try {
    return parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as CsvRecord[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error.lines === "number" ? ` line ${error.lines}` : "";
      throw new ChainFileError(`${file}${line}: not readable as CSV: ${error.message}`);
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

function headerColumns(header: CsvRecord, file: string): Map<CsvColumn, number> {
  const known = new Set<string>([...CSV_QUOTE_COLUMNS, ...CSV_CHAIN_COLUMNS]);
  const columns = new Map<CsvColumn, number>();
  header.record.forEach((name, index) => {
    const column = name.toLowerCase();
    if (!known.has(column)) return; // other screeners' extra columns are fine to carry
    if (columns.has(column as CsvColumn)) throw new ChainFileError(`${file} line ${startLine(header)}: column ${column} appears twice in the header`);
    columns.set(column as CsvColumn, index);
  });
  const missing = CSV_QUOTE_COLUMNS.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new ChainFileError(
      `${file} line ${startLine(header)}: the header lacks ${missing.join(", ")}; a chain CSV has the columns ${CSV_QUOTE_COLUMNS.join(",")}`,
    );
  }
  return columns;
}

/** Parses a CSV chain file's text; `file` names it in error messages. Overrides are not applied. */
export function parseChainCsv(text: string, file: string): OptionChain {
  const [header, ...rows] = parseCsvRecords(text, file);
  if (!header) throw new ChainFileError(`${file} is empty: expected a header line with ${CSV_QUOTE_COLUMNS.join(",")}`);
  const columns = headerColumns(header, file);
  const chain = OptionChain.fromPartial({ source: FILE_SOURCE });
  let symbolLine = 0;
  const filled = new Set<CsvColumn>();
  const expiries = new Map<string, string>();
  for (const row of rows) {
    const cells = new CellReader(file, row, columns);
    if (row.record.length !== header.record.length) {
      cells.fail(`${row.record.length} fields where the header has ${header.record.length}`);
    }
    const ticker = cells.text("ticker").toUpperCase();
    if (ticker !== "" && chain.symbol === "") {
      chain.symbol = ticker;
      symbolLine = startLine(row);
    } else if (ticker !== "" && ticker !== chain.symbol) {
      cells.fail(`ticker ${ticker} differs from ${chain.symbol} on line ${symbolLine}; a chain file holds one underlying`);
    }
    readChainColumns(cells, chain, filled);
    chain.quotes.push(readQuote(cells, expiries));
  }
  return chain;
}

/** Fills the chain-wide values from the first row that has each; later rows may repeat them. */
function readChainColumns(cells: CellReader, chain: OptionChain, filled: Set<CsvColumn>): void {
  const take = (column: CsvColumn): boolean => {
    if (filled.has(column) || cells.text(column) === "") return false;
    filled.add(column);
    return true;
  };
  if (take("underlying_price")) chain.underlyingPrice = cells.number("underlying_price") ?? 0;
  if (take("rate")) chain.rate = cells.number("rate") ?? 0;
  if (take("dividend_yield")) chain.dividendYield = cells.number("dividend_yield") ?? 0;
  if (take("as_of")) {
    const text = cells.text("as_of");
    chain.asOf = parseAsOf(text) ?? cells.fail(`as_of ${JSON.stringify(text)} is not a timestamp like 2025-06-02T14:30:00Z`);
  }
}

/** Open interest as a quote carries it: an empty cell is unknown, which is not 0. */
function openInterestOf(count: bigint | undefined): Pick<OptionQuote, "openInterest" | "openInterestUnknown"> {
  return count === undefined ? { openInterest: 0n, openInterestUnknown: true } : { openInterest: count, openInterestUnknown: false };
}

/**
 * `expiries` maps each expiration cell's text to its date, so that every quote of one
 * expiration holds the very same string: the engine compares each quote's expiry with the
 * previous one's (prepareChain, in the timed preparation of a scan), and two references to one
 * string compare equal at once, where two copies are compared character by character.
 */
function readQuote(cells: CellReader, expiries: Map<string, string>): OptionQuote {
  const strikeText = cells.text("strike");
  if (strikeText === "") cells.fail("strike is empty");
  const expiryText = cells.text("expiration");
  let expiryDate = expiries.get(expiryText);
  if (expiryDate === undefined) {
    expiryDate = parseExpiry(expiryText) ?? cells.fail(`expiration ${JSON.stringify(expiryText)} is not a date like 2025-06-20`);
    expiries.set(expiryText, expiryDate);
  }
  const greeks = [cells.number("delta"), cells.number("gamma"), cells.number("theta"), cells.number("vega")] as const;
  const [delta, gamma, theta, vega] = greeks;
  return OptionQuote.fromPartial({
    expiryDate,
    strike: cells.number("strike"),
    right: parseRight(cells.text("option_type")),
    bid: cells.number("bid") ?? 0,
    ask: cells.number("ask") ?? 0,
    last: cells.number("last") ?? 0,
    volume: cells.count("volume") ?? 0n,
    ...openInterestOf(cells.count("open_interest")),
    impliedVolatility: cells.number("implied_vol"),
    // The Greeks message is all four or none: with any cell empty the engine computes them all.
    greeks:
      delta !== undefined && gamma !== undefined && theta !== undefined && vega !== undefined ? Greeks.fromPartial({ delta, gamma, theta, vega }) : undefined,
  });
}

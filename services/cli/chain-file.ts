// Option chain files, by their extension: CSV in the column layout other open-source option
// screeners read (chain-csv.ts), and the proto3 JSON form of OptionChain. Reading checks only
// what would make the file unreadable; values the engine can judge (a negative strike, a NaN
// price, an unknown right, an expiry in the past) pass through, because the engine skips and
// counts such quotes and says so, which tells the user more than refusing the whole file would.
import { readFile, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { formatChainCsv, parseChainCsv } from "./chain-csv.js";
import { ChainFileError, FILE_SOURCE } from "./chain-file-error.js";

export { CSV_CHAIN_COLUMNS, CSV_QUOTE_COLUMNS, formatChainCsv, parseChainCsv } from "./chain-csv.js";
export { parseAsOf } from "./chain-dates.js";
export { ChainFileError, FILE_SOURCE } from "./chain-file-error.js";

/** What the command line says about a chain; each given value wins over the file's. */
export interface ChainOverrides {
  readonly symbol?: string;
  readonly spot?: number;
  readonly asOf?: Date;
  readonly rate?: number;
  readonly dividendYield?: number;
  /** The clock for a chain with no as-of anywhere; the system clock unless a test says otherwise. */
  readonly now?: () => Date;
}

type ChainFormat = "csv" | "json";

function formatOf(path: string): ChainFormat {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".json") return "json";
  throw new ChainFileError(`${path}: a chain file must end in .csv or .json, not ${JSON.stringify(extension || path)}`);
}

/** Throws unless `path` names a chain format we can write (.csv or .json). */
export function assertChainFilePath(path: string): void {
  formatOf(path);
}

/**
 * Reads a chain from a .csv or .json file and applies the command-line overrides. After
 * them the chain must have a symbol and an underlying price; a chain with no as-of in the
 * file or the overrides is taken to be as of now.
 */
export async function readChainFile(path: string, overrides: ChainOverrides = {}): Promise<OptionChain> {
  const format = formatOf(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ChainFileError(`cannot read chain file ${path}: ${systemMessage(error)}`);
  }
  const chain = format === "csv" ? parseChainCsv(text, path) : parseChainJson(text, path);
  return applyOverrides(chain, path, overrides);
}

/** Writes a chain as proto3 JSON or as CSV, by the extension of `path`. */
export async function writeChainFile(path: string, chain: OptionChain): Promise<void> {
  const text = formatOf(path) === "csv" ? formatChainCsv(chain) : formatChainJson(chain);
  try {
    await writeFile(path, text, "utf8");
  } catch (error) {
    throw new ChainFileError(`cannot write chain file ${path}: ${systemMessage(error)}`);
  }
}

function systemMessage(error: unknown): string {
  if (error instanceof Error && "code" in error && error.code === "ENOENT") return "no such file or directory";
  return error instanceof Error ? error.message : String(error);
}

/**
 * The command line's values over the file's, then the checks a scan needs: a symbol and an
 * underlying price (each error names the flag that supplies it); an as-of of now if none.
 */
export function applyOverrides(chain: OptionChain, file: string, overrides: ChainOverrides = {}): OptionChain {
  const resolved: OptionChain = {
    ...chain,
    symbol: (overrides.symbol ?? chain.symbol).trim().toUpperCase(),
    underlyingPrice: overrides.spot ?? chain.underlyingPrice,
    asOf: overrides.asOf ?? chain.asOf ?? (overrides.now ?? (() => new Date()))(),
    rate: overrides.rate ?? chain.rate,
    dividendYield: overrides.dividendYield ?? chain.dividendYield,
    source: chain.source || FILE_SOURCE,
  };
  if (resolved.symbol === "") throw new ChainFileError(`${file} names no underlying symbol: give it with --symbol`);
  // Proto3 cannot tell an absent price from 0, and no underlying trades at 0.
  if (resolved.underlyingPrice === 0) {
    throw new ChainFileError(`${file} gives no underlying price: give it with --spot (or an underlying_price column)`);
  }
  return resolved;
}

// ---- JSON -----------------------------------------------------------------------------------

/** A chain in canonical proto3 JSON: lowerCamelCase names, enum names, 64-bit integers as strings. */
export function formatChainJson(chain: OptionChain): string {
  return `${JSON.stringify(OptionChain.toJSON(chain), null, 2)}\n`;
}

/** Parses the proto3 JSON form of an OptionChain, as `formatChainJson` writes it. */
export function parseChainJson(text: string, file: string): OptionChain {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ChainFileError(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ChainFileError(`${file}: expected an OptionChain object in proto3 JSON, found ${Array.isArray(value) ? "an array" : typeof value}`);
  }
  const quotes: unknown = (value as Record<string, unknown>).quotes;
  if (quotes !== undefined && !Array.isArray(quotes)) throw new ChainFileError(`${file}: "quotes" must be an array`);
  let chain: OptionChain;
  try {
    chain = OptionChain.fromJSON(value);
  } catch (error) {
    // fromJSON throws on a 64-bit integer that is not a whole number, naming only the text.
    throw new ChainFileError(`${file}: not an OptionChain in proto3 JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (chain.asOf && Number.isNaN(chain.asOf.getTime())) throw new ChainFileError(`${file}: "asOf" is not an RFC 3339 timestamp`);
  chain.quotes.forEach((quote, index) => {
    if (quote.quoteTime && Number.isNaN(quote.quoteTime.getTime())) {
      throw new ChainFileError(`${file}: quotes[${index}].quoteTime is not an RFC 3339 timestamp`);
    }
  });
  return chain;
}

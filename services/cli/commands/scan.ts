// `spreadscan scan --chain FILE`: scans an option chain file with the engine in this process,
// no service needed, and prints the ranked spreads as a table or as the scanner's
// ScanResponse in proto3 JSON.
import { InvalidArgumentError, Option, type Command } from "commander";
import type { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { ScanResponse } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { EngineInputError, resolveQuery, scanChain, type InputViolation } from "../../scanner/engine/index.js";
import { parseAsOf, readChainFile, type ChainOverrides } from "../chain-file.js";
import { addQueryFlags, decimal, queryViolationLines, scanQueryFromFlags } from "../query-flags.js";
import { formatScanTable } from "../scan-table.js";
import { UsageError } from "../usage-error.js";

const CHAIN_GROUP = "Chain file (flags win over the file's values):";
const OUTPUT_GROUP = "Output:";

interface ScanOptions {
  readonly chain: string;
  readonly symbol?: string;
  readonly spot?: number;
  readonly asOf?: Date;
  readonly rate?: number;
  readonly dividendYield?: number;
  readonly json?: boolean;
}

function parseSymbol(text: string): string {
  const symbol = text.trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(symbol)) throw new InvalidArgumentError("expected a ticker like SPY or BRK.B.");
  return symbol;
}

function parseAsOfOption(text: string): Date {
  const asOf = parseAsOf(text.trim());
  if (!asOf) throw new InvalidArgumentError("expected a timestamp like 2025-06-02T14:30:00Z (no zone means New York time).");
  return asOf;
}

/** The flag that overrides each chain field the engine can refuse, and the option holding its value. */
const CHAIN_FIELD_FLAGS: Readonly<Record<string, { readonly flag: string; readonly option: keyof ScanOptions }>> = {
  underlying_price: { flag: "--spot", option: "spot" },
  as_of: { flag: "--as-of", option: "asOf" },
  rate: { flag: "--rate", option: "rate" },
  dividend_yield: { flag: "--dividend-yield", option: "dividendYield" },
};

/** A refused chain field: the flag's fault when the user gave it, otherwise the file's, with the flag that can fix it. */
function chainViolationLine({ field, description }: InputViolation, options: ScanOptions): string {
  const override = Object.hasOwn(CHAIN_FIELD_FLAGS, field) ? CHAIN_FIELD_FLAGS[field] : undefined;
  if (override && options[override.option] !== undefined) return `${override.flag}: ${description}`;
  const fix = override ? ` (or give it with ${override.flag})` : "";
  return `${options.chain}: ${field} ${description}${fix}`;
}

/** Engine fields are under "chain." or "query."; each becomes one line naming what to change. */
function usageErrorFor(error: EngineInputError, options: ScanOptions, flagValues: Readonly<Record<string, unknown>>): UsageError {
  const under = (prefix: string): InputViolation[] =>
    error.violations.filter((violation) => violation.field.startsWith(prefix)).map((violation) => ({ ...violation, field: violation.field.slice(prefix.length) }));
  const unplaced = error.violations.filter((violation) => !/^(chain|query)\./.test(violation.field));
  return new UsageError([
    ...under("chain.").map((violation) => chainViolationLine(violation, options)),
    ...queryViolationLines(under("query."), flagValues),
    ...unplaced.map((violation) => `${violation.field}: ${violation.description}`),
  ]);
}

/** Proto3 JSON has names for the doubles JSON lacks; JSON.stringify would write null. */
function nonFiniteAsName(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

/** The scanner's ScanResponse in canonical proto3 JSON, as grpcurl and `buf curl` print it. */
export function formatScanJson(result: ScanResult): string {
  return `${JSON.stringify(ScanResponse.toJSON({ result }), nonFiniteAsName, 2)}\n`;
}

function scan(chain: OptionChain, query: ScanQuery, options: ScanOptions, flagValues: Readonly<Record<string, unknown>>): ScanResult {
  try {
    return scanChain(chain, query);
  } catch (error) {
    throw error instanceof EngineInputError ? usageErrorFor(error, options, flagValues) : error;
  }
}

/** Adds `scan` to the program. */
export function registerScan(program: Command): Command {
  const command = program
    .command("scan")
    .description("find and rank option spreads in a chain file (made by `spreadscan chain generate`, or CSV from a screener)")
    .addOption(new Option("--chain <file>", "option chain to scan: proto3 JSON (.json) or CSV (.csv)").makeOptionMandatory().helpGroup(CHAIN_GROUP))
    .addOption(new Option("--symbol <ticker>", "underlying ticker, for a file that names none").argParser(parseSymbol).helpGroup(CHAIN_GROUP))
    .addOption(new Option("--spot <price>", "underlying price (dollars per share)").argParser(decimal("600")).helpGroup(CHAIN_GROUP))
    .addOption(
      new Option("--as-of <timestamp>", "the instant the chain describes, RFC 3339; no zone means New York time (default: the file's, else now)")
        .argParser(parseAsOfOption)
        .helpGroup(CHAIN_GROUP),
    )
    .addOption(new Option("--rate <fraction>", "risk-free rate, continuously compounded (annualised fraction, 0.045 = 4.5%)").argParser(decimal("0.045")).helpGroup(CHAIN_GROUP))
    .addOption(
      new Option("--dividend-yield <fraction>", "dividend yield, continuously compounded (annualised fraction)").argParser(decimal("0.013")).helpGroup(CHAIN_GROUP),
    )
    .addOption(new Option("--json", "print the scanner's ScanResponse as proto3 JSON instead of a table").helpGroup(OUTPUT_GROUP));
  addQueryFlags(command);
  return command.action(async (options: ScanOptions, self: Command) => {
    const flagValues = self.opts<Record<string, unknown>>();
    const query = scanQueryFromFlags(flagValues);
    // Check the query before reading a file that may be large, so a typo is reported at once.
    try {
      resolveQuery(query);
    } catch (error) {
      throw error instanceof EngineInputError ? new UsageError(queryViolationLines(error.violations, flagValues)) : error;
    }
    const overrides: ChainOverrides = {
      symbol: options.symbol,
      spot: options.spot,
      asOf: options.asOf,
      rate: options.rate,
      dividendYield: options.dividendYield,
    };
    const chain = await readChainFile(options.chain, overrides);
    const result = scan(chain, query, options, flagValues);
    const width = process.stdout.isTTY ? process.stdout.columns : undefined;
    process.stdout.write(options.json ? formatScanJson(result) : formatScanTable(result, { width }));
  });
}

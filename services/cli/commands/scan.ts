// `spreadscan scan`: one command, two sources. `scan SYMBOL` asks the coordinator (its
// cache, its market data, its scanner) and prints its answer; `scan --chain FILE` scans an
// option chain file with the engine in this process, no service needed. Both print the
// ranked spreads as a table, or the ScanResponse in proto3 JSON.
import { InvalidArgumentError, Option, type Command } from "commander";
import { ScanRequest, ScanResponse as CoordinatorScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { ScanResponse } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { EngineInputError, resolveQuery, scanChain, type InputViolation } from "../../engine/index.js";
import { parseAsOf, readChainFile, type ChainOverrides } from "../chain-file.js";
import { decimal } from "../query-flag-parsers.js";
import { addQueryFlags, scanQueryFromFlags } from "../query-flags.js";
import { queryViolationLines } from "../query-violation-lines.js";
import { addConnectionFlags, noCacheOption, outputWidth, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatScanTable } from "../scan-table.js";
import { addCsvFlag, spreadCsvHeader, spreadCsvRows } from "../spread-csv.js";
import { durationToMs, formatElapsed } from "../time-format.js";
import { UsageError } from "../usage-error.js";

const CHAIN_GROUP = "Chain file, scanned offline (flags win over the file's values):";

interface FileScanOptions {
  readonly chain: string;
  readonly symbol?: string;
  readonly spot?: number;
  readonly asOf?: Date;
  readonly rate?: number;
  readonly dividendYield?: number;
  readonly json?: boolean;
  readonly csv?: boolean;
}

/** A ticker argument or flag, upper-cased: every command that names a symbol parses it so. */
export function parseSymbol(text: string): string {
  const symbol = text.trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(symbol)) throw new InvalidArgumentError("expected a ticker like SPY or BRK.B.");
  return symbol;
}

function parseAsOfOption(text: string): Date {
  const asOf = parseAsOf(text.trim());
  if (!asOf) throw new InvalidArgumentError("expected a timestamp like 2025-06-02T14:30:00Z (no zone means New York time).");
  return asOf;
}

interface ScanOptions extends Omit<FileScanOptions, "chain">, ConnectionOptions {
  readonly chain?: string;
  readonly cache: boolean;
}

/** The flag that overrides each chain field the engine can refuse, and the option holding its value. */
const CHAIN_FIELD_FLAGS: Readonly<Record<string, { readonly flag: string; readonly option: keyof FileScanOptions }>> = {
  underlying_price: { flag: "--spot", option: "spot" },
  as_of: { flag: "--as-of", option: "asOf" },
  rate: { flag: "--rate", option: "rate" },
  dividend_yield: { flag: "--dividend-yield", option: "dividendYield" },
};

/** A refused chain field: the flag's fault when the user gave it, otherwise the file's, with the flag that can fix it. */
function chainViolationLine({ field, description }: InputViolation, options: FileScanOptions): string {
  const override = Object.hasOwn(CHAIN_FIELD_FLAGS, field) ? CHAIN_FIELD_FLAGS[field] : undefined;
  if (override && options[override.option] !== undefined) return `${override.flag}: ${description}`;
  const fix = override ? ` (or give it with ${override.flag})` : "";
  return `${options.chain}: ${field} ${description}${fix}`;
}

/** Engine fields are under "chain." or "query."; each becomes one line naming what to change. */
function usageErrorFor(error: EngineInputError, options: FileScanOptions, flagValues: Readonly<Record<string, unknown>>): UsageError {
  const under = (prefix: string): InputViolation[] =>
    error.violations
      .filter((violation) => violation.field.startsWith(prefix))
      .map((violation) => ({ ...violation, field: violation.field.slice(prefix.length) }));
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

function scan(chain: OptionChain, query: ScanQuery, options: FileScanOptions, flagValues: Readonly<Record<string, unknown>>): ScanResult {
  try {
    return scanChain(chain, query);
  } catch (error) {
    throw error instanceof EngineInputError ? usageErrorFor(error, options, flagValues) : error;
  }
}

/** Reads the chain file and scans it here: the offline scan, exactly as before the coordinator existed. */
async function scanFile(options: FileScanOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
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
  process.stdout.write(options.csv ? spreadsCsv(result.spreads) : options.json ? formatScanJson(result) : formatScanTable(result, { width }));
}

/** The header, then a row per spread. */
function spreadsCsv(spreads: readonly Spread[]): string {
  return spreadCsvHeader() + spreadCsvRows(spreads);
}

/** Where a coordinator's result came from, as `ScanResponse` and `ScanBatchResponse` say it. */
export interface ScanOrigin {
  readonly jobId: string;
  readonly cacheHit: boolean;
  readonly stale?: boolean;
  readonly ageMs?: number;
}

/** One line: the job, cache hit or fresh, and a warning when the result is stale. */
export function formatScanOrigin({ jobId, cacheHit, stale = false, ageMs }: ScanOrigin): string {
  const age = ageMs === undefined ? "" : `, computed ${formatElapsed(ageMs)} ago`;
  const parts = [`job ${jobId === "" ? "—" : jobId}`, cacheHit ? `cache hit${age}` : "fresh scan"];
  // A stale result is served only because the scanner is down: say so where it cannot be missed.
  if (stale) parts.push(`STALE: the scanner could not be reached; this result is ${ageMs === undefined ? "of unknown age" : `${formatElapsed(ageMs)} old`}`);
  return parts.join(" · ");
}

function formatOrigin(response: CoordinatorScanResponse): string {
  return formatScanOrigin({
    jobId: response.jobId,
    cacheHit: response.cacheHit,
    stale: response.stale,
    ...(response.age ? { ageMs: durationToMs(response.age) } : {}),
  });
}

/** The coordinator's answer as the table, then the line saying where it came from. */
export function formatCoordinatorScan(response: CoordinatorScanResponse, width: number | undefined): string {
  const origin = formatOrigin(response);
  const table = response.result ? formatScanTable(response.result, { width }) : "The coordinator sent no result.\n";
  return `${table}${origin}\n`;
}

async function scanThroughCoordinator(symbol: string, options: ScanOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const request = ScanRequest.fromPartial({ symbol, query: scanQueryFromFlags(flagValues), bypassCache: !options.cache });
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.coordinator.scan.bind(connection.coordinator), request),
  );
  if (options.csv) {
    // The CSV holds only spreads; a stale result must still not pass unnoticed.
    if (response.stale) process.stderr.write(`${formatOrigin(response)}\n`);
    process.stdout.write(spreadsCsv(response.result?.spreads ?? []));
    return;
  }
  process.stdout.write(
    options.json
      ? protoJsonDocument(CoordinatorScanResponse, "spreadscan.coordinator.v1.ScanResponse", response)
      : formatCoordinatorScan(response, outputWidth()),
  );
}

/** Flags that only one of the two sources reads, by option key. */
const FILE_ONLY = [
  ["symbol", "--symbol"],
  ["spot", "--spot"],
  ["asOf", "--as-of"],
  ["rate", "--rate"],
  ["dividendYield", "--dividend-yield"],
] as const;
const COORDINATOR_ONLY = [
  ["addr", "--addr"],
  ["timeout", "--timeout"],
  ["tls", "--tls"],
  ["ca", "--ca"],
  ["cert", "--cert"],
  ["key", "--key"],
  ["serverName", "--server-name"],
  ["apiKey", "--api-key"],
  ["cache", "--no-cache"],
] as const;

const onlyApply = (flags: readonly string[]): string => `${flags.join(", ")} ${flags.length === 1 ? "applies" : "apply"} only`;

/** Adds `scan` to the program. */
export function registerScan(program: Command): Command {
  const command = program
    .command("scan")
    .argument("[symbol]", "underlying ticker to scan through the coordinator, like SPY (leave out with --chain)", parseSymbol)
    .description(
      "find and rank option spreads: on a SYMBOL through the coordinator, or offline in a chain file " +
        "(made by `spreadscan chain generate`, or CSV from a screener)",
    )
    .addOption(new Option("--chain <file>", "option chain to scan offline: proto3 JSON (.json) or CSV (.csv)").helpGroup(CHAIN_GROUP))
    .addOption(new Option("--symbol <ticker>", "underlying ticker, for a file that names none").argParser(parseSymbol).helpGroup(CHAIN_GROUP))
    .addOption(new Option("--spot <price>", "underlying price (dollars per share)").argParser(decimal("600")).helpGroup(CHAIN_GROUP))
    .addOption(
      new Option("--as-of <timestamp>", "the instant the chain describes, RFC 3339; no zone means New York time (default: the file's, else now)")
        .argParser(parseAsOfOption)
        .helpGroup(CHAIN_GROUP),
    )
    .addOption(
      new Option("--rate <fraction>", "risk-free rate, continuously compounded (annualised fraction, 0.045 = 4.5%)")
        .argParser(decimal("0.045"))
        .helpGroup(CHAIN_GROUP),
    )
    .addOption(
      new Option("--dividend-yield <fraction>", "dividend yield, continuously compounded (annualised fraction)")
        .argParser(decimal("0.013"))
        .helpGroup(CHAIN_GROUP),
    )
    .addOption(noCacheOption());
  addConnectionFlags(command, {
    json: "print the ScanResponse as proto3 JSON instead of a table: the coordinator's for SYMBOL, the scanner's for --chain",
  });
  addCsvFlag(command);
  addQueryFlags(command);
  command.addHelpText(
    "after",
    "\nExit status: 0 done; 2 bad usage, an unreadable file, or a query or symbol the coordinator refused " +
      "(INVALID_ARGUMENT, NOT_FOUND); 1 any other failure (no coordinator, a failed TLS handshake, UNAVAILABLE, " +
      "DEADLINE_EXCEEDED, UNAUTHENTICATED, PERMISSION_DENIED, ...).\n",
  );
  return command.action(async (symbol: string | undefined, options: ScanOptions, self: Command) => {
    const flagValues = self.opts<Record<string, unknown>>();
    if (options.chain !== undefined) {
      if (symbol !== undefined) {
        self.error(`error: give SYMBOL to scan through the coordinator or --chain to scan a file, not both (a file's ticker is set with --symbol)`);
      }
      const remote = COORDINATOR_ONLY.filter(([key]) => self.getOptionValueSource(key) === "cli").map(([, flag]) => flag);
      if (remote.length > 0) self.error(`error: ${onlyApply(remote)} to a scan through the coordinator (SYMBOL), not to --chain`);
      await scanFile({ ...options, chain: options.chain }, flagValues);
      return;
    }
    if (symbol === undefined) {
      // Names the --chain requirement in commander's own words, which the offline scan has always printed.
      self.error(
        "error: required option '--chain <file>' not specified, and no SYMBOL given: " +
          "`spreadscan scan SYMBOL` scans through the coordinator, `spreadscan scan --chain FILE` scans a file offline",
      );
    }
    const local = FILE_ONLY.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
    if (local.length > 0) self.error(`error: ${onlyApply(local)} to a chain file (--chain), not to a scan through the coordinator`);
    await scanThroughCoordinator(symbol, options, flagValues);
  });
}

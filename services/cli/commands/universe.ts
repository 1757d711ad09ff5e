// `spreadscan universe SYMBOL... | --watchlist NAME`: one query over many symbols through the
// coordinator's ScanUniverse, printed as one table of the merged top N with a symbol column,
// then a line for each symbol that was not simply scanned (stale, or failed and why), then a
// count of each outcome. A failed symbol does not fail the others; the exit status says
// whether any did, as `batch`'s does.
import { Option, type Command } from "commander";
import { ScanUniverseRequest, ScanUniverseResponse, SymbolScanState, type SymbolScan } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { appliedQueryParts } from "../applied-query.js";
import { CommandFailure, EXIT_STATUS } from "../command-failure.js";
import {
  addConnectionFlags,
  noCacheOption,
  outputWidth,
  statusCodeName,
  statusLines,
  withCoordinator,
  type ConnectionOptions,
} from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonDocument } from "../proto-json.js";
import { addQueryFlags, scanQueryFromFlags } from "../query-flags.js";
import { formatSpreadsTable } from "../scan-table.js";
import { durationToMs, formatElapsed } from "../time-format.js";
import { collectSymbols } from "./batch.js";

interface UniverseOptions extends ConnectionOptions {
  readonly cache: boolean;
  readonly watchlist?: string;
  readonly perSymbol?: number;
}

/** One line for a symbol that was not simply scanned: stale with its age, or failed with its status (and its details, indented). */
function outcomeLines(symbol: SymbolScan, flagValues: Readonly<Record<string, unknown>>): string[] {
  if (symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_STALE) {
    const age = symbol.age ? `${formatElapsed(durationToMs(symbol.age))} old` : "of unknown age";
    return [`${symbol.symbol}: STALE: the scanner could not be reached; its result is ${age} (job ${symbol.jobId})`];
  }
  if (symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_FAILED) {
    const error = symbol.error;
    if (!error) return [`${symbol.symbol}: failed, the coordinator did not say why`];
    const [first, ...rest] = statusLines(
      error.code,
      error.message,
      error.fieldViolations,
      error.retryDelay ? durationToMs(error.retryDelay) : undefined,
      flagValues,
    );
    return [`${symbol.symbol}: ${first ?? ""}`, ...rest.map((line) => `  ${line}`)];
  }
  return [];
}

function countOf(response: ScanUniverseResponse, state: SymbolScanState): number {
  return response.symbols.filter((symbol) => symbol.state === state).length;
}

/** The answer for people: what was scanned and how, the merged table, the symbols not simply scanned, the counts. */
export function formatUniverse(
  response: ScanUniverseResponse,
  perSymbol: number,
  flagValues: Readonly<Record<string, unknown>>,
  width: number | undefined,
): string {
  const query = response.symbols.find((symbol) => symbol.result?.effectiveQuery)?.result?.effectiveQuery;
  const head = [
    `${response.watchlist === "" ? "Universe" : `Watchlist ${response.watchlist}`} of ${response.symbols.length} symbols`,
    ...(query ? appliedQueryParts(query) : []),
    `${response.spreads.length} shown${perSymbol > 0 ? `, at most ${perSymbol} per symbol` : ""}`,
  ].join(" · ");
  const table = response.spreads.length === 0 ? "No spreads passed the filters.\n" : formatSpreadsTable(response.spreads, { width, symbolColumn: true });
  const outcomes = response.symbols.flatMap((symbol) => outcomeLines(symbol, flagValues));
  const counts =
    `${response.symbols.length} symbols: ${countOf(response, SymbolScanState.SYMBOL_SCAN_STATE_SCANNED)} scanned, ` +
    `${countOf(response, SymbolScanState.SYMBOL_SCAN_STATE_STALE)} stale, ${countOf(response, SymbolScanState.SYMBOL_SCAN_STATE_FAILED)} failed`;
  return `${head}\n${table}${outcomes.map((line) => `${line}\n`).join("")}${counts}\n`;
}

async function universe(symbols: readonly string[], options: UniverseOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const perSymbol = options.perSymbol ?? 0;
  const request = ScanUniverseRequest.fromPartial({
    symbols: [...symbols],
    watchlist: options.watchlist ?? "",
    query: scanQueryFromFlags(flagValues),
    perSymbolLimit: perSymbol,
    bypassCache: !options.cache,
  });
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.coordinator.scanUniverse.bind(connection.coordinator), request),
  );
  process.stdout.write(
    options.json
      ? protoJsonDocument(ScanUniverseResponse, "spreadscan.coordinator.v1.ScanUniverseResponse", response)
      : formatUniverse(response, perSymbol, flagValues, outputWidth()),
  );
  throwWhenSymbolsFailed(response);
}

/** Exit status 3, naming each failed symbol, when some failed: how `universe` and `saved run` end. */
export function throwWhenSymbolsFailed(response: ScanUniverseResponse): void {
  const failed = response.symbols.filter((symbol) => symbol.state === SymbolScanState.SYMBOL_SCAN_STATE_FAILED);
  if (failed.length > 0) {
    const list = failed.map((symbol) => `${symbol.symbol} (${symbol.error ? statusCodeName(symbol.error.code) : "no status"})`).join(", ");
    throw new CommandFailure([`${failed.length} of ${response.symbols.length} symbols failed: ${list}`], EXIT_STATUS.partial);
  }
}

/** Adds `universe` to the program. */
export function registerUniverse(program: Command): Command {
  const command = program
    .command("universe")
    .argument("[symbols...]", "underlying tickers, like SPY QQQ IWM (or SPY,QQQ,IWM); leave out with --watchlist", collectSymbols)
    .description("rank option spreads across many symbols with one query through the coordinator: one merged top N (--limit), each row with its symbol")
    .addOption(new Option("--watchlist <name>", "scan the symbols of this watchlist of yours instead of listing them"))
    .addOption(
      new Option("--per-symbol <spreads>", "at most this many spreads of one symbol in the merged list (default: no cap)").argParser(wholeNumberFrom(1, "3")),
    )
    .addOption(noCacheOption());
  addConnectionFlags(command, { json: "print the ScanUniverseResponse as proto3 JSON instead of a table" });
  addQueryFlags(command);
  command.addHelpText(
    "after",
    "\nExit status: 0 every symbol scanned (stale ones included); 3 the scan ran but some symbols failed (each is listed " +
      "after the table with its error, and on stderr); 2 a request the coordinator refused (INVALID_ARGUMENT, an unknown " +
      "watchlist) or bad usage; 1 any other failure of the call.\n",
  );
  return command.action(async (symbols: string[], options: UniverseOptions, self: Command) => {
    if (symbols.length > 0 === (options.watchlist !== undefined)) {
      self.error("error: give the symbols to scan (SPY QQQ ...) or --watchlist NAME, one of the two");
    }
    // The coordinator takes each symbol once; asking twice is not an error worth stopping for.
    await universe([...new Set(symbols)], options, self.opts<Record<string, unknown>>());
  });
}

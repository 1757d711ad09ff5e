// `spreadscan universe SYMBOL... | --watchlist NAME`: one query over many symbols through the
// coordinator's ScanUniverse, printed as one table of the merged top N with a symbol column,
// then a line for each symbol that was not simply scanned (stale, or failed and why), then a
// count of each outcome. A failed symbol does not fail the others; the exit status says
// whether any did, as `batch`'s does. With --watch, the live merged top N through
// WatchUniverse instead (universe-watch.ts).
import { Option, type Command } from "commander";
import { ScanUniverseRequest, ScanUniverseResponse, SymbolScanState } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { CommandFailure, EXIT_STATUS } from "../command-failure.js";
import { addConnectionFlags, noCacheOption, outputWidth, statusCodeName, withCoordinator } from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonDocument } from "../proto-json.js";
import { addCsvFlag, spreadCsvHeader, spreadCsvRows } from "../spread-csv.js";
import { addQueryFlags, scanQueryFromFlags } from "../query-flags.js";
import { collectSymbols } from "./batch.js";
import { formatUniverse } from "./universe-format.js";
import { watchUniverse, type UniverseWatchOptions } from "./universe-watch.js";

// Where `saved run` has always found it.
export { formatUniverse } from "./universe-format.js";

interface UniverseOptions extends UniverseWatchOptions {
  readonly cache: boolean;
  readonly watch?: boolean;
  readonly csv?: boolean;
}

const WATCH_GROUP = "Watch (with --watch):";

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
    options.csv
      ? spreadCsvHeader() + spreadCsvRows(response.spreads)
      : options.json
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
    .addOption(noCacheOption())
    .addOption(new Option("--watch", "stream the live merged top N (WatchUniverse), redrawn on every change, until Ctrl-C").helpGroup(WATCH_GROUP))
    .addOption(
      new Option("--interval <ms>", "fewest milliseconds between two frames after the first (default: the coordinator's)")
        .argParser(wholeNumberFrom(0, "500"))
        .helpGroup(WATCH_GROUP),
    )
    .addOption(
      new Option("--count <frames>", "stop after this many frames (default: run until Ctrl-C)").argParser(wholeNumberFrom(1, "3")).helpGroup(WATCH_GROUP),
    )
    .addOption(new Option("--redraw", "redraw each frame over the previous one (default: when the output is a terminal)").helpGroup(WATCH_GROUP))
    .addOption(new Option("--no-redraw", "print each frame below the previous one").helpGroup(WATCH_GROUP));
  addConnectionFlags(command, {
    json: "print the ScanUniverseResponse as proto3 JSON instead of a table (with --watch: each WatchUniverseResponse, one per line)",
  });
  addCsvFlag(command);
  addQueryFlags(command);
  command.addHelpText(
    "after",
    "\nExit status: 0 every symbol scanned (stale ones included); 3 the scan ran but some symbols failed (each is listed " +
      "after the table with its error, and on stderr); 2 a request the coordinator refused (INVALID_ARGUMENT, an unknown " +
      "watchlist) or bad usage; 1 any other failure of the call.\n" +
      "With --watch: the first frame comes once every symbol has its first top N or has failed (at most 100 symbols); each " +
      "frame says what was added and removed since the one before, and which symbols' market data is not live. A symbol " +
      "whose feed fails shows FAILED while the others go on. Exit status 0 when stopped by Ctrl-C or --count.\n",
  );
  return command.action(async (symbols: string[], options: UniverseOptions, self: Command) => {
    if (symbols.length > 0 === (options.watchlist !== undefined)) {
      self.error("error: give the symbols to scan (SPY QQQ ...) or --watchlist NAME, one of the two");
    }
    const watchOnly = (["interval", "count"] as const).filter((flag) => options[flag] !== undefined);
    if (!options.watch && watchOnly.length > 0) self.error(`error: --${watchOnly[0] ?? ""} goes with --watch`);
    if (options.watch && options.csv) self.error("error: --csv prints one merged top N; use --json with --watch for a stream");
    const flagValues = self.opts<Record<string, unknown>>();
    // The coordinator takes each symbol once; asking twice is not an error worth stopping for.
    if (options.watch) await watchUniverse([...new Set(symbols)], scanQueryFromFlags(flagValues), options, flagValues);
    else await universe([...new Set(symbols)], options, flagValues);
  });
}

// `spreadscan watch SYMBOL`: the coordinator's live top N for a symbol. In a terminal the
// table redraws in place as updates arrive; to a file or pipe each update is a block of its
// own, or with --json a line of JSON, so the output can be followed, logged or parsed.
// Ctrl-C (or --count) ends it, with status 0: stopping a watch is how a watch is used.
// When the symbol's market data stops being live (unavailable, delayed, frozen) the coordinator
// says so on the initial update, or on an update that repeats the top N last sent (the next
// sequence number, nothing added or removed): printed as a line of its own when it changes,
// with the repeat's header alone (its table is the one above), and kept above the table while
// it lasts when redrawing.
import { clearScreenDown, cursorTo, moveCursor } from "node:readline";
import { Option, type Command } from "commander";
import { WatchSpreadsRequest, WatchSpreadsResponse, type MarketDataStatus } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { SpreadsUpdate } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CommandFailure, EXIT_STATUS } from "../command-failure.js";
import { addConnectionFlags, outputWidth, readStream, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonLine } from "../proto-json.js";
import { addQueryFlags, scanQueryFromFlags } from "../query-flags.js";
import { formatScanTable } from "../scan-table.js";
import { formatMarketDataStatus, isNotLive } from "../market-data-status-line.js";
import { formatElapsed, formatInstant } from "../time-format.js";
import { parseSymbol } from "./scan.js";

const STREAM_GROUP = "Stream:";

interface WatchOptions extends ConnectionOptions {
  readonly interval?: number;
  readonly count?: number;
  readonly redraw?: boolean;
}

/** The line above each update's table: which update, of which chain, and what changed. */
export function formatUpdateHeader(update: SpreadsUpdate): string {
  const result = update.result;
  const parts = [
    `update ${update.sequence}${update.initial ? " (initial)" : ""}`,
    `chain version ${result?.chainVersion ?? 0n}`,
    `as of ${formatInstant(result?.chainAsOf)}`,
    `${update.addedIds.length} added, ${update.removedIds.length} removed`,
  ];
  return parts.join(" · ");
}

/** An update that repeats the top N to carry a market data status: its header only, as the table is the one before. */
export function formatRepeatHeader(update: SpreadsUpdate): string {
  return `update ${update.sequence} · top N unchanged`;
}

/** One update: the header, the table, then the ids that came and went (the first update has nothing to compare with). */
export function formatUpdate(update: SpreadsUpdate, width: number | undefined): string {
  const table = update.result ? formatScanTable(update.result, { width }) : "No result in this update.\n";
  const changes = update.initial
    ? []
    : [
        ...(update.addedIds.length > 0 ? [`added:   ${update.addedIds.join(", ")}`] : []),
        ...(update.removedIds.length > 0 ? [`removed: ${update.removedIds.join(", ")}`] : []),
      ];
  return `${formatUpdateHeader(update)}\n${table}${changes.map((line) => `${line}\n`).join("")}`;
}

/** Terminal rows `text` takes, counting lines the terminal wraps; a line per line when the width is unknown. */
function rowsOf(text: string, columns: number | undefined): number {
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  if (columns === undefined || columns <= 0) return lines.length;
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / columns)), 0);
}

/** Writes each update over the previous one, with node:readline's cursor movements. */
export class InPlaceWriter {
  private rows = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  write(text: string): void {
    if (this.rows > 0) {
      const screenRows = this.out.isTTY ? this.out.rows : undefined;
      // The cursor cannot go above the screen: a block taller than it is redrawn from the top.
      if (screenRows !== undefined && this.rows >= screenRows) cursorTo(this.out, 0, 0);
      else moveCursor(this.out, 0, -this.rows);
      clearScreenDown(this.out);
    }
    this.out.write(text);
    this.rows = rowsOf(text, this.out.isTTY ? this.out.columns : undefined);
  }
}

async function watch(symbol: string, options: WatchOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const request = WatchSpreadsRequest.fromPartial({ symbol, query: scanQueryFromFlags(flagValues), minIntervalMs: options.interval ?? 0 });
  const redraw = !options.json && (options.redraw ?? process.stdout.isTTY);
  const inPlace = new InPlaceWriter(process.stdout);

  await withCoordinator(options, flagValues, async (connection) => {
    // No deadline on the call: a watch runs until stopped. --timeout bounds the wait for the first update.
    const call = connection.coordinator.watchSpreads(request);
    // --count counts update messages: every message, a repeat that carries a status too, so
    // that --count N ends after update N (and after N lines of --json).
    let updates = 0;
    // Set by the timer; cast so the check after the await is not narrowed to its initial value.
    let firstUpdateLate = false as boolean;
    let marketData: MarketDataStatus | undefined;
    let lastUpdate: string | undefined;
    /** The block redrawn in place: the market data line while it is not live, then the latest update. */
    const screen = (): string => `${isNotLive(marketData) ? `${formatMarketDataStatus(marketData)}\n` : ""}${lastUpdate ?? ""}`;

    const reading = readStream(call, (message: WatchSpreadsResponse) => {
      if (options.json) process.stdout.write(protoJsonLine(WatchSpreadsResponse, "spreadscan.coordinator.v1.WatchSpreadsResponse", message));
      const { update, status } = message;
      if (status) marketData = status;
      const statusLine = status && !redraw && !options.json ? `${formatMarketDataStatus(status)}\n` : "";
      // A status without an update (a coordinator of an earlier version sent them so) is no update: not counted.
      if (!update) {
        if (redraw && status) inPlace.write(screen());
        else if (statusLine) process.stdout.write(`${statusLine}\n`);
        return;
      }
      updates += 1;
      clearTimeout(firstUpdateTimer);
      // A status after the initial update comes on a repeat of the top N: the table on screen stands.
      const repeat = status !== undefined && !update.initial && lastUpdate !== undefined;
      if (!repeat) lastUpdate = formatUpdate(update, outputWidth());
      if (redraw) inPlace.write(screen());
      else if (!options.json) process.stdout.write(`${statusLine}${repeat ? `${formatRepeatHeader(update)}\n\n` : `${lastUpdate}\n`}`);
      if (options.count !== undefined && updates >= options.count) reading.stop();
    });
    const firstUpdateTimer = setTimeout(() => {
      firstUpdateLate = true;
      reading.stop();
    }, connection.timeoutMs);

    const stop = (): void => reading.stop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      await reading.done;
    } finally {
      clearTimeout(firstUpdateTimer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    if (firstUpdateLate) {
      throw new CommandFailure(
        [`DEADLINE_EXCEEDED: no update from the coordinator at ${connection.address} within ${formatElapsed(connection.timeoutMs)} (raise --timeout)`],
        EXIT_STATUS.failure,
      );
    }
  });
}

/** Adds `watch` to the program. */
export function registerWatch(program: Command): Command {
  const command = program
    .command("watch")
    .argument("<symbol>", "underlying ticker, like SPY", parseSymbol)
    .description("stream the live top spreads of a symbol from the coordinator, redrawn in place in a terminal, until Ctrl-C")
    .addOption(
      new Option("--interval <ms>", "fewest milliseconds between two updates after the first (default: the coordinator's)")
        .argParser(wholeNumberFrom(0, "500"))
        .helpGroup(STREAM_GROUP),
    )
    .addOption(
      new Option("--count <updates>", "stop after this many updates, those that carry a market data status included (default: run until Ctrl-C)")
        .argParser(wholeNumberFrom(1, "3"))
        .helpGroup(STREAM_GROUP),
    )
    .addOption(new Option("--redraw", "redraw each update over the previous one (default: when the output is a terminal)").helpGroup(STREAM_GROUP))
    .addOption(new Option("--no-redraw", "print each update below the previous one").helpGroup(STREAM_GROUP));
  addConnectionFlags(command, {
    json: "print each WatchSpreadsResponse as proto3 JSON, one per line",
    timeout: "longest wait for the first update (seconds, or with a unit: 500ms, 30s, 2m); the stream then runs until stopped",
  });
  addQueryFlags(command);
  command.addHelpText(
    "after",
    "\nEach update shows its sequence number, the chain version and as-of it was computed from, and the spread ids added and removed." +
      "\nWhen the symbol's market data is unavailable, delayed or frozen, a line says so (and since when, and why); another says when it is live again." +
      "\nA change of that state after the first update comes on an update that repeats the top N (its header says 'top N unchanged');" +
      "\n--count counts it as any update, so --count N ends after update N (and --json after N lines)." +
      "\nExit status: 0 when stopped by Ctrl-C, --count or the coordinator; 2 a query or symbol the coordinator refused; 1 any other failure.\n",
  );
  return command.action(async (symbol: string, options: WatchOptions, self: Command) => {
    await watch(symbol, options, self.opts<Record<string, unknown>>());
  });
}

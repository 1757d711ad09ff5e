// `spreadscan universe ... --watch`: the coordinator's WatchUniverse, the live merged top N of
// the symbols (or a watchlist's). Each message is drawn as `universe` draws its answer (the
// merged table with a symbol column, the symbols that failed and why, the counts) under a
// header saying which message it is and what changed, with a line for each symbol whose market
// data is not live. In a terminal each frame redraws the one before (as `watch` does); to a file
// or pipe each is a block of its own, or with --json a line of JSON. Ctrl-C (or --count) ends
// it, with status 0.
import { WatchUniverseRequest, WatchUniverseResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { CommandFailure, EXIT_STATUS } from "../command-failure.js";
import { outputWidth, readStream, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { formatMarketDataStatus } from "../market-data-status-line.js";
import { protoJsonLine } from "../proto-json.js";
import { formatElapsed, formatInstant } from "../time-format.js";
import { formatUniverse } from "./universe-format.js";
import { InPlaceWriter } from "./watch.js";

export interface UniverseWatchOptions extends ConnectionOptions {
  readonly watchlist?: string;
  readonly perSymbol?: number;
  readonly interval?: number;
  readonly count?: number;
  readonly redraw?: boolean;
}

/** One message: which it is and what changed, the symbols not live, then the universe's table and outcomes. */
export function formatUniverseFrame(
  message: WatchUniverseResponse,
  watchlist: string,
  perSymbol: number,
  flagValues: Readonly<Record<string, unknown>>,
  width: number | undefined,
): string {
  const header = [
    `update ${message.sequence}${message.initial ? " (initial)" : ""}`,
    `as of ${formatInstant(message.updateTime)}`,
    `${message.addedIds.length} added, ${message.removedIds.length} removed`,
  ].join(" · ");
  const marketData = message.marketData.map((status) => `${formatMarketDataStatus(status)}\n`).join("");
  const body = formatUniverse({ spreads: message.spreads, symbols: message.symbols, watchlist }, perSymbol, flagValues, width);
  // As `watch` prints them: the snapshot has nothing to compare with.
  const changes = message.initial
    ? []
    : [
        ...(message.addedIds.length > 0 ? [`added:   ${message.addedIds.join(", ")}`] : []),
        ...(message.removedIds.length > 0 ? [`removed: ${message.removedIds.join(", ")}`] : []),
      ];
  return `${header}\n${marketData}${body}${changes.map((line) => `${line}\n`).join("")}`;
}

export async function watchUniverse(
  symbols: readonly string[],
  query: ScanQuery,
  options: UniverseWatchOptions,
  flagValues: Readonly<Record<string, unknown>>,
): Promise<void> {
  const perSymbol = options.perSymbol ?? 0;
  const request = WatchUniverseRequest.fromPartial({
    symbols: [...symbols],
    watchlist: options.watchlist ?? "",
    query,
    perSymbolLimit: perSymbol,
    minIntervalMs: options.interval ?? 0,
  });
  const redraw = !options.json && (options.redraw ?? process.stdout.isTTY);
  const inPlace = new InPlaceWriter(process.stdout);

  await withCoordinator(options, flagValues, async (connection) => {
    // No deadline on the call: a watch runs until stopped. --timeout bounds the wait for the first message.
    const call = connection.coordinator.watchUniverse(request);
    let frames = 0;
    // Set by the timer; cast so the check after the await is not narrowed to its initial value.
    let firstLate = false as boolean;
    const reading = readStream(call, (message: WatchUniverseResponse) => {
      frames += 1;
      clearTimeout(firstTimer);
      if (options.json) {
        process.stdout.write(protoJsonLine(WatchUniverseResponse, "spreadscan.coordinator.v1.WatchUniverseResponse", message));
      } else {
        const frame = formatUniverseFrame(message, options.watchlist ?? "", perSymbol, flagValues, outputWidth());
        if (redraw) inPlace.write(frame);
        else process.stdout.write(`${frame}\n`);
      }
      if (options.count !== undefined && frames >= options.count) reading.stop();
    });
    const firstTimer = setTimeout(() => {
      firstLate = true;
      reading.stop();
    }, connection.timeoutMs);

    const stop = (): void => reading.stop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      await reading.done;
    } finally {
      clearTimeout(firstTimer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    if (firstLate) {
      throw new CommandFailure(
        [`DEADLINE_EXCEEDED: no message from the coordinator at ${connection.address} within ${formatElapsed(connection.timeoutMs)} (raise --timeout)`],
        EXIT_STATUS.failure,
      );
    }
  });
}

// `spreadscan batch SYMBOL...`: one query over many symbols through the coordinator's
// ScanBatch, each symbol's result (or why it has none) printed as soon as it arrives. A
// symbol that fails does not stop the others; the exit status says whether any did.
import { Metadata } from "@grpc/grpc-js";
import type { Command } from "commander";
import { ScanBatchRequest, ScanBatchResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { CommandFailure, EXIT_STATUS } from "../command-failure.js";
import {
  addConnectionFlags,
  noCacheOption,
  outputWidth,
  readStream,
  statusCodeName,
  statusLines,
  withCoordinator,
  type ConnectionOptions,
} from "../coordinator-connection.js";
import { protoJsonLine } from "../proto-json.js";
import { addQueryFlags, scanQueryFromFlags } from "../query-flags.js";
import { formatScanTable } from "../scan-table.js";
import { addCsvFlag, spreadCsvHeader, spreadCsvRows } from "../spread-csv.js";
import { durationToMs } from "../time-format.js";
import { formatScanOrigin, parseSymbol } from "./scan.js";

interface BatchOptions extends ConnectionOptions {
  readonly cache: boolean;
  readonly csv?: boolean;
}

export function collectSymbols(text: string, previous: readonly string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...text
      .split(",")
      .filter((part) => part.trim() !== "")
      .map(parseSymbol),
  ];
}

/** One symbol's outcome for people: its origin line and table, or its error and what to do about it. */
export function formatBatchEntry(entry: ScanBatchResponse, flagValues: Readonly<Record<string, unknown>>, width: number | undefined): string {
  if (entry.result) {
    const origin = formatScanOrigin({
      jobId: entry.jobId,
      cacheHit: entry.cacheHit,
      stale: entry.stale,
      ...(entry.age ? { ageMs: durationToMs(entry.age) } : {}),
    });
    return `${entry.symbol}: ${origin}\n${formatScanTable(entry.result, { width })}\n`;
  }
  if (entry.error) {
    const { code, message, fieldViolations, retryDelay } = entry.error;
    const [first, ...rest] = statusLines(code, message, fieldViolations, retryDelay ? durationToMs(retryDelay) : undefined, flagValues);
    return `${entry.symbol}: ${first ?? ""}\n${rest.map((line) => `  ${line}\n`).join("")}\n`;
  }
  return `${entry.symbol}: the coordinator sent neither a result nor an error\n\n`;
}

/**
 * A symbol's spreads as CSV rows (ranked within the symbol; each row names its symbol), after the header
 * when it is the first to arrive. Stdout stays CSV alone: a failed or stale symbol is said on stderr.
 */
function writeCsvEntry(entry: ScanBatchResponse, first: boolean, flagValues: Readonly<Record<string, unknown>>): void {
  if (first) process.stdout.write(spreadCsvHeader());
  if (entry.result) {
    if (entry.stale) {
      const ageMs = entry.age ? durationToMs(entry.age) : undefined;
      process.stderr.write(
        `${entry.symbol}: ${formatScanOrigin({ jobId: entry.jobId, cacheHit: entry.cacheHit, stale: true, ...(ageMs === undefined ? {} : { ageMs }) })}\n`,
      );
    }
    process.stdout.write(spreadCsvRows(entry.result.spreads));
  } else {
    process.stderr.write(formatBatchEntry(entry, flagValues, undefined));
  }
}

async function batch(symbols: readonly string[], options: BatchOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const request = ScanBatchRequest.fromPartial({ symbols: [...symbols], query: scanQueryFromFlags(flagValues), bypassCache: !options.cache });
  const failed = new Map<string, string>();
  const answered = new Set<string>();

  await withCoordinator(options, flagValues, async (connection) => {
    // One deadline for the whole batch: --timeout is how long the user is willing to wait for all of it.
    const call = connection.coordinator.scanBatch(request, new Metadata(), { deadline: connection.deadline() });
    const reading = readStream(call, (entry: ScanBatchResponse) => {
      answered.add(entry.symbol);
      if (!entry.result) failed.set(entry.symbol, entry.error ? statusCodeName(entry.error.code) : "no result");
      if (options.csv) {
        writeCsvEntry(entry, answered.size === 1, flagValues);
        return;
      }
      process.stdout.write(
        options.json
          ? protoJsonLine(ScanBatchResponse, "spreadscan.coordinator.v1.ScanBatchResponse", entry)
          : formatBatchEntry(entry, flagValues, outputWidth()),
      );
    });
    await reading.done;
  });

  for (const symbol of symbols) if (!answered.has(symbol)) failed.set(symbol, "no answer");
  if (failed.size > 0) {
    const list = [...failed].map(([symbol, why]) => `${symbol} (${why})`).join(", ");
    throw new CommandFailure([`${failed.size} of ${symbols.length} symbols failed: ${list}`], EXIT_STATUS.partial);
  }
}

/** Adds `batch` to the program. */
export function registerBatch(program: Command): Command {
  const command = program
    .command("batch")
    .argument("<symbols...>", "underlying tickers, like SPY QQQ IWM (or SPY,QQQ,IWM)", collectSymbols)
    .description("scan many symbols with one query through the coordinator, printing each result as it completes")
    .addOption(noCacheOption());
  addConnectionFlags(command, {
    json: "print each ScanBatchResponse as proto3 JSON, one per line",
    timeout: "deadline of the whole batch (seconds, or with a unit: 500ms, 30s, 2m)",
  });
  addCsvFlag(command);
  addQueryFlags(command);
  command.addHelpText(
    "after",
    "\nExit status: 0 every symbol scanned; 3 the batch ran but some symbols failed (each is printed with its error, " +
      "and listed on stderr); 2 a query the coordinator refused (INVALID_ARGUMENT) or bad usage; 1 any other failure of the call.\n",
  );
  return command.action(async (symbols: string[], options: BatchOptions, self: Command) => {
    // The coordinator takes each symbol once; asking twice is not an error worth stopping for.
    await batch([...new Set(symbols)], options, self.opts<Record<string, unknown>>());
  });
}

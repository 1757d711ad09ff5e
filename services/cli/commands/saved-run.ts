// `spreadscan saved run NAME`: runs a saved scan of yours now, printed as `universe` prints
// (the merged top N with a symbol column, each symbol not simply scanned, the counts), under
// a line naming the saved scan; exit 3 when some symbol failed, as `universe`.
import type { Command } from "commander";
import { RunSavedScanRequest, RunSavedScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, noCacheOption, outputWidth, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatInstant } from "../time-format.js";
import { formatUniverse, throwWhenSymbolsFailed } from "./universe.js";

interface RunOptions extends ConnectionOptions {
  readonly cache: boolean;
}

async function runSavedScan(name: string, options: RunOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.savedScans.runSavedScan.bind(connection.savedScans), RunSavedScanRequest.fromPartial({ name, bypassCache: !options.cache })),
  );
  const { savedScan, result } = response;
  if (options.json) {
    process.stdout.write(protoJsonDocument(RunSavedScanResponse, "spreadscan.coordinator.v1.RunSavedScanResponse", response));
  } else if (result) {
    process.stdout.write(`Saved scan ${name} (updated ${formatInstant(savedScan?.updateTime, { toSeconds: true })})\n`);
    process.stdout.write(formatUniverse(result, savedScan?.perSymbolLimit ?? 0, flagValues, outputWidth()));
  }
  if (result) throwWhenSymbolsFailed(result);
}

/** Adds `run` to the `saved` group. */
export function registerSavedRun(saved: Command): Command {
  const command = saved
    .command("run")
    .argument("<name>", "the saved scan's name")
    .description("run a saved scan now and print its merged top N, as `universe` prints")
    .addOption(noCacheOption());
  addConnectionFlags(command, { json: "print the RunSavedScanResponse as proto3 JSON instead of a table" });
  command.addHelpText(
    "after",
    "\nExit status: 0 every symbol scanned (stale ones included); 3 the scan ran but some symbols failed; 2 a saved scan or " +
      "watchlist you have none of (NOT_FOUND) or bad usage; 1 any other failure of the call.\n",
  );
  return command.action(async (name: string, options: RunOptions, self: Command) => {
    await runSavedScan(name, options, self.opts<Record<string, unknown>>());
  });
}

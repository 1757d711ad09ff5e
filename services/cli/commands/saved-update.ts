// `spreadscan saved update NAME (SYMBOL... | --watchlist NAME) [query flags]`: replaces every
// setting of a saved scan of yours, as `saved create` would set them. Its alert events go on from
// their last sequence, and a webhook given without a new secret keeps the one stored.
import type { Command } from "commander";
import { UpdateSavedScanRequest, UpdateSavedScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, withCoordinator } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { addQueryFlags } from "../query-flags.js";
import { formatSavedScan } from "./saved-format.js";
import { addSavedScanArguments, checkSavedScanFlags, savedScanFromFlags, type SavedScanOptions } from "./saved-scan-flags.js";

async function updateSavedScan(name: string, symbols: string[], options: SavedScanOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const request = UpdateSavedScanRequest.fromPartial({ savedScan: savedScanFromFlags(name, symbols, options, flagValues) });
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.savedScans.updateSavedScan.bind(connection.savedScans), request),
  );
  if (options.json) process.stdout.write(protoJsonDocument(UpdateSavedScanResponse, "spreadscan.coordinator.v1.UpdateSavedScanResponse", response));
  else if (response.savedScan) process.stdout.write(formatSavedScan(response.savedScan));
}

/** Adds `update` to the `saved` group. */
export function registerSavedUpdate(saved: Command): Command {
  const command = addSavedScanArguments(
    saved
      .command("update")
      .description(
        "replace every setting of a saved scan with these (as `saved create` takes them; flags left out go back to their defaults, and no alert flag turns alerts off); alert sequences go on (NOT_FOUND when you have none of that name)",
      ),
    "a new key to sign events with, 16 to 256 characters; left out, a webhook keeps the secret stored (flags show in `ps`: prefer the variable)",
  );
  addConnectionFlags(command, { json: "print the UpdateSavedScanResponse as proto3 JSON" });
  addQueryFlags(command);
  return command.action(async (name: string, symbols: string[], options: SavedScanOptions, self: Command) => {
    checkSavedScanFlags(symbols, options, self);
    await updateSavedScan(name, symbols, options, self.opts<Record<string, unknown>>());
  });
}

// `spreadscan saved create NAME (SYMBOL... | --watchlist NAME) [query flags]`: a new saved scan
// of yours, with the query flags of `scan`, a per-symbol cap, and how it alerts.
import type { Command } from "commander";
import { CreateSavedScanRequest, CreateSavedScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, withCoordinator } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { addQueryFlags } from "../query-flags.js";
import { formatSavedScan } from "./saved-format.js";
import { addSavedScanArguments, checkSavedScanFlags, savedScanFromFlags, type SavedScanOptions } from "./saved-scan-flags.js";

export { WEBHOOK_SECRET_ENV } from "./saved-scan-flags.js";

async function createSavedScan(name: string, symbols: string[], options: SavedScanOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const request = CreateSavedScanRequest.fromPartial({ savedScan: savedScanFromFlags(name, symbols, options, flagValues) });
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.savedScans.createSavedScan.bind(connection.savedScans), request),
  );
  if (options.json) process.stdout.write(protoJsonDocument(CreateSavedScanResponse, "spreadscan.coordinator.v1.CreateSavedScanResponse", response));
  else if (response.savedScan) process.stdout.write(formatSavedScan(response.savedScan));
}

/** Adds `create` to the `saved` group. */
export function registerSavedCreate(saved: Command): Command {
  const command = addSavedScanArguments(
    saved
      .command("create")
      .description("save a scan: symbols or a watchlist, a query (the flags of `scan`), and how it alerts (ALREADY_EXISTS when you have one of that name)"),
    "the key events are signed with, 16 to 256 characters (flags show in `ps`: prefer the variable)",
  );
  addConnectionFlags(command, { json: "print the CreateSavedScanResponse as proto3 JSON" });
  addQueryFlags(command);
  return command.action(async (name: string, symbols: string[], options: SavedScanOptions, self: Command) => {
    checkSavedScanFlags(symbols, options, self);
    await createSavedScan(name, symbols, options, self.opts<Record<string, unknown>>());
  });
}

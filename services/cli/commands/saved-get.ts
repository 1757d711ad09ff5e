// `spreadscan saved get NAME`: one saved scan of yours (its webhook's secret is never shown).
import type { Command } from "commander";
import { GetSavedScanRequest, GetSavedScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatSavedScan } from "./saved-format.js";

async function getSavedScan(name: string, options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.savedScans.getSavedScan.bind(connection.savedScans), GetSavedScanRequest.fromPartial({ name })),
  );
  if (options.json) process.stdout.write(protoJsonDocument(GetSavedScanResponse, "spreadscan.coordinator.v1.GetSavedScanResponse", response));
  else if (response.savedScan) process.stdout.write(formatSavedScan(response.savedScan));
}

/** Adds `get` to the `saved` group. */
export function registerSavedGet(saved: Command): Command {
  const command = saved
    .command("get")
    .argument("<name>", "the saved scan's name")
    .description("show one saved scan: what it scans, its query, alerts and times");
  addConnectionFlags(command, { json: "print the GetSavedScanResponse as proto3 JSON" });
  return command.action(async (name: string, options: ConnectionOptions, self: Command) => {
    await getSavedScan(name, options, self.opts<Record<string, unknown>>());
  });
}

// `spreadscan saved delete NAME`: removes a saved scan of yours, with its alert events.
import type { Command } from "commander";
import { DeleteSavedScanRequest, DeleteSavedScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";

async function deleteSavedScan(name: string, options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.savedScans.deleteSavedScan.bind(connection.savedScans), DeleteSavedScanRequest.fromPartial({ name })),
  );
  if (options.json) process.stdout.write(protoJsonDocument(DeleteSavedScanResponse, "spreadscan.coordinator.v1.DeleteSavedScanResponse", response));
  else process.stdout.write(`Deleted saved scan ${name}.\n`);
}

/** Adds `delete` to the `saved` group. */
export function registerSavedDelete(saved: Command): Command {
  const command = saved
    .command("delete")
    .argument("<name>", "the saved scan's name")
    .description("delete a saved scan with its alert events (NOT_FOUND when you have none of that name)");
  addConnectionFlags(command, { json: "print the DeleteSavedScanResponse as proto3 JSON" });
  return command.action(async (name: string, options: ConnectionOptions, self: Command) => {
    await deleteSavedScan(name, options, self.opts<Record<string, unknown>>());
  });
}

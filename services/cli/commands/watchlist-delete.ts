// `spreadscan watchlist delete NAME`: removes a watchlist of yours.
import type { Command } from "commander";
import { DeleteWatchlistRequest, DeleteWatchlistResponse } from "../../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";

async function deleteWatchlist(name: string, options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.watchlists.deleteWatchlist.bind(connection.watchlists), DeleteWatchlistRequest.fromPartial({ name })),
  );
  if (options.json) process.stdout.write(protoJsonDocument(DeleteWatchlistResponse, "spreadscan.coordinator.v1.DeleteWatchlistResponse", response));
  else process.stdout.write(`Deleted watchlist ${name}.\n`);
}

/** Adds `delete` to the `watchlist` group. */
export function registerWatchlistDelete(watchlist: Command): Command {
  const command = watchlist
    .command("delete")
    .argument("<name>", "the watchlist's name")
    .description("delete a watchlist (NOT_FOUND when you have none of that name)");
  addConnectionFlags(command, { json: "print the DeleteWatchlistResponse as proto3 JSON" });
  return command.action(async (name: string, options: ConnectionOptions, self: Command) => {
    await deleteWatchlist(name, options, self.opts<Record<string, unknown>>());
  });
}

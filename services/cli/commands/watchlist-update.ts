// `spreadscan watchlist update NAME SYMBOL...`: replaces the symbols of a watchlist of yours.
import type { Command } from "commander";
import { UpdateWatchlistRequest, UpdateWatchlistResponse } from "../../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatWatchlist } from "./watchlist-format.js";

async function updateWatchlist(name: string, symbols: string[], options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.watchlists.updateWatchlist.bind(connection.watchlists), UpdateWatchlistRequest.fromPartial({ watchlist: { name, symbols } })),
  );
  if (options.json) process.stdout.write(protoJsonDocument(UpdateWatchlistResponse, "spreadscan.coordinator.v1.UpdateWatchlistResponse", response));
  else if (response.watchlist) process.stdout.write(formatWatchlist(response.watchlist));
}

/** Adds `update` to the `watchlist` group. */
export function registerWatchlistUpdate(watchlist: Command): Command {
  const command = watchlist
    .command("update")
    .argument("<name>", "the watchlist to change")
    .argument("<symbols...>", "its new symbols, 1 to 500, replacing all the old ones")
    .description("replace a watchlist's symbols (NOT_FOUND when you have none of that name)");
  addConnectionFlags(command, { json: "print the UpdateWatchlistResponse as proto3 JSON" });
  return command.action(async (name: string, symbols: string[], options: ConnectionOptions, self: Command) => {
    await updateWatchlist(name, symbols, options, self.opts<Record<string, unknown>>());
  });
}

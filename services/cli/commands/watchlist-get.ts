// `spreadscan watchlist get NAME`: one watchlist of yours, every symbol.
import type { Command } from "commander";
import { GetWatchlistRequest, GetWatchlistResponse } from "../../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatWatchlist } from "./watchlist-format.js";

async function getWatchlist(name: string, options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.watchlists.getWatchlist.bind(connection.watchlists), GetWatchlistRequest.fromPartial({ name })),
  );
  if (options.json) process.stdout.write(protoJsonDocument(GetWatchlistResponse, "spreadscan.coordinator.v1.GetWatchlistResponse", response));
  else if (response.watchlist) process.stdout.write(formatWatchlist(response.watchlist));
}

/** Adds `get` to the `watchlist` group. */
export function registerWatchlistGet(watchlist: Command): Command {
  const command = watchlist.command("get").argument("<name>", "the watchlist's name").description("show one watchlist: its symbols and times");
  addConnectionFlags(command, { json: "print the GetWatchlistResponse as proto3 JSON" });
  return command.action(async (name: string, options: ConnectionOptions, self: Command) => {
    await getWatchlist(name, options, self.opts<Record<string, unknown>>());
  });
}

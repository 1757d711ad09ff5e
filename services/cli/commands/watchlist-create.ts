// `spreadscan watchlist create NAME SYMBOL...`: a new watchlist of yours.
import type { Command } from "commander";
import { CreateWatchlistRequest, CreateWatchlistResponse } from "../../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatWatchlist } from "./watchlist-format.js";

async function createWatchlist(name: string, symbols: string[], options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.watchlists.createWatchlist.bind(connection.watchlists), CreateWatchlistRequest.fromPartial({ watchlist: { name, symbols } })),
  );
  if (options.json) process.stdout.write(protoJsonDocument(CreateWatchlistResponse, "spreadscan.coordinator.v1.CreateWatchlistResponse", response));
  else if (response.watchlist) process.stdout.write(formatWatchlist(response.watchlist));
}

/** Adds `create` to the `watchlist` group. */
export function registerWatchlistCreate(watchlist: Command): Command {
  const command = watchlist
    .command("create")
    .argument("<name>", "1 to 64 letters, digits, '.', '_' or '-'; unique among your watchlists")
    .argument("<symbols...>", "1 to 500 tickers, in the order to keep (upper-cased; a repeat is kept once)")
    .description("create a watchlist (ALREADY_EXISTS when you have one of that name: `watchlist update` changes it)");
  addConnectionFlags(command, { json: "print the CreateWatchlistResponse as proto3 JSON" });
  return command.action(async (name: string, symbols: string[], options: ConnectionOptions, self: Command) => {
    await createWatchlist(name, symbols, options, self.opts<Record<string, unknown>>());
  });
}

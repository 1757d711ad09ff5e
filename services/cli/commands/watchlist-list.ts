// `spreadscan watchlist` (or `watchlist list`): your watchlists by name, as a table.
import { Option, type Command } from "commander";
import { ListWatchlistsRequest, ListWatchlistsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatWatchlistTable } from "./watchlist-format.js";
import { collectPages } from "../collect-pages.js";

const LIST_GROUP = "Selection:";

interface ListOptions extends ConnectionOptions {
  readonly pageSize?: number;
  readonly pageToken?: string;
  readonly all?: boolean;
}

async function listWatchlists(options: ListOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const { items: watchlists, nextPageToken } = await withCoordinator(options, flagValues, (connection) =>
    collectPages(options.pageToken ?? "", options.all === true, async (pageToken) => {
      const page = await connection.unary(
        connection.watchlists.listWatchlists.bind(connection.watchlists),
        ListWatchlistsRequest.fromPartial({ pageSize: options.pageSize ?? 0, pageToken }),
      );
      return { items: page.watchlists, nextPageToken: page.nextPageToken };
    }),
  );

  if (options.json) {
    process.stdout.write(protoJsonDocument(ListWatchlistsResponse, "spreadscan.coordinator.v1.ListWatchlistsResponse", { watchlists, nextPageToken }));
    return;
  }
  process.stdout.write(formatWatchlistTable(watchlists));
  if (nextPageToken !== "") process.stderr.write(`spreadscan: more watchlists: add --page-token ${nextPageToken} for the next page, or --all for every one\n`);
}

/** Adds `list` to the `watchlist` group, as its default: `spreadscan watchlist` lists. */
export function registerWatchlistList(watchlist: Command): Command {
  const command = watchlist
    .command("list", { isDefault: true })
    .description("list your watchlists by name: name, symbol count, first symbols, last update (the default of `watchlist`)")
    .addOption(
      new Option("--page-size <watchlists>", "most watchlists per page (default: the coordinator's, 50; at most 500)")
        .argParser(wholeNumberFrom(1, "50"))
        .helpGroup(LIST_GROUP),
    )
    .addOption(new Option("--page-token <token>", "the page after the one that printed this token").helpGroup(LIST_GROUP))
    .addOption(new Option("--all", "every page, not only the first").helpGroup(LIST_GROUP));
  addConnectionFlags(command, { json: "print the ListWatchlistsResponse as proto3 JSON (with --all, every page's watchlists in one)" });
  return command.action(async (options: ListOptions, self: Command) => {
    await listWatchlists(options, self.opts<Record<string, unknown>>());
  });
}

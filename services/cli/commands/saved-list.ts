// `spreadscan saved` (or `saved list`): your saved scans by name, as a table.
import { Option, type Command } from "commander";
import { ListSavedScansRequest, ListSavedScansResponse } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatSavedScanTable } from "./saved-format.js";
import { collectPages } from "../collect-pages.js";

const LIST_GROUP = "Selection:";

interface ListOptions extends ConnectionOptions {
  readonly pageSize?: number;
  readonly pageToken?: string;
  readonly all?: boolean;
}

async function listSavedScans(options: ListOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const { items: savedScans, nextPageToken } = await withCoordinator(options, flagValues, (connection) =>
    collectPages(options.pageToken ?? "", options.all === true, async (pageToken) => {
      const page = await connection.unary(
        connection.savedScans.listSavedScans.bind(connection.savedScans),
        ListSavedScansRequest.fromPartial({ pageSize: options.pageSize ?? 0, pageToken }),
      );
      return { items: page.savedScans, nextPageToken: page.nextPageToken };
    }),
  );

  if (options.json) {
    process.stdout.write(protoJsonDocument(ListSavedScansResponse, "spreadscan.coordinator.v1.ListSavedScansResponse", { savedScans, nextPageToken }));
    return;
  }
  process.stdout.write(formatSavedScanTable(savedScans));
  if (nextPageToken !== "") process.stderr.write(`spreadscan: more saved scans: add --page-token ${nextPageToken} for the next page, or --all for every one\n`);
}

/** Adds `list` to the `saved` group, as its default: `spreadscan saved` lists. */
export function registerSavedList(saved: Command): Command {
  const command = saved
    .command("list", { isDefault: true })
    .description("list your saved scans by name: name, what each scans, how often it alerts, last update (the default of `saved`)")
    .addOption(
      new Option("--page-size <saved-scans>", "most saved scans per page (default: the coordinator's, 50; at most 500)")
        .argParser(wholeNumberFrom(1, "50"))
        .helpGroup(LIST_GROUP),
    )
    .addOption(new Option("--page-token <token>", "the page after the one that printed this token").helpGroup(LIST_GROUP))
    .addOption(new Option("--all", "every page, not only the first").helpGroup(LIST_GROUP));
  addConnectionFlags(command, { json: "print the ListSavedScansResponse as proto3 JSON (with --all, every page's saved scans in one)" });
  return command.action(async (options: ListOptions, self: Command) => {
    await listSavedScans(options, self.opts<Record<string, unknown>>());
  });
}

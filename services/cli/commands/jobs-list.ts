// `spreadscan jobs` (or `jobs list`): the coordinator's scan jobs, newest first, as a table.
import { Option, type Command } from "commander";
import { ListJobsRequest, ListJobsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { JobState } from "../../../gen/ts/spreadscan/coordinator/v1/job.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { collectJobStates, formatJobTable, JOB_STATE_NAMES } from "../job-format.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonDocument } from "../proto-json.js";
import { collectPages } from "../collect-pages.js";

const LIST_GROUP = "Selection:";

interface ListOptions extends ConnectionOptions {
  readonly state?: JobState[];
  readonly pageSize?: number;
  readonly pageToken?: string;
  readonly all?: boolean;
}

async function listJobs(options: ListOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const { items: jobs, nextPageToken } = await withCoordinator(options, flagValues, (connection) =>
    collectPages(options.pageToken ?? "", options.all === true, async (pageToken) => {
      const page = await connection.unary(
        connection.coordinator.listJobs.bind(connection.coordinator),
        ListJobsRequest.fromPartial({ states: options.state ?? [], pageSize: options.pageSize ?? 0, pageToken }),
      );
      return { items: page.jobs, nextPageToken: page.nextPageToken };
    }),
  );

  if (options.json) {
    process.stdout.write(protoJsonDocument(ListJobsResponse, "spreadscan.coordinator.v1.ListJobsResponse", { jobs, nextPageToken }));
    return;
  }
  process.stdout.write(formatJobTable(jobs, new Date()));
  if (nextPageToken !== "") process.stderr.write(`spreadscan: more jobs: add --page-token ${nextPageToken} for the next page, or --all for every one\n`);
}

/** Adds `list` to the `jobs` group, as its default: `spreadscan jobs` lists. */
export function registerJobsList(jobs: Command): Command {
  const command = jobs
    .command("list", { isDefault: true })
    .description("list scan jobs, newest first: id, state, symbol, created, duration, error (the default of `jobs`)")
    .addOption(
      new Option("--state <state>", `only jobs in this state, repeatable or comma-separated: ${[...JOB_STATE_NAMES.values()].join(", ")}`)
        .argParser(collectJobStates)
        .helpGroup(LIST_GROUP),
    )
    .addOption(
      new Option("--page-size <jobs>", "most jobs per page (default: the coordinator's, 50)").argParser(wholeNumberFrom(1, "50")).helpGroup(LIST_GROUP),
    )
    .addOption(new Option("--page-token <token>", "the page after the one that printed this token").helpGroup(LIST_GROUP))
    .addOption(new Option("--all", "every page, not only the first").helpGroup(LIST_GROUP));
  addConnectionFlags(command, { json: "print the ListJobsResponse as proto3 JSON (with --all, every page's jobs in one)" });
  return command.action(async (options: ListOptions, self: Command) => {
    await listJobs(options, self.opts<Record<string, unknown>>());
  });
}

// `spreadscan jobs get JOB`: one job in full, with its result's table once it has succeeded.
import type { Command } from "commander";
import { GetJobRequest, GetJobResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { addConnectionFlags, outputWidth, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { formatJobDetails } from "../job-format.js";
import { protoJsonDocument } from "../proto-json.js";

async function getJob(jobId: string, options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.coordinator.getJob.bind(connection.coordinator), GetJobRequest.fromPartial({ jobId })),
  );
  if (options.json) {
    process.stdout.write(protoJsonDocument(GetJobResponse, "spreadscan.coordinator.v1.GetJobResponse", response));
  } else if (response.job) {
    process.stdout.write(formatJobDetails(response.job, new Date(), outputWidth()));
  } else {
    process.stdout.write(`The coordinator sent no job for ${jobId}.\n`);
  }
}

/** Adds `get` to the `jobs` group. */
export function registerJobsGet(jobs: Command): Command {
  const command = jobs
    .command("get")
    .argument("<job>", "job id, as `jobs submit`, `jobs` or `scan` print it")
    .description("show one job: its state, times, error, and its spreads once it has succeeded");
  addConnectionFlags(command, { json: "print the GetJobResponse as proto3 JSON" });
  return command.action(async (jobId: string, options: ConnectionOptions, self: Command) => {
    await getJob(jobId, options, self.opts<Record<string, unknown>>());
  });
}

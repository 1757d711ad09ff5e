// `spreadscan cancel JOB` (also `jobs cancel JOB`): cancels a queued or running job and
// prints the state it ended in. A job that had already finished keeps its state; that is
// reported, not treated as an error, so cancelling twice is harmless.
import type { Command } from "commander";
import { CancelJobRequest, CancelJobResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState } from "../../../gen/ts/spreadscan/coordinator/v1/job.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { jobStateName } from "../job-format.js";
import { protoJsonDocument } from "../proto-json.js";

async function cancel(jobId: string, options: ConnectionOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.coordinator.cancelJob.bind(connection.coordinator), CancelJobRequest.fromPartial({ jobId })),
  );
  if (options.json) {
    process.stdout.write(protoJsonDocument(CancelJobResponse, "spreadscan.coordinator.v1.CancelJobResponse", response));
    return;
  }
  const state = response.job?.state ?? JobState.JOB_STATE_UNSPECIFIED;
  const note = state === JobState.JOB_STATE_CANCELLED ? "" : " (it had already finished; nothing to cancel)";
  process.stdout.write(`${response.job?.id ?? jobId}: ${jobStateName(state)}${note}\n`);
}

/** Adds `cancel` to `parent`: the program, and the `jobs` group. */
export function registerCancel(parent: Command): Command {
  const command = parent
    .command("cancel")
    .argument("<job>", "job id, as `jobs submit`, `jobs` or `scan` print it")
    .description("cancel a queued or running scan job and print the state it ended in");
  addConnectionFlags(command, { json: "print the CancelJobResponse as proto3 JSON" });
  return command.action(async (jobId: string, options: ConnectionOptions, self: Command) => {
    await cancel(jobId, options, self.opts<Record<string, unknown>>());
  });
}

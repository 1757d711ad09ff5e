// `spreadscan jobs watch [JOB]`: job state changes as the coordinator reports them, one line
// each (or one JSON line). Given a job, it ends when that job reaches a final state;
// otherwise it runs until Ctrl-C or --count.
import { Option, type Command } from "commander";
import { GetJobRequest, WatchJobEventsRequest, WatchJobEventsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { addConnectionFlags, readStream, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { formatJobEvent, isFinalState, jobStateName } from "../job-format.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonLine } from "../proto-json.js";

interface JobsWatchOptions extends ConnectionOptions {
  readonly count?: number;
}

async function watchJobs(jobId: string | undefined, options: JobsWatchOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  await withCoordinator(options, flagValues, async (connection) => {
    const client = connection.coordinator;
    const call = client.watchJobEvents(WatchJobEventsRequest.fromPartial({ jobId: jobId ?? "" }));
    let received = 0;
    const reading = readStream(call, (event: WatchJobEventsResponse) => {
      received += 1;
      process.stdout.write(
        options.json ? protoJsonLine(WatchJobEventsResponse, "spreadscan.coordinator.v1.WatchJobEventsResponse", event) : formatJobEvent(event),
      );
      const jobDone = jobId !== undefined && event.job !== undefined && isFinalState(event.job.state);
      if (jobDone || (options.count !== undefined && received >= options.count)) reading.stop();
    });
    const stop = (): void => reading.stop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      if (jobId !== undefined) {
        // A job that finished before the stream started sends no more events: ask for its state,
        // and stop at once if it is final (also the way an unknown id is reported).
        try {
          const current = await connection.unary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId }));
          if (current.job && isFinalState(current.job.state)) {
            reading.stop();
            if (received === 0) process.stderr.write(`spreadscan: job ${jobId} has already finished: ${jobStateName(current.job.state)}\n`);
          }
        } catch (error) {
          reading.stop();
          // The stream may fail for the same reason; that second report is not wanted.
          await reading.done.catch(() => undefined);
          throw error;
        }
      }
      await reading.done;
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  });
}

/** Adds `watch` to the `jobs` group. */
export function registerJobsWatch(jobs: Command): Command {
  const command = jobs
    .command("watch")
    .argument("[job]", "only this job's events, until it reaches a final state (default: every job's, until Ctrl-C)")
    .description("stream job state changes: sequence, time, job, symbol, previous → new state, error")
    .addOption(new Option("--count <events>", "stop after this many events").argParser(wholeNumberFrom(1, "10")).helpGroup("Stream:"));
  addConnectionFlags(command, {
    json: "print each WatchJobEventsResponse as proto3 JSON, one per line",
    timeout: "deadline of the job lookup (seconds, or with a unit: 500ms, 30s, 2m); the stream runs until stopped",
  });
  return command.action(async (jobId: string | undefined, options: JobsWatchOptions, self: Command) => {
    await watchJobs(jobId, options, self.opts<Record<string, unknown>>());
  });
}

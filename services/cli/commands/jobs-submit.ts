// `spreadscan jobs submit SYMBOL`: queues a scan job on the coordinator and returns at once.
// Its id goes to stdout alone, so a script can keep it: id=$(spreadscan jobs submit SPY).
import type { Command } from "commander";
import { SubmitScanRequest, SubmitScanResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { addConnectionFlags, noCacheOption, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { jobStateName } from "../job-format.js";
import { protoJsonDocument } from "../proto-json.js";
import { addQueryFlags, scanQueryFromFlags } from "../query-flags.js";
import { parseSymbol } from "./scan.js";

interface SubmitOptions extends ConnectionOptions {
  readonly cache: boolean;
}

async function submit(symbol: string, options: SubmitOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const request = SubmitScanRequest.fromPartial({ symbol, query: scanQueryFromFlags(flagValues), bypassCache: !options.cache });
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.coordinator.submitScan.bind(connection.coordinator), request),
  );
  if (options.json) {
    process.stdout.write(protoJsonDocument(SubmitScanResponse, "spreadscan.coordinator.v1.SubmitScanResponse", response));
    return;
  }
  const job = response.job;
  const id = job?.id ?? "";
  process.stdout.write(`${id}\n`);
  process.stderr.write(
    `spreadscan: job ${id} ${job ? jobStateName(job.state) : "accepted"}: scan of ${symbol}; ` +
      `follow it with \`spreadscan jobs watch ${id}\`, read it with \`spreadscan jobs get ${id}\`\n`,
  );
}

/** Adds `submit` to the `jobs` group. */
export function registerJobsSubmit(jobs: Command): Command {
  const command = jobs
    .command("submit")
    .argument("<symbol>", "underlying ticker, like SPY", parseSymbol)
    .description("queue a scan job and print its id at once")
    .addOption(noCacheOption());
  addConnectionFlags(command, { json: "print the SubmitScanResponse as proto3 JSON instead of the job id" });
  addQueryFlags(command);
  return command.action(async (symbol: string, options: SubmitOptions, self: Command) => {
    await submit(symbol, options, self.opts<Record<string, unknown>>());
  });
}

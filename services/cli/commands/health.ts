// `spreadscan health`: grpc.health.v1 Check of the coordinator, for people and for scripts
// (`spreadscan health && ...`): prints the status, exits 0 only when it is SERVING.
import { Option, type Command } from "commander";
import {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  healthCheckResponse_ServingStatusToJSON,
} from "../../../gen/ts/grpc/health/v1/health.js";
import { CommandFailure, EXIT_STATUS } from "../command-failure.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { protoJsonDocument } from "../proto-json.js";

interface HealthOptions extends ConnectionOptions {
  readonly service?: string;
}

/** Adds `health` to the program. */
export function registerHealth(program: Command): Command {
  const command = program
    .command("health")
    .description("ask the coordinator whether it is serving (grpc.health.v1 Check)")
    .addOption(
      new Option("--service <name>", "a service's own status, like spreadscan.coordinator.v1.CoordinatorService (default: the server's overall status)"),
    );
  addConnectionFlags(command, { json: "print the HealthCheckResponse as proto3 JSON" });
  command.addHelpText(
    "after",
    "\nExit status: 0 SERVING; 1 any other status, or no answer; 2 a service the coordinator does not know (NOT_FOUND) or bad usage.\n",
  );
  return command.action(async (options: HealthOptions, self: Command) => {
    const response = await withCoordinator(options, self.opts<Record<string, unknown>>(), (connection) =>
      connection.unary(connection.health.check.bind(connection.health), HealthCheckRequest.fromPartial({ service: options.service ?? "" })),
    );
    process.stdout.write(
      options.json
        ? protoJsonDocument(HealthCheckResponse, "grpc.health.v1.HealthCheckResponse", response)
        : `${healthCheckResponse_ServingStatusToJSON(response.status)}\n`,
    );
    // The answer is already on stdout; the status alone tells a script it is not SERVING.
    if (response.status !== HealthCheckResponse_ServingStatus.SERVING) throw new CommandFailure([], EXIT_STATUS.failure);
  });
}

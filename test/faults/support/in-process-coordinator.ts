// The coordinator assembled in this process, as services/coordinator/main.ts assembles it
// (its MARKET_DATA=simulated branch) and from the same environment variables, so that a test
// can reach the simulated market's fault switch (setAvailable) that a process does not
// expose. Its log lines go to an array the test can read, rather than to stdout.
import { loadConfig } from "../../../services/common/config.js";
import { createServiceBase } from "../../../services/common/service-base.js";
import { coordinatorConfig, coordinatorVariables } from "../../../services/coordinator/config.js";
import { assembleCoordinator } from "../../../services/coordinator/coordinator-assembly.js";
import { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";
import type { LogLine } from "../../support/echo-server.js";
import { withDataDir } from "../../support/temporary-data-dir.js";

export interface InProcessCoordinator {
  readonly market: SimulatedMarket;
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly address: string;
  readonly logs: LogLine[];
  close(): Promise<void>;
}

/**
 * Starts a coordinator on free loopback ports. `env` holds the coordinator's environment
 * variables, as the process would read them (SCANNER_ADDR at least).
 */
export async function startInProcessCoordinator(env: Record<string, string>): Promise<InProcessCoordinator> {
  const config = coordinatorConfig(
    loadConfig(coordinatorVariables, {
      COORDINATOR_HOST: "127.0.0.1",
      COORDINATOR_PORT: "0",
      COORDINATOR_ADMIN_PORT: "0",
      LOG_FORMAT: "json",
      ...withDataDir(env),
    }),
  );
  const logs: LogLine[] = [];
  const base = createServiceBase("coordinator", config, { logDestination: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } });
  const market = new SimulatedMarket({ seed: config.marketData.simulatedSeed, tickIntervalMs: config.marketData.simulatedTickMs });
  const coordinator = await assembleCoordinator(config, base, market);
  const { grpcPort, adminPort } = await coordinator.runtime.start();
  return {
    market,
    grpcPort,
    adminPort,
    address: `127.0.0.1:${grpcPort}`,
    logs,
    close: () => coordinator.close("test finished"),
  };
}

// A coordinator process for alert tests: keys off (one shared owner), the given database and
// scanner, the simulated market moving every half second and no scan cache, so that each
// alert check sees the market as it is then. Stopped with SIGKILL, as a crash would.
import { credentials } from "@grpc/grpc-js";
import { SavedScanServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { freePorts, spawnService, type ServiceProcess } from "./service-process.js";

export interface AlertCoordinator {
  readonly process: ServiceProcess;
  /** host:port of its gRPC server. */
  readonly address: string;
  readonly saved: SavedScanServiceClient;
  /** SIGKILL, then waits for the process to be gone. */
  kill(): Promise<void>;
}

export async function startAlertCoordinator(settings: DatabaseSettings, scannerPort: number): Promise<AlertCoordinator> {
  const child = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    SIMULATED_TICK_INTERVAL: "0.5",
    SCAN_CACHE_TTL: "0",
    DATA_DIR: settings.dataDir,
    ...(settings.databaseUrl ? { DATABASE_URL: settings.databaseUrl } : {}),
  });
  try {
    const address = `127.0.0.1:${(await child.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
    const saved = new SavedScanServiceClient(address, credentials.createInsecure());
    return {
      process: child,
      address,
      saved,
      async kill() {
        saved.close();
        child.kill();
        await child.exited;
      },
    };
  } catch (error) {
    child.kill();
    throw error;
  }
}

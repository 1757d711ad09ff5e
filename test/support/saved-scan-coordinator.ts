// A coordinator process for SavedScanService tests: API keys for two clients (alice and bob,
// scope "scan"), the database of the given settings and the scanner at the given port, with
// clients of SavedScanService and CoordinatorService (for ScanUniverse and watchlists beside).
import { credentials, type Metadata } from "@grpc/grpc-js";
import { CoordinatorServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SavedScanServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { WatchlistServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { freePorts, spawnService, type ServiceProcess } from "./service-process.js";
import { keyOf, WATCHLIST_KEYS } from "./watchlist-coordinator.js";

export const SAVED_SCAN_KEYS = WATCHLIST_KEYS;
export type Client = keyof typeof SAVED_SCAN_KEYS;
export const keyFor = (client: Client): { metadata: Metadata } => keyOf(client);

export interface SavedScanCoordinator {
  readonly process: ServiceProcess;
  readonly address: string;
  readonly saved: SavedScanServiceClient;
  readonly coordinator: CoordinatorServiceClient;
  readonly watchlists: WatchlistServiceClient;
  stop(): Promise<void>;
}

export async function startSavedScanCoordinator(settings: DatabaseSettings, scannerPort: number): Promise<SavedScanCoordinator> {
  const child = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    // One price path for the whole test: a saved scan and ScanUniverse see one market.
    SIMULATED_TICK_INTERVAL: "3600",
    AUTH: "api-key",
    API_KEYS: `alice:${SAVED_SCAN_KEYS.alice}:scan,bob:${SAVED_SCAN_KEYS.bob}:scan`,
    DATA_DIR: settings.dataDir,
    ...(settings.databaseUrl ? { DATABASE_URL: settings.databaseUrl } : {}),
  });
  try {
    const address = `127.0.0.1:${(await child.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
    const saved = new SavedScanServiceClient(address, credentials.createInsecure());
    const coordinator = new CoordinatorServiceClient(address, credentials.createInsecure());
    const watchlists = new WatchlistServiceClient(address, credentials.createInsecure());
    return {
      process: child,
      address,
      saved,
      coordinator,
      watchlists,
      async stop() {
        saved.close();
        coordinator.close();
        watchlists.close();
        child.kill();
        await child.exited;
      },
    };
  } catch (error) {
    child.kill();
    throw error;
  }
}

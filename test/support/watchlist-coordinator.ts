// A coordinator process with API keys for two clients (alice and bob, scope "scan") and the
// database of the given settings, for WatchlistService tests; no scanner is needed to keep
// watchlists, so SCANNER_ADDR names a port nothing listens on.
import { credentials, Metadata } from "@grpc/grpc-js";
import { WatchlistServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { freePorts, spawnService, type ServiceProcess } from "./service-process.js";

export const WATCHLIST_KEYS = { alice: "alice-watchlists-0123456789", bob: "bob-watchlists-0123456789" } as const;

export interface WatchlistCoordinator {
  readonly process: ServiceProcess;
  readonly address: string;
  readonly client: WatchlistServiceClient;
  /** SIGKILL: nothing is flushed or closed on the way out. */
  kill(): Promise<void>;
}

/** Call metadata carrying one client's key. */
export function keyOf(client: keyof typeof WATCHLIST_KEYS): { metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${WATCHLIST_KEYS[client]}`);
  return { metadata };
}

export async function startWatchlistCoordinator(settings: DatabaseSettings): Promise<WatchlistCoordinator> {
  const child = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: "127.0.0.1:1",
    AUTH: "api-key",
    API_KEYS: `alice:${WATCHLIST_KEYS.alice}:scan,bob:${WATCHLIST_KEYS.bob}:scan`,
    DATA_DIR: settings.dataDir,
    ...(settings.databaseUrl ? { DATABASE_URL: settings.databaseUrl } : {}),
  });
  try {
    const port = (await child.waitForLog((line) => line.msg === "listening")).grpcPort as number;
    const address = `127.0.0.1:${port}`;
    const client = new WatchlistServiceClient(address, credentials.createInsecure());
    return {
      process: child,
      address,
      client,
      async kill() {
        client.close();
        child.kill();
        await child.exited;
      },
    };
  } catch (error) {
    child.kill();
    throw error;
  }
}

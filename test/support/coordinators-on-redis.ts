// Two in-process coordinators sharing one real redis-server and one in-process scanner, with a
// client for each and a Redis connection to inspect what they stored: the fleet the shared
// cache's tests run on.
import { credentials } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { CoordinatorServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { startRedis, stopAllInfraServers, type InfraServer } from "./infra-servers.js";
import { startInProcessScanner, type InProcessScanner } from "./in-process-scanner.js";

export interface CoordinatorsOnRedis {
  readonly redis: InfraServer;
  readonly scanner: InProcessScanner;
  readonly a: InProcessCoordinator;
  readonly b: InProcessCoordinator;
  readonly clientA: CoordinatorServiceClient;
  readonly clientB: CoordinatorServiceClient;
  readonly inspector: Redis;
  close(): Promise<void>;
}

/** Starts the fleet; `env` gives both coordinators' environment, beside SCANNER_ADDR and REDIS_URL. */
export async function startCoordinatorsOnRedis(env: Record<string, string>): Promise<CoordinatorsOnRedis> {
  const redis = await startRedis();
  const scanner = await startInProcessScanner();
  const coordinatorEnv = { SCANNER_ADDR: `127.0.0.1:${scanner.port}`, REDIS_URL: redis.url, ...env };
  const a = await startInProcessCoordinator(coordinatorEnv);
  const b = await startInProcessCoordinator(coordinatorEnv);
  const clientA = new CoordinatorServiceClient(a.address, credentials.createInsecure());
  const clientB = new CoordinatorServiceClient(b.address, credentials.createInsecure());
  const inspector = new Redis(redis.url);
  return {
    redis,
    scanner,
    a,
    b,
    clientA,
    clientB,
    inspector,
    async close() {
      clientA.close();
      clientB.close();
      inspector.disconnect();
      await a.close();
      await b.close();
      await scanner.close();
      await stopAllInfraServers();
    },
  };
}

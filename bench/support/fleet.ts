// A fleet of compiled services for the cluster benchmark: one coordinator and one scanner as
// `make run` starts them, or `make run-cluster`'s shape (Redis, NATS, N scanner replicas, two
// coordinators balancing round-robin over them), each a process of its own logging to a file,
// and what the benchmark reads off them (resident memory, CPU seconds, answered scans).
import { startNats, startRedis, type InfraServer } from "../../scripts/cluster/infra-servers.js";
import { GENEROUS_LIMITS_ENV, LOGGING_ENV } from "./production-layers.js";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";

export interface Fleet {
  readonly name: string;
  readonly coordinators: readonly ServiceProcess[];
  readonly scanners: readonly ServiceProcess[];
  stop(): Promise<void>;
}

const ANY_PORT = (prefix: "SCANNER" | "COORDINATOR"): Record<string, string> => ({
  [`${prefix}_HOST`]: "127.0.0.1",
  [`${prefix}_PORT`]: "0",
  [`${prefix}_ADMIN_PORT`]: "0",
});

/** What the coordinators run with: pacing and the job limit out of the way, so that the scans measure the fleet. */
export const COORDINATOR_SETTINGS: Readonly<Record<string, string>> = {
  REQUESTS_PER_SECOND: "1000",
  BURST_SIZE: "1000",
  MAX_CONCURRENT_SCANS: "50",
  JOB_QUEUE_SIZE: "1000",
};

export async function startFleet(
  name: string,
  { scanners, coordinators, shared }: { scanners: number; coordinators: number; shared: boolean },
): Promise<Fleet> {
  let redis: InfraServer | undefined;
  let nats: InfraServer | undefined;
  if (shared) {
    redis = await startRedis();
    nats = await startNats();
  }
  const scannerProcesses = await Promise.all(
    Array.from({ length: scanners }, () =>
      startServiceProcess("scanner", { ...ANY_PORT("SCANNER"), ...LOGGING_ENV, ...GENEROUS_LIMITS_ENV, ...(nats ? { NATS_URL: nats.url } : {}) }),
    ),
  );
  const target = `ipv4:${scannerProcesses.map((scanner) => `127.0.0.1:${scanner.grpcPort}`).join(",")}`;
  const coordinatorProcesses = await Promise.all(
    Array.from({ length: coordinators }, () =>
      startServiceProcess("coordinator", {
        ...ANY_PORT("COORDINATOR"),
        ...LOGGING_ENV,
        ...GENEROUS_LIMITS_ENV,
        ...COORDINATOR_SETTINGS,
        SCANNER_ADDR: target,
        ...(redis ? { REDIS_URL: redis.url } : {}),
        ...(nats ? { NATS_URL: nats.url } : {}),
      }),
    ),
  );
  return {
    name,
    coordinators: coordinatorProcesses,
    scanners: scannerProcesses,
    async stop() {
      await Promise.all(coordinatorProcesses.map((coordinator) => coordinator.stop()));
      await Promise.all(scannerProcesses.map((scanner) => scanner.stop()));
      await nats?.stop();
      await redis?.stop();
    },
  };
}

async function metricsText(service: ServiceProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${service.adminPort}/metrics`)).text();
}

function sample(text: string, metric: string, labelFilter = ""): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${metric}(?:\\{([^}]*)\\})? (\\S+)$`, "gm")))
    if ((match[1] ?? "").includes(labelFilter)) sum += Number(match[2]);
  return sum;
}

export interface ServiceFigures {
  readonly residentBytes: number;
  readonly cpuSeconds: number;
  /** Scan calls answered (grpc_server_handled_total of Scan, any status). */
  readonly scans: number;
}

export async function figuresOf(service: ServiceProcess): Promise<ServiceFigures> {
  const text = await metricsText(service);
  return {
    residentBytes: sample(text, "process_resident_memory_bytes"),
    cpuSeconds: sample(text, "process_cpu_seconds_total"),
    scans: sample(text, "grpc_server_handled_total", 'grpc_method="Scan"'),
  };
}

// The services as processes, the way `make run` starts them, with what the fault suites need
// on top of test/support/service-process.ts: a fixed port to restart on, the admin port's
// figures, a clean stop, and a list of everything started so that afterAll can end it all.
import { freePorts, spawnService, type ServiceProcess } from "../../support/service-process.js";

export interface RunningService {
  readonly process: ServiceProcess;
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly address: string;
}

const started = new Set<ServiceProcess>();

/** SIGKILLs every process the suite started and has not seen exit. */
export function killAll(): void {
  for (const service of started) service.kill();
  started.clear();
}

async function start(entryPoint: string, env: Record<string, string>, nodeArguments: readonly string[] = []): Promise<RunningService> {
  const service = spawnService(entryPoint, env, nodeArguments);
  started.add(service);
  void service.exited.then(() => started.delete(service));
  const listening = await service.waitForLog((line) => line.msg === "listening", 30_000);
  const grpcPort = listening.grpcPort as number;
  return { process: service, grpcPort, adminPort: listening.adminPort as number, address: `127.0.0.1:${grpcPort}` };
}

/** A scanner process; `port` 0 takes a free one, another restarts it where it was. */
export function startScanner(env: Record<string, string> = {}, port = 0, nodeArguments: readonly string[] = []): Promise<RunningService> {
  return start("services/scanner/main.ts", { ...freePorts("SCANNER"), SCANNER_PORT: String(port), ...env }, nodeArguments);
}

/** A coordinator process on the simulated market, ticking every 0.5 s unless `env` says otherwise. */
export function startCoordinator(
  scannerAddress: string,
  env: Record<string, string> = {},
  port = 0,
  nodeArguments: readonly string[] = [],
): Promise<RunningService> {
  return start(
    "services/coordinator/main.ts",
    { ...freePorts("COORDINATOR"), COORDINATOR_PORT: String(port), SCANNER_ADDR: scannerAddress, SIMULATED_TICK_INTERVAL: "0.5", ...env },
    nodeArguments,
  );
}

/** Sends `signal` and waits for the process to exit (SIGKILL after `timeoutMs`). */
export async function stopWith(
  service: RunningService,
  signal: NodeJS.Signals,
  timeoutMs = 20_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  service.process.child.kill(signal);
  const timer = setTimeout(() => service.process.kill(), timeoutMs);
  try {
    return await service.process.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The first sample of a Prometheus metric (labels, if any, ignored). */
export async function prometheusValue(adminPort: number, metric: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const match = new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  if (!match?.[1]) throw new Error(`${metric} is not among the metrics on port ${adminPort}`);
  return Number(match[1]);
}

/** The sum of the samples in Prometheus text whose labels include every one of `labels`. */
function sumOfSamples(text: string, metric: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${metric}(?:\\{([^}]*)\\})? (\\S+)$`, "gm"))) {
    const sampleLabels = match[1] ?? "";
    if (Object.entries(labels).every(([name, value]) => sampleLabels.includes(`${name}="${value}"`))) sum += Number(match[2]);
  }
  return sum;
}

/**
 * Calls of `method` a service has started and not yet answered, from one scrape:
 * grpc_server_started_total less grpc_server_handled_total.
 */
export async function callsInFlight(adminPort: number, method: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const labels = { grpc_method: method };
  return sumOfSamples(text, "grpc_server_started_total", labels) - sumOfSamples(text, "grpc_server_handled_total", labels);
}

/** Resident memory as the service reports it (prom-client's process_resident_memory_bytes). */
export const residentMemoryBytes = (adminPort: number): Promise<number> => prometheusValue(adminPort, "process_resident_memory_bytes");

export async function metricsJson(adminPort: number): Promise<Record<string, unknown>> {
  return (await (await fetch(`http://127.0.0.1:${adminPort}/metrics.json`)).json()) as Record<string, unknown>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, polling; throws with `what` after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Channel options of a test client: its own connection, and quick to reconnect to a restarted service. */
export const CLIENT_CHANNEL_OPTIONS = {
  "grpc.use_local_subchannel_pool": 1,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 500,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
} as const;

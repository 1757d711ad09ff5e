// The fleet of `make run-cluster` as fault-suite processes: three scanner replicas and two
// coordinators balancing round-robin over all three (SCANNER_ADDR=ipv4:...), plus what the
// replica suites read off them: each replica's answered Scan calls, sampled over time, and
// the coordinators' circuit and retry events from their logs.
import type { LogLine } from "../../support/echo-server.js";
import { sleep, startCoordinator, startScanner, type RunningService } from "./services.js";

export interface ReplicaCluster {
  /** Replaced in place when a replica is restarted (restartScanner). */
  readonly scanners: RunningService[];
  readonly coordinators: readonly RunningService[];
  /** SCANNER_ADDR of the coordinators. */
  readonly target: string;
}

export async function startReplicaCluster(replicas: number, coordinators: number, coordinatorEnv: Record<string, string>): Promise<ReplicaCluster> {
  const scanners = await Promise.all(Array.from({ length: replicas }, () => startScanner()));
  const target = `ipv4:${scanners.map((scanner) => scanner.address).join(",")}`;
  const started = await Promise.all(Array.from({ length: coordinators }, () => startCoordinator(target, coordinatorEnv)));
  return { scanners, coordinators: started, target };
}

/** Starts replica `index` again on its port (a new admin port), and puts it in its place. */
export async function restartScanner(cluster: ReplicaCluster, index: number): Promise<RunningService> {
  const restarted = await startScanner({}, cluster.scanners[index]!.grpcPort);
  cluster.scanners[index] = restarted;
  return restarted;
}

/** Scan calls a service has answered, any status, by its grpc_server_handled_total; undefined when it does not answer. */
export async function answeredScans(adminPort: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
    let sum = 0;
    for (const match of text.matchAll(/^grpc_server_handled_total\{([^}]*)\} (\S+)$/gm)) if (match[1]!.includes('grpc_method="Scan"')) sum += Number(match[2]);
    return sum;
  } catch {
    return undefined;
  }
}

export interface ScanCountSample {
  /** performance.now() when the scrapes were sent. */
  readonly at: number;
  /** Each replica's answered Scan calls, by its current process; undefined while it is down. */
  readonly counts: readonly (number | undefined)[];
}

/** Samples every replica's answered Scan calls every `intervalMs` until stopped. */
export function sampleScanCounts(cluster: ReplicaCluster, intervalMs: number): { samples: ScanCountSample[]; stop(): Promise<void> } {
  const samples: ScanCountSample[] = [];
  const sampling = { on: true };
  const loop = (async () => {
    while (sampling.on) {
      const at = performance.now();
      samples.push({ at, counts: await Promise.all(cluster.scanners.map((scanner) => answeredScans(scanner.adminPort))) });
      await sleep(intervalMs);
    }
  })();
  return {
    samples,
    async stop() {
      sampling.on = false;
      await loop;
    },
  };
}

/**
 * Replica `index`'s share of the Scan calls all replicas answered between two samples. Counts
 * restart from 0 with a restarted process, so both samples must come from the same processes
 * (both after the restart): undefined otherwise, or when nothing was answered.
 */
export function shareBetween(from: ScanCountSample, to: ScanCountSample, index: number): number | undefined {
  let total = 0;
  for (let replica = 0; replica < to.counts.length; replica++) {
    const before = from.counts[replica];
    const after = to.counts[replica];
    if (before === undefined || after === undefined || after < before) return undefined;
    total += after - before;
  }
  const mine = (to.counts[index] ?? 0) - (from.counts[index] ?? 0);
  return total === 0 ? undefined : mine / total;
}

/** Log lines of the coordinators with this message. */
export function coordinatorEvents(cluster: ReplicaCluster, message: string): LogLine[] {
  return cluster.coordinators.flatMap((coordinator) => coordinator.process.logs.filter((line) => line.msg === message));
}

/** A log line's time, epoch ms (pino writes it as an ISO string here). */
export const logTime = (line: LogLine): number => Date.parse(String(line.time));

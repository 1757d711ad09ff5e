// `make run-cluster`: the whole fleet on loopback, from dist/: a redis-server, a nats-server,
// a PostgreSQL and Jaeger (child processes, temporary directories under the cluster's run
// directory), three scanner replicas and two coordinators on the simulated market, both
// keeping their watchlists and saved scans in that one PostgreSQL (DATABASE_URL), so that
// what is saved through one is seen and runs on the other, and every service sending its
// traces to Jaeger (OTEL_EXPORTER_OTLP_ENDPOINT); prints how to use them, and stops everything
// on Ctrl-C, in order: the coordinators (callers first), the scanners, then PostgreSQL, NATS,
// Redis and last Jaeger, which the services send their last spans to as they stop.
//
// Every child runs in a process group of its own, so that the terminal's Ctrl-C reaches
// only make and this launcher, which then stops each child once, gracefully, in that order
// (a service signalled twice exits at once). A second Ctrl-C kills what is left.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { clusterLayout, scannerTarget, type ClusterLayout } from "./cluster-layout.js";
import { startNats, startRedis, stopAllInfraServers, type InfraServer } from "./infra-servers.js";
import { startJaeger, type JaegerServer } from "./jaeger-server.js";
import { startPostgres, type PostgresServer } from "./postgres-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const READY_TIMEOUT_MS = 60_000;
/** How long a service may take to stop before it is killed (its own grace period is shorter). */
const STOP_TIMEOUT_MS = 20_000;

interface ServiceChild {
  readonly label: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** Starts a compiled service with its output prefixed by `label`, in a process group of its own. */
function startService(label: string, entryPoint: string, jaeger: JaegerServer, env: Record<string, string>): ServiceChild {
  // Tracing on, to this cluster's Jaeger: the standard variable, and not the traces-only one
  // from the terminal, which would take precedence and send the spans elsewhere.
  const { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: _elsewhere, ...inherited } = process.env;
  const child = spawn(process.execPath, [entryPoint], {
    cwd: ROOT,
    env: { ...inherited, LOG_FORMAT: process.env.LOG_FORMAT ?? "pretty", OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const prefix = label.padEnd(13);
  createInterface({ input: child.stdout }).on("line", (line) => process.stdout.write(`${prefix}| ${line}\n`));
  createInterface({ input: child.stderr }).on("line", (line) => process.stderr.write(`${prefix}| ${line}\n`));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { label, child, exited };
}

function isRunning(service: ServiceChild): boolean {
  return service.child.exitCode === null && service.child.signalCode === null;
}

/** SIGTERM (a graceful stop), then SIGKILL past STOP_TIMEOUT_MS; resolves once all have exited. */
async function stopServices(services: readonly ServiceChild[]): Promise<void> {
  await Promise.all(
    services.filter(isRunning).map(async (service) => {
      service.child.kill("SIGTERM");
      const timer = setTimeout(() => service.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await service.exited;
      clearTimeout(timer);
    }),
  );
}

async function waitForReady(adminPort: number): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

function banner(layout: ClusterLayout, redis: InfraServer, nats: InfraServer, databaseUrl: string, jaeger: JaegerServer): string {
  const first = layout.coordinators[0]?.port;
  const other = layout.coordinators[1]?.port ?? first;
  const coordinators = layout.coordinators.map((each) => `127.0.0.1:${each.port} (admin http://127.0.0.1:${each.adminPort}/metrics)`);
  const scanners = layout.scanners.map((each) => `127.0.0.1:${each.port} (admin ${each.adminPort})`);
  const uiNote = jaeger.uiAssets ? "" : "\n                 (its UI page is a placeholder in this build; JAEGER_UI_ASSETS=<a built Jaeger UI> serves the UI)";
  return `
  The spreadscan cluster is running on the simulated market:
    coordinators ${coordinators.join("\n                 ")}
    scanners     ${scanners.join(", ")}
                 (each coordinator balances round-robin over all three: SCANNER_ADDR=${scannerTarget(layout)})
    redis        ${redis.url} (shared scan cache)      nats ${nats.url} (chain updates, feed ownership)
    postgresql   ${databaseUrl} (watchlists and saved scans, shared)
    jaeger       ${jaeger.uiUrl} (traces of every service; OTLP at ${jaeger.otlpEndpoint})${uiNote}

  From another terminal in this directory, use either coordinator with the CLI:

    npx spreadscan scan SPY --addr 127.0.0.1:${first}
    npx spreadscan scan SPY --addr 127.0.0.1:${other}
    npx spreadscan scan SPY --no-cache --addr 127.0.0.1:${other}
    npx spreadscan watch QQQ --strategy iron-condor --max-dte 30 --max-width 5 --addr 127.0.0.1:${first}
    npx spreadscan metrics --addr 127.0.0.1:${other}

  Save on one coordinator, run on the other (one database):

    npx spreadscan watchlist create etfs SPY QQQ IWM --addr 127.0.0.1:${first}
    npx spreadscan saved create etf-credit --watchlist etfs --strategy bull-put --max-dte 30 --max-width 5 --addr 127.0.0.1:${first}
    npx spreadscan saved run etf-credit --addr 127.0.0.1:${other}

  or with grpcurl (server reflection, no .proto files needed):

    .tools/bin/grpcurl -plaintext -d '{"symbol":"SPY","query":{"strategies":["STRATEGY_BULL_PUT"],"filters":{"maxDte":45,"maxWidth":5},"limit":5}}' \\
      127.0.0.1:${other} spreadscan.coordinator.v1.CoordinatorService/Scan

  A scan's trace: its trace_id is on the coordinator's log lines above; read it as JSON from
  ${jaeger.uiUrl}/api/traces/<trace_id> (or open ${jaeger.uiUrl}/trace/<trace_id> in the UI).
  The CLI traces its own side too when told where to send it:

    OTEL_EXPORTER_OTLP_ENDPOINT=${jaeger.otlpEndpoint} npx spreadscan scan SPY --addr 127.0.0.1:${first}

  Ctrl-C stops everything.
`;
}

// What main() made that must not outlive a failed start.
let runDirectory: string | undefined;
let postgres: PostgresServer | undefined;
let jaegerServer: JaegerServer | undefined;

async function main(): Promise<void> {
  const layout = clusterLayout();
  // Readable by others (not the 0700 of mkdtemp): as root, PostgreSQL runs as the postgres
  // user and must reach its own directory inside.
  runDirectory = mkdtempSync(join(tmpdir(), "spreadscan-cluster-"));
  chmodSync(runDirectory, 0o755);
  const redis = await startRedis(layout.redisPort, { ownProcessGroup: true });
  const nats = await startNats(layout.natsPort, { ownProcessGroup: true });
  const database = await startPostgres({ port: layout.postgresPort, parentDirectory: runDirectory, ownProcessGroup: true });
  postgres = database;
  const databaseUrl = await database.createDatabase("spreadscan");
  const jaeger = await startJaeger({ ports: layout.jaeger, ownProcessGroup: true, uiAssets: process.env.JAEGER_UI_ASSETS?.trim() || undefined });
  jaegerServer = jaeger;
  const scanners = layout.scanners.map((scanner, index) =>
    startService(`scanner-${index + 1}`, "dist/services/scanner/main.js", jaeger, {
      SCANNER_PORT: String(scanner.port),
      SCANNER_ADMIN_PORT: String(scanner.adminPort),
      NATS_URL: nats.url,
    }),
  );
  const coordinators = layout.coordinators.map((coordinator, index) =>
    startService(`coordinator-${index + 1}`, "dist/services/coordinator/main.js", jaeger, {
      COORDINATOR_PORT: String(coordinator.port),
      COORDINATOR_ADMIN_PORT: String(coordinator.adminPort),
      SCANNER_ADDR: scannerTarget(layout),
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      DATABASE_URL: databaseUrl,
      // Each its own (unused with DATABASE_URL), never the repository's ./data.
      DATA_DIR: join(runDirectory as string, `coordinator-${index + 1}`),
    }),
  );

  let stopping: Promise<void> | undefined;
  const stopAll = (why: string): Promise<void> => {
    stopping ??= (async () => {
      process.stdout.write(`\nrun-cluster: stopping (${why}): coordinators, then scanners, then PostgreSQL, NATS, Redis and Jaeger\n`);
      await stopServices(coordinators);
      await stopServices(scanners);
      await database.stop();
      await nats.stop();
      await redis.stop();
      await jaeger.stop();
      rmSync(runDirectory as string, { recursive: true, force: true });
      process.stdout.write("run-cluster: everything stopped\n");
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C: no more waiting.
      for (const service of [...coordinators, ...scanners]) if (isRunning(service)) service.child.kill("SIGKILL");
      return;
    }
    void stopAll(signal).then(() => process.exit(0));
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

  // One service ending on its own ends the cluster: a half-started fleet is not what was asked for.
  for (const service of [...scanners, ...coordinators]) {
    void service.exited.then(() => {
      if (!stopping) void stopAll(`${service.label} exited`).then(() => process.exit(1));
    });
  }

  const ready = await Promise.all(layout.coordinators.map((coordinator) => waitForReady(coordinator.adminPort)));
  if (stopping) return;
  if (!ready.every(Boolean)) process.stdout.write("  (a coordinator is not ready yet; see its log above)\n");
  process.stdout.write(banner(layout, redis, nats, databaseUrl, jaeger));
}

main().catch(async (error: unknown) => {
  process.stderr.write(`run-cluster: ${error instanceof Error ? error.message : String(error)}\n`);
  // Redis may be up when NATS or PostgreSQL failed to start: leave nothing behind.
  await stopAllInfraServers();
  await postgres?.stop();
  await jaegerServer?.stop();
  if (runDirectory) rmSync(runDirectory, { recursive: true, force: true });
  process.exit(1);
});

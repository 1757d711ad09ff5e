// Jaeger (the v2 binary, an OpenTelemetry Collector build) as a child process on loopback
// ports, its configuration file in a temporary directory of its own, for the tests (through
// test/support/jaeger-server.ts) and `make run-cluster`. It keeps the traces in memory, takes
// them over OTLP (HTTP/protobuf, which our services send, and gRPC), answers the query API and
// serves the UI; it reports nothing about itself anywhere (no metrics listener, no traces of
// its own). The binary is built from tools/jaeger/go.mod by `make setup`. Built so, from the
// Go module proxy's source, it holds no UI pages (Jaeger's release builds embed them from a
// separate repository): it serves a placeholder page, unless `uiAssets` names a built Jaeger UI.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freeLoopbackPort } from "./infra-servers.js";

export const JAEGER = fileURLToPath(new URL("../../.tools/bin/jaeger", import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface JaegerPorts {
  /** The query API and the UI (HTTP). */
  readonly uiPort: number;
  /** OTLP over HTTP: OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly otlpHttpPort: number;
  readonly otlpGrpcPort: number;
  /** The query API over gRPC, which nothing here uses but Jaeger always opens. */
  readonly queryGrpcPort: number;
}

export interface JaegerServer {
  readonly ports: JaegerPorts;
  /** http://127.0.0.1:UI_PORT: the UI, and the query API under /api. */
  readonly uiUrl: string;
  /** http://127.0.0.1:OTLP_HTTP_PORT: what OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  readonly otlpEndpoint: string;
  /** The built UI it serves; undefined: the placeholder page. */
  readonly uiAssets: string | undefined;
  /** Everything Jaeger wrote, for a failing test's message. */
  output(): string;
  /** SIGTERM (SIGKILL past a grace period), and removes its directory. */
  stop(): Promise<void>;
}

export interface JaegerOptions {
  /** Ports to use; each one not given is a free one. */
  readonly ports?: Partial<JaegerPorts>;
  /** In a process group of its own, so that a terminal's Ctrl-C does not reach it (run-cluster stops it itself). */
  readonly ownProcessGroup?: boolean;
  /** A directory holding a built Jaeger UI (its index.html and assets), served instead of the placeholder. */
  readonly uiAssets?: string | undefined;
}

/**
 * The collector configuration: JSON, which is YAML too. Every listener on 127.0.0.1; the
 * spans go straight to storage (no batch processor, so a test finds them as soon as a
 * service has sent them).
 */
function configuration(ports: JaegerPorts, uiAssets: string | undefined): string {
  const loopback = (port: number): string => `127.0.0.1:${port}`;
  const config = {
    service: {
      extensions: ["jaeger_storage", "jaeger_query"],
      pipelines: { traces: { receivers: ["otlp"], exporters: ["jaeger_storage_exporter"] } },
      telemetry: { metrics: { level: "none" }, logs: { level: "info" } },
    },
    extensions: {
      jaeger_storage: { backends: { memory_store: { memory: { max_traces: 100_000 } } } },
      jaeger_query: {
        storage: { traces: "memory_store" },
        // On by default in Jaeger v2: the query service would send its own spans over OTLP
        // to localhost:4317, which here is another Jaeger's, or nobody's.
        enable_tracing: false,
        ...(uiAssets ? { ui: { assets_path: uiAssets } } : {}),
        http: { endpoint: loopback(ports.uiPort) },
        grpc: { endpoint: loopback(ports.queryGrpcPort) },
      },
    },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: loopback(ports.otlpGrpcPort) }, http: { endpoint: loopback(ports.otlpHttpPort) } } },
    },
    exporters: { jaeger_storage_exporter: { trace_storage: "memory_store" } },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The collector's line once every component has started, its listeners bound. */
const STARTED_LINE = "Everything is ready";

/**
 * Ready when it says it has started (so the ports answering are its own, not those of another
 * server already on them), its query API answers and its OTLP receiver accepts connections.
 */
async function isReady(ports: JaegerPorts, output: string): Promise<boolean> {
  if (!output.includes(STARTED_LINE)) return false;
  const queryAnswers = await fetch(`http://127.0.0.1:${ports.uiPort}/api/services`).then(
    (response) => response.ok,
    () => false,
  );
  return queryAnswers && (await accepts(ports.otlpHttpPort));
}

export async function startJaeger({ ports = {}, ownProcessGroup = false, uiAssets }: JaegerOptions = {}): Promise<JaegerServer> {
  if (!existsSync(JAEGER)) throw new Error(".tools/bin/jaeger is missing: run make setup");
  const chosen: JaegerPorts = {
    uiPort: ports.uiPort ?? (await freeLoopbackPort()),
    otlpHttpPort: ports.otlpHttpPort ?? (await freeLoopbackPort()),
    otlpGrpcPort: ports.otlpGrpcPort ?? (await freeLoopbackPort()),
    queryGrpcPort: ports.queryGrpcPort ?? (await freeLoopbackPort()),
  };
  const directory = mkdtempSync(join(tmpdir(), "spreadscan-jaeger-"));
  const configFile = join(directory, "jaeger.json");
  writeFileSync(configFile, configuration(chosen, uiAssets));

  let output = "";
  const child: ChildProcess = spawn(JAEGER, ["--config", configFile], {
    cwd: directory,
    stdio: ["ignore", "pipe", "pipe"],
    detached: ownProcessGroup,
  });
  const record = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", record);
  child.stderr?.on("data", record);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let failedToSpawn: Error | undefined;
  child.once("error", (error) => (failedToSpawn = error));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && !failedToSpawn) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(directory, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (failedToSpawn || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`jaeger exited (${failedToSpawn?.message ?? child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    }
    if (await isReady(chosen, output)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jaeger was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    ports: chosen,
    uiUrl: `http://127.0.0.1:${chosen.uiPort}`,
    otlpEndpoint: `http://127.0.0.1:${chosen.otlpHttpPort}`,
    uiAssets,
    output: () => output,
    stop,
  };
}

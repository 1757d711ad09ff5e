// Real Redis and NATS servers, each a child process on a loopback port, in a temporary
// directory of its own, started and stopped by whoever needs them: the tests (through
// test/support/infra-servers.ts) and `make run-cluster` (run-cluster.ts). Nothing here
// depends on a system service: the binaries come from Debian's redis-server and nats-server
// packages, which `make setup` installs.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_SERVER = "/usr/bin/redis-server";
export const NATS_SERVER = "/usr/sbin/nats-server";

/** A free loopback port now (the kernel's pick), for a server that must keep it across restarts. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface InfraServer {
  readonly port: number;
  /** redis://127.0.0.1:PORT or nats://127.0.0.1:PORT */
  readonly url: string;
  readonly directory: string;
  /** Everything the server wrote, for a failing test's message. */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP: the server hangs with its connections open, as a stuck host does. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Starts it again on the same port; `emptyStore` starts NATS with a new, empty JetStream store. */
  restart(options?: { emptyStore?: boolean }): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * Starts the server in a process group of its own, so that a Ctrl-C at the terminal does not
   * reach it: `make run-cluster` stops it itself, after the services that use it.
   */
  readonly ownProcessGroup?: boolean;
}

interface ServerRecipe {
  readonly name: string;
  readonly command: string;
  readonly scheme: string;
  /** The arguments for a start in `directory`; `generation` counts restarts (a fresh store each time it changes). */
  args(port: number, directory: string, storeGeneration: number): string[];
  /** True once the output says it accepts connections. */
  ready(output: string): boolean;
}

const running = new Set<InfraServer>();

/** Stops every server a test started and has not stopped: for afterAll. */
export async function stopAllInfraServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

async function startServer(recipe: ServerRecipe, port?: number, { ownProcessGroup = false }: LaunchOptions = {}): Promise<InfraServer> {
  const chosenPort = port ?? (await freeLoopbackPort());
  const directory = mkdtempSync(join(tmpdir(), `spreadscan-${recipe.name}-`));
  let child: ChildProcess | undefined;
  let output = "";
  let storeGeneration = 0;

  const launch = async (): Promise<void> => {
    output = "";
    const started = spawn(recipe.command, recipe.args(chosenPort, directory, storeGeneration), {
      cwd: directory,
      stdio: ["ignore", "pipe", "pipe"],
      detached: ownProcessGroup,
    });
    child = started;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${recipe.name} did not start within 15 s:\n${output}`)), 15_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString("utf8");
        if (recipe.ready(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout.on("data", onData);
      started.stderr.on("data", onData);
      started.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      started.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${recipe.name} exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
  };

  const killChild = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
    current.kill("SIGCONT");
    current.kill("SIGKILL");
    await exited;
  };

  await launch();
  const server: InfraServer = {
    port: chosenPort,
    url: `${recipe.scheme}://127.0.0.1:${chosenPort}`,
    directory,
    output: () => output,
    kill: killChild,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    async restart({ emptyStore = false } = {}) {
      await killChild();
      if (emptyStore) storeGeneration++;
      await launch();
    },
    async stop() {
      running.delete(server);
      await killChild();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

/** A redis-server that keeps nothing on disk. */
export function startRedis(port?: number, options: LaunchOptions = {}): Promise<InfraServer> {
  return startServer(
    {
      name: "redis",
      command: REDIS_SERVER,
      scheme: "redis",
      args: (chosenPort, directory) => ["--save", "", "--appendonly", "no", "--port", String(chosenPort), "--bind", "127.0.0.1", "--dir", directory],
      ready: (output) => output.includes("Ready to accept connections"),
    },
    port,
    options,
  );
}

export interface NatsOptions extends LaunchOptions {
  /** JetStream's cap on memory streams (NATS's size syntax). */
  readonly maxMemoryStore?: string;
  /** JetStream's cap on file streams. */
  readonly maxFileStore?: string;
}

/**
 * A nats-server with JetStream, its store in the temporary directory and capped (JetStream
 * takes 75% of the machine otherwise). Its max_payload stays at NATS's default 1 MB, as on
 * a server we do not run: chains are larger, and the code must cope with that.
 */
export function startNats(port?: number, { maxMemoryStore = "128MB", maxFileStore = "512MB", ...options }: NatsOptions = {}): Promise<InfraServer> {
  return startServer(
    {
      name: "nats",
      command: NATS_SERVER,
      scheme: "nats",
      args: (chosenPort, directory, storeGeneration) => {
        const configFile = join(directory, "nats.conf");
        writeFileSync(
          configFile,
          [
            `listen: "127.0.0.1:${chosenPort}"`,
            "jetstream {",
            `  store_dir: "${join(directory, `store-${storeGeneration}`)}"`,
            `  max_memory_store: ${maxMemoryStore}`,
            `  max_file_store: ${maxFileStore}`,
            "}",
            "",
          ].join("\n"),
        );
        return ["-c", configFile];
      },
      ready: (output) => output.includes("Server is ready"),
    },
    port,
    options,
  );
}

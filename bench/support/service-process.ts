// A compiled service started as its own process, the way it runs in production: its standard
// output (its log) goes to a file, not back to the benchmark, which would otherwise spend its
// own CPU reading every line.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LogFile } from "./production-layers.js";

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly log: LogFile;
  /** SIGTERM, then waits for the exit; the log file is removed. */
  stop(): Promise<void>;
}

/**
 * Starts `dist/services/<service>/main.js` with `env` (and PATH, HOME) and waits for its
 * "listening" line. A coordinator not told where its database is gets a temporary DATA_DIR of
 * its own, removed when it stops: no benchmark writes the repository's ./data, and no two
 * coordinators share a SQLite file.
 */
export async function startServiceProcess(
  service: "scanner" | "coordinator",
  env: Readonly<Record<string, string>>,
  nodeArguments: readonly string[] = [],
): Promise<ServiceProcess> {
  const entryPoint = fileURLToPath(new URL(`../../services/${service}/main.js`, import.meta.url));
  const log = new LogFile(service);
  const dataDir =
    service === "coordinator" && env.DATA_DIR === undefined && !env.DATABASE_URL ? mkdtempSync(join(tmpdir(), "spreadscan-bench-data-")) : undefined;
  const removeData = (): void => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  let stderr = "";
  const child = spawn(process.execPath, [...nodeArguments, entryPoint], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...(dataDir ? { DATA_DIR: dataDir } : {}), ...env },
    stdio: ["ignore", log.fd, "pipe"],
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = performance.now() + 30_000;
  for (;;) {
    const listening = log.lines().find((line) => line.msg === "listening");
    if (listening) {
      return {
        child,
        grpcPort: listening.grpcPort as number,
        adminPort: listening.adminPort as number,
        log,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
          log.remove();
          removeData();
        },
      };
    }
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill("SIGKILL");
      log.remove();
      removeData();
      throw new Error(`the ${service} did not start listening: ${stderr}`);
    }
    await sleep(50);
  }
}

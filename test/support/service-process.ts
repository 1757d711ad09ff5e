import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "./tools.js";
import type { LogLine } from "./echo-server.js";
import { withDataDir } from "./temporary-data-dir.js";

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  stderr(): string;
  /** Resolves with the first JSON log line that matches, or rejects when the process exits or time runs out. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/**
 * Starts an entry point as its own Node process, the way `make run` starts a service, with
 * only the given environment on top of PATH and HOME: TypeScript through tsx, or compiled
 * JavaScript (benchmarks) as it is. A coordinator not told where its database is gets a
 * temporary DATA_DIR of its own.
 */
export function spawnService(entryPoint: string, env: Record<string, string>, nodeArguments: readonly string[] = []): ServiceProcess {
  const child = spawn(process.execPath, [...nodeArguments, ...(entryPoint.endsWith(".js") ? [] : ["--import", "tsx"]), entryPoint], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...(entryPoint.includes("coordinator/main") ? withDataDir(env) : env) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on("line", (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ msg: line });
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    }),
  );

  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog(matches, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        const check = (): void => {
          const found = logs.find(matches);
          if (found) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the process exited (${child.exitCode ?? child.signalCode}) first; stderr: ${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Environment that binds every listener of a service to a free loopback port. */
export function freePorts(prefix: "SCANNER" | "COORDINATOR"): Record<string, string> {
  return { [`${prefix}_HOST`]: "127.0.0.1", [`${prefix}_PORT`]: "0", [`${prefix}_ADMIN_PORT`]: "0" };
}

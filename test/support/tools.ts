import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A tool installed by `make setup` from the project's own pinned files. */
export function projectTool(relativePath: string): string {
  const path = `${REPO_ROOT}${relativePath}`;
  if (!existsSync(path)) throw new Error(`${relativePath} is missing: run make setup`);
  return path;
}

export interface ToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`; `env` replaces this process's) and returns its output, whatever its exit code. */
export function runTool(
  command: string,
  args: readonly string[],
  { timeoutMs = 30_000, cwd = REPO_ROOT, env }: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ exitCode, stdout, stderr });
    });
  });
}

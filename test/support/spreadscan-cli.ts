// Running the `spreadscan` CLI as a user does, in its own process, and reading what it prints:
// the tests of the commands that call the coordinator share these.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { expect } from "vitest";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { REPO_ROOT, type ToolResult } from "./tools.js";

const MAIN = "services/cli/main.ts";
/** What `node` needs to run the CLI from source: spawn it with these, then the command line. */
export const NODE_ARGS = ["--import", "tsx", MAIN];

/** Set to a launcher (`bin/spreadscan`, after `make build`) to run these tests on the built CLI and its startup snapshot instead of the sources. */
const LAUNCHER = process.env.SPREADSCAN_CLI_UNDER_TEST;

/** The program and arguments that run `spreadscan args`: the sources, or the launcher SPREADSCAN_CLI_UNDER_TEST names. */
export function cliCommand(args: readonly string[]): { readonly file: string; readonly args: string[] } {
  return LAUNCHER ? { file: resolve(REPO_ROOT, LAUNCHER), args: [...args] } : { file: process.execPath, args: [...NODE_ARGS, ...args] };
}

/** Runs the CLI to completion; the environment is this process's without SPREADSCAN_ADDR, plus `env`. */
export function spreadscan(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ToolResult> {
  const { SPREADSCAN_ADDR: _inherited, ...inherited } = process.env;
  const command = cliCommand(args);
  return new Promise((done) => {
    execFile(
      command.file,
      command.args,
      { cwd: REPO_ROOT, timeout: 15_000, maxBuffer: 16 * 1024 * 1024, env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        done({ exitCode: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** A loopback port nothing listens on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** What became of the candidates, as the header of a result says it. */
export function countsText(result: ScanResult): string {
  const count = (value: bigint): string => value.toLocaleString("en-US");
  return (
    `${count(result.candidatesConsidered)} candidates: ${count(result.candidatesRejectedByLegFilters)} cut by leg filters, ` +
    `${count(result.candidatesRejectedBySpreadFilters)} by spread filters, ${count(result.candidatesRankedOut)} ranked out early, ` +
    `${count(result.candidatesFullyEvaluated)} fully evaluated` +
    (result.candidatesBoundedOut > 0n ? `, ${count(result.candidatesBoundedOut)} bounded out` : "") +
    (result.candidatesUnexplored > 0n ? `, ${count(result.candidatesUnexplored)} unexplored` : "")
  );
}

export const occurrences = (text: string, part: string): number => text.split(part).length - 1;
export const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\$]/g, "\\$&");
/** A pattern for text that starts with `prefix`, so a failure shows both in full. */
export const startsWith = (prefix: string): RegExp => new RegExp(`^${escape(prefix)}`);

export const tableRows = (stdout: string): string[] => stdout.split("\n").filter((line) => /^\s*\d+\s+(bull|bear|iron)-/.test(line));
export const noStackTrace = (stderr: string): void => expect(stderr).not.toMatch(/^\s+at /m);
/** A span as the CLI prints it: "850 ms", "1.3 s", "2 min 5 s". */
export const ELAPSED = String.raw`\d+(?:\.\d)? (?:ms|s|min \d+ s)`;

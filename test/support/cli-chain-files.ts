// The SPY chain the `spreadscan scan --chain` tests read, written as `chain generate` writes
// it (JSON and CSV) into a temporary directory of the calling test file, made before its tests
// and removed after them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { writeChainFile } from "../../services/cli/chain-file.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { cliCommand } from "./spreadscan-cli.js";
import { runTool, type ToolResult } from "./tools.js";

export const CHAIN_AS_OF = "2025-06-02T14:30:00Z";
export const CHAIN_SPOT = 600;

export interface ChainFiles {
  /** A path in the test file's temporary directory. */
  readonly file: (name: string) => string;
  readonly jsonChain: string;
  readonly csvChain: string;
  /** The chain the files hold (once the test file's beforeAll has run). */
  readonly chain: () => OptionChain;
}

/** Registers the making and removal of the chain files; call at the top of a test file. */
export function spyChainFiles(prefix: string): ChainFiles {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const file = (name: string): string => join(directory, name);
  const jsonChain = file("spy.json");
  const csvChain = file("spy.csv");
  let chain: OptionChain | undefined;
  beforeAll(async () => {
    chain = generateSyntheticChain({ symbol: "SPY", spot: CHAIN_SPOT, seed: 42, asOf: new Date(CHAIN_AS_OF) });
    await writeChainFile(jsonChain, chain);
    await writeChainFile(csvChain, chain);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return {
    file,
    jsonChain,
    csvChain,
    chain: () => {
      if (!chain) throw new Error("the chain files are made in beforeAll");
      return chain;
    },
  };
}

/** `spreadscan` from source (or the launcher SPREADSCAN_CLI_UNDER_TEST names), in its own process, to completion: with the longer time limit of runTool, for scans of a whole chain. */
export function spreadscanFromSource(...args: string[]): Promise<ToolResult> {
  const command = cliCommand(args);
  return runTool(command.file, command.args);
}

#!/usr/bin/env node
// The `spreadscan` command. Each command lives in commands/ and exports a `register…`
// function that adds it to its parent; this file only assembles them and turns failures
// into exit statuses: 0 done, 2 bad usage or unreadable input (the user can fix it), 1 a bug.
import { Command, CommanderError } from "commander";
import { ChainFileError } from "./chain-file.js";
import { registerChainGenerate } from "./commands/chain-generate.js";
import { registerScan } from "./commands/scan.js";
import { UsageError } from "./usage-error.js";

const EXIT_USAGE = 2;
const EXIT_BUG = 1;

function buildProgram(): Command {
  const program = new Command("spreadscan")
    .description("find and rank option spreads for Interactive Brokers traders")
    // Throw instead of exiting, so usage errors leave with status 2 (commander's own is 1);
    // subcommands created below inherit it.
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");

  // One line per command: `register…(parent)` from its module in commands/.
  const chain = program.command("chain").description("make option chain files");
  registerChainGenerate(chain);
  registerScan(program);

  return program;
}

async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander has already printed its message (or the help the user asked for).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof ChainFileError) {
      process.stderr.write(`spreadscan: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      for (const line of error.lines) process.stderr.write(`spreadscan: ${line}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`spreadscan: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_BUG;
  }
}

// exitCode rather than exit(), so output still being written reaches the terminal.
process.exitCode = await run(process.argv);

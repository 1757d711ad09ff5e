#!/usr/bin/env node
// The `spreadscan` command on plain Node: the program (program.ts) run on this process's
// command line. bin/spreadscan starts it so when no current startup snapshot is built.
import { compileLoopsOnTheMainThread } from "./cold-process.js";
import { endQuietlyWhenTheReaderLeaves, runCommandLine } from "./program.js";

endQuietlyWhenTheReaderLeaves();
compileLoopsOnTheMainThread();
// exitCode rather than exit(), so output still being written reaches the terminal.
process.exitCode = await runCommandLine(process.argv);

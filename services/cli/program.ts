// The `spreadscan` program: each command lives in commands/ and exports a `register…`
// function that adds it to its parent; this file only assembles them and turns failures
// into exit statuses: 0 done, 2 bad usage, unreadable input or a request the coordinator
// refused as invalid or unknown (the user can fix it), 1 any other failed call or a bug,
// 3 a batch in which some symbols failed. Both ways of starting the command run it:
// main.ts (plain Node) and snapshot-main.ts (from a startup snapshot, docs/architecture.md).
import { Command, CommanderError } from "commander";
import { ChainFileError } from "./chain-file.js";
import { CommandFailure, EXIT_STATUS } from "./command-failure.js";
import { registerAlerts } from "./commands/alerts.js";
import { registerBatch } from "./commands/batch.js";
import { registerCancel } from "./commands/cancel.js";
import { registerChainGenerate } from "./commands/chain-generate.js";
import { registerHealth } from "./commands/health.js";
import { registerJobsGet } from "./commands/jobs-get.js";
import { registerJobsList } from "./commands/jobs-list.js";
import { registerJobsSubmit } from "./commands/jobs-submit.js";
import { registerJobsWatch } from "./commands/jobs-watch.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerSavedCreate } from "./commands/saved-create.js";
import { registerSavedDelete } from "./commands/saved-delete.js";
import { registerSavedGet } from "./commands/saved-get.js";
import { registerSavedList } from "./commands/saved-list.js";
import { registerSavedRun } from "./commands/saved-run.js";
import { registerSavedUpdate } from "./commands/saved-update.js";
import { registerScan } from "./commands/scan.js";
import { registerUniverse } from "./commands/universe.js";
import { registerWatch } from "./commands/watch.js";
import { registerWatchlistCreate } from "./commands/watchlist-create.js";
import { registerWatchlistDelete } from "./commands/watchlist-delete.js";
import { registerWatchlistGet } from "./commands/watchlist-get.js";
import { registerWatchlistList } from "./commands/watchlist-list.js";
import { registerWatchlistUpdate } from "./commands/watchlist-update.js";
import { runTraced } from "./traced-command.js";
import { API_KEY_ENV, CA_FILE_ENV, CERT_FILE_ENV, KEY_FILE_ENV, SERVER_NAME_ENV } from "./connection-security.js";
import { COORDINATOR_ADDR_ENV, DEFAULT_COORDINATOR_ADDR } from "./coordinator-connection.js";
import { UsageError } from "./usage-error.js";

const EXIT_USAGE = EXIT_STATUS.usage;
const EXIT_BUG = EXIT_STATUS.failure;

const EXIT_STATUS_HELP = `
Commands other than \`chain generate\` and \`scan --chain\` call the coordinator at --addr
(default ${DEFAULT_COORDINATOR_ADDR}, or $${COORDINATOR_ADDR_ENV}), in plaintext unless told otherwise:
  --tls                  TLS, trusting the system's certificate authorities
  --ca FILE              TLS, trusting this CA ($${CA_FILE_ENV})
  --cert FILE --key FILE mutual TLS: this client certificate and its key ($${CERT_FILE_ENV},
                         $${KEY_FILE_ENV})
  --server-name NAME     the name the coordinator's certificate carries, when it is not --addr's host
                         ($${SERVER_NAME_ENV})
  $${API_KEY_ENV}    the API key, sent as \`authorization: Bearer <key>\` (also --api-key, but
                         flags are visible to other users in \`ps\`; the key is never printed)

Exit status:
  0  done (for \`health\`: SERVING)
  1  the call failed: no coordinator, a failed TLS handshake, UNAVAILABLE, DEADLINE_EXCEEDED,
     RESOURCE_EXHAUSTED, UNAUTHENTICATED (no key, or an unknown one), PERMISSION_DENIED (a key
     without the scope), INTERNAL, ... (for \`health\`: any status but SERVING)
  2  bad usage or unreadable input, or the coordinator refused the request: INVALID_ARGUMENT, NOT_FOUND,
     ALREADY_EXISTS
  3  \`batch\`, \`universe\`, \`saved run\`: some symbols failed, the others were printed
`;

/** The whole command tree, ready to parse one command line. */
export function buildProgram(): Command {
  const program = new Command("spreadscan")
    .description("find and rank option spreads for Interactive Brokers traders")
    // Throw instead of exiting, so usage errors leave with status 2 (commander's own is 1);
    // subcommands created below inherit it.
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", EXIT_STATUS_HELP);

  // One line per command: `register…(parent)` from its module in commands/.
  const chain = program.command("chain").description("make option chain files");
  registerChainGenerate(chain);
  registerScan(program);
  registerWatch(program);
  registerBatch(program);
  registerUniverse(program);
  const jobs = program.command("jobs").description("scan jobs on the coordinator: list them (the default), submit, get, watch, cancel");
  registerJobsList(jobs);
  registerJobsSubmit(jobs);
  registerJobsGet(jobs);
  registerJobsWatch(jobs);
  registerCancel(jobs);
  registerCancel(program);
  const watchlist = program
    .command("watchlist")
    .description("your named lists of symbols on the coordinator: list them (the default), create, get, update, delete");
  registerWatchlistList(watchlist);
  registerWatchlistCreate(watchlist);
  registerWatchlistGet(watchlist);
  registerWatchlistUpdate(watchlist);
  registerWatchlistDelete(watchlist);
  const saved = program.command("saved").description("your saved scans on the coordinator: list them (the default), create, get, update, run, delete");
  registerSavedList(saved);
  registerSavedCreate(saved);
  registerSavedGet(saved);
  registerSavedUpdate(saved);
  registerSavedRun(saved);
  registerSavedDelete(saved);
  registerAlerts(program);
  registerMetrics(program);
  registerHealth(program);

  return program;
}

/** Runs one command line (`process.argv` as Node gives it) to its exit status. */
export async function runCommandLine(argv: readonly string[]): Promise<number> {
  try {
    await runTraced(buildProgram(), argv);
    return 0;
  } catch (error) {
    // Commander has already printed its message (or the help the user asked for).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof ChainFileError) {
      process.stderr.write(`spreadscan: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CommandFailure) {
      for (const line of error.lines) process.stderr.write(`spreadscan: ${line}\n`);
      return error.exitStatus;
    }
    if (error instanceof UsageError) {
      for (const line of error.lines) process.stderr.write(`spreadscan: ${line}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`spreadscan: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_BUG;
  }
}

/**
 * A reader that went away (`| head`, a closed pager) ends the command quietly, as it would
 * end `cat`: there is no one left to tell, and a stack trace would be the only output.
 */
export function endQuietlyWhenTheReaderLeaves(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}

// The `spreadscan` command started from a V8 startup snapshot (bin/spreadscan runs it when
// the build made one for this Node). Built by scripts/build-cli-snapshot.mjs: this file,
// bundled with what it imports, runs once in the snapshot's builder, which warms the offline
// scan up and names the function every process started from the snapshot runs.
import { dirname, join, resolve } from "node:path";
import { startupSnapshot } from "node:v8";
import { loadNewYorkFormat, releaseNewYorkFormat } from "../engine/new-york-time.js";
import { compileLoopsOnTheMainThread } from "./cold-process.js";
import { releaseNumberFormats } from "./lazy-number-format.js";
import { endQuietlyWhenTheReaderLeaves, runCommandLine } from "./program.js";
import { loadInstalledFrom } from "./snapshot/run-time-require.js";
import { warmUp } from "./snapshot/warm-up.js";

/** Where this process's snapshot is: Node keeps `--snapshot-blob FILE` in execArgv. */
function snapshotFile(): string {
  const at = process.execArgv.indexOf("--snapshot-blob");
  const file = at >= 0 ? process.execArgv[at + 1] : process.execArgv.find((arg) => arg.startsWith("--snapshot-blob="))?.slice("--snapshot-blob=".length);
  if (file === undefined) throw new Error("started from a snapshot without --snapshot-blob");
  return resolve(file);
}

function main(): void {
  // Packages left out of the snapshot resolve as the compiled CLI's own imports would: the
  // snapshot is built into dist/cli-snapshot/, beside dist/services/.
  // node:module is taken at run time: the snapshot's builder does not vouch for it.
  const { createRequire } = process.getBuiltinModule("node:module");
  loadInstalledFrom(createRequire(join(dirname(snapshotFile()), "..", "services", "cli", "main.js")));
  // What the plain CLI does as its modules load (new-york-time.ts says why).
  loadNewYorkFormat();
  endQuietlyWhenTheReaderLeaves();
  compileLoopsOnTheMainThread();
  // A process started from a snapshot has no script in argv; commander's "node" form expects one.
  const [node = "node", ...args] = process.argv;
  void runCommandLine([node, "spreadscan", ...args]).then((status) => {
    process.exitCode = status;
  });
}

if (!startupSnapshot.isBuildingSnapshot()) throw new Error("snapshot-main.ts is the startup snapshot's entry: build it with scripts/build-cli-snapshot.mjs");
void warmUp().then(() => {
  // ICU's formatters cannot be in a snapshot; each is made again when a command first formats.
  releaseNewYorkFormat();
  releaseNumberFormats();
  startupSnapshot.setDeserializeMainFunction(main);
});

// One server of bench/bootstrap-overhead.ts in a process of its own, so that its CPU time is
// its own: prints "port <n>", answers each "cpu" line on its input with "cpu <microseconds
// used so far>", and stops when its input ends.
//
// usage: node dist/bench/bootstrap-overhead-server.js KIND LOG_FILE
import { openSync } from "node:fs";
import { createInterface } from "node:readline";
import { OVERHEAD_SERVERS, startOverheadServer, type OverheadServerKind } from "./support/overhead-servers.js";

const [kind, logFile] = process.argv.slice(2);
if (!kind || !(kind in OVERHEAD_SERVERS) || !logFile)
  throw new Error(`usage: bootstrap-overhead-server.js ${Object.keys(OVERHEAD_SERVERS).join("|")} LOG_FILE`);
const server = await startOverheadServer(kind as OverheadServerKind, openSync(logFile, "a"));
process.stdout.write(`port ${server.port}\n`);
const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  if (line !== "cpu") return;
  const used = process.cpuUsage();
  process.stdout.write(`cpu ${used.user + used.system}\n`);
});
input.on("close", () => {
  void server.close().then(() => process.exit(0));
});

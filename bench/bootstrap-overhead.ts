// What the bootstrap costs per unary call: the same Scan answer served by a bare grpc-js
// server and by the bootstrap's GrpcServer with every layer on as in production, each called
// sequentially over loopback by a generated client. The servers take turns in short blocks;
// each block's calls a second and CPU time per call are kept. Measured twice: with the client
// and the servers in this one process (the target's figure: a call's whole cost on one
// thread), and with each server in a process of its own (its CPU per call its own).
// Target: the bootstrap at 85% or more of the bare server's calls a second, in one process.
// Records bench/results/bootstrap-overhead/<time>.json.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import { ScannerServiceClient } from "../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { OVERHEAD_SERVERS, REQUEST, startOverheadServer, type OverheadServer, type OverheadServerKind } from "./support/overhead-servers.js";
import { LogFile, SERVICE_LAYERS } from "./support/production-layers.js";
import { startRun, target, type Cell, type Table } from "./support/run-record.js";

const ROUNDS = 60;
const BLOCK_MS = 500;
const WARM_UP_CALLS = 3_000;
const TARGET_SHARE = 85;
const KINDS = Object.keys(OVERHEAD_SERVERS) as OverheadServerKind[];

const recording = startRun("bootstrap-overhead", "Bootstrap overhead per unary call");

interface Subject {
  readonly kind: OverheadServerKind;
  readonly client: ScannerServiceClient;
  /** CPU microseconds the server has used so far, when it runs in a process of its own. */
  readonly serverCpu?: () => Promise<number>;
  readonly callsPerSecond: number[];
  /** This process's CPU per call: client and servers in one process, the client alone otherwise. */
  readonly cpuPerCall: number[];
  readonly serverCpuPerCall: number[];
  readonly latenciesMs: number[];
}

const subject = (kind: OverheadServerKind, port: number, serverCpu?: () => Promise<number>): Subject => ({
  kind,
  client: new ScannerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure()),
  ...(serverCpu ? { serverCpu } : {}),
  callsPerSecond: [],
  cpuPerCall: [],
  serverCpuPerCall: [],
  latenciesMs: [],
});

const call = (client: ScannerServiceClient): Promise<void> =>
  new Promise((resolve, reject) => client.scan(REQUEST, (error) => (error ? reject(error) : resolve())));

async function measure(subjects: readonly Subject[]): Promise<void> {
  for (const each of subjects) for (let index = 0; index < WARM_UP_CALLS; index++) await call(each.client);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating order: whatever else the machine does falls on every server alike.
    for (const each of round % 2 === 0 ? subjects : [...subjects].reverse()) {
      const serverBefore = await each.serverCpu?.();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const end = started + BLOCK_MS;
      let calls = 0;
      for (let now = started; now < end; calls++) {
        await call(each.client);
        const after = performance.now();
        each.latenciesMs.push(after - now);
        now = after;
      }
      const elapsedMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const serverAfter = await each.serverCpu?.();
      each.callsPerSecond.push(calls / (elapsedMs / 1000));
      each.cpuPerCall.push((cpu.user + cpu.system) / calls);
      if (serverBefore !== undefined && serverAfter !== undefined) each.serverCpuPerCall.push((serverAfter - serverBefore) / calls);
    }
  }
  for (const each of subjects) each.client.close();
}

interface ServerProcess {
  readonly port: number;
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

/** A server in a process of its own (bench/bootstrap-overhead-server.ts), asked for its CPU time between blocks. */
async function serverProcess(kind: OverheadServerKind, logFile: string): Promise<ServerProcess> {
  const entryPoint = fileURLToPath(new URL("./bootstrap-overhead-server.js", import.meta.url));
  const child = spawn(process.execPath, [entryPoint, kind, logFile], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => waiting.shift()?.(line));
  const nextLine = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = Number((await nextLine()).split(" ")[1]);
  return {
    port,
    async cpu() {
      const answer = nextLine();
      child.stdin.write("cpu\n");
      return Number((await answer).split(" ")[1]);
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

/** Nearest rank: the smallest value with at least `fraction` of the values at or below it. */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}
const median = (values: readonly number[]): number => percentile(values, 0.5);

/** The median over rounds of `each`'s calls a second over the bare server's in the same round, %. */
function shareOfBare(subjects: readonly Subject[], each: Subject): number {
  const bare = subjects.find((candidate) => candidate.kind === "bare")!;
  return 100 * median(each.callsPerSecond.map((rate, round) => rate / bare.callsPerSecond[round]!));
}

const logLines = (log: LogFile): number => log.lines().filter((line) => line.msg === "call").length;
const bootstrapCalls = (subjects: readonly Subject[]): number =>
  subjects.filter((each) => each.kind !== "bare").reduce((sum, each) => sum + each.latenciesMs.length + WARM_UP_CALLS, 0);

// 1. The client and every server in this process.
const inProcessLog = new LogFile("bootstrap-overhead");
const inProcessServers: OverheadServer[] = [];
for (const kind of KINDS) inProcessServers.push(await startOverheadServer(kind, inProcessLog.fd));
const inProcess = KINDS.map((kind, index) => subject(kind, inProcessServers[index]!.port));
await measure(inProcess);
for (const server of inProcessServers) await server.close();
const inProcessLines = logLines(inProcessLog);
inProcessLog.remove();

// 2. Each server in a process of its own.
const ownProcessLog = new LogFile("bootstrap-overhead-servers");
const ownProcessServers: ServerProcess[] = [];
for (const kind of KINDS) ownProcessServers.push(await serverProcess(kind, ownProcessLog.path));
const ownProcess = KINDS.map((kind, index) => subject(kind, ownProcessServers[index]!.port, () => ownProcessServers[index]!.cpu()));
await measure(ownProcess);
for (const server of ownProcessServers) await server.stop();
const ownProcessLines = logLines(ownProcessLog);
ownProcessLog.remove();

const latencyColumns = [
  { key: "p50Ms", label: "p50 (ms)", digits: 3 },
  { key: "p99Ms", label: "p99 (ms)", digits: 3 },
];
const row = (subjects: readonly Subject[], each: Subject): Record<string, Cell> => ({
  server: OVERHEAD_SERVERS[each.kind],
  calls: each.latenciesMs.length,
  callsPerSecond: median(each.callsPerSecond),
  shareOfBare: shareOfBare(subjects, each),
  cpuPerCall: median(each.cpuPerCall),
  serverCpuPerCall: each.serverCpuPerCall.length > 0 ? median(each.serverCpuPerCall) : null,
  p50Ms: percentile(each.latenciesMs, 0.5),
  p99Ms: percentile(each.latenciesMs, 0.99),
});
const tables: Table[] = [
  {
    title: "Client and servers in one process",
    columns: [
      { key: "server", label: "server" },
      { key: "calls", label: "calls measured" },
      { key: "callsPerSecond", label: "calls/s" },
      { key: "shareOfBare", label: "share of bare (%)", digits: 1 },
      { key: "cpuPerCall", label: "CPU per call (µs)", digits: 1 },
      ...latencyColumns,
    ],
    rows: inProcess.map((each) => row(inProcess, each)),
  },
  {
    title: "Each server in a process of its own",
    columns: [
      { key: "server", label: "server" },
      { key: "calls", label: "calls measured" },
      { key: "callsPerSecond", label: "calls/s" },
      { key: "shareOfBare", label: "share of bare (%)", digits: 1 },
      { key: "serverCpuPerCall", label: "server CPU per call (µs)", digits: 1 },
      { key: "cpuPerCall", label: "client CPU per call (µs)", digits: 1 },
      ...latencyColumns,
    ],
    rows: ownProcess.map((each) => row(ownProcess, each)),
  },
];

recording.finish({
  method:
    `Each measurement: ${WARM_UP_CALLS.toLocaleString("en-US")} warm-up calls per server, then ${ROUNDS} rounds of one ${BLOCK_MS} ms block per server, in alternating order. ` +
    "Calls a second and CPU per call are the medians over the blocks (CPU from process.cpuUsage, threads included); a share of the bare server is the median over the rounds of the ratio to the bare server's block in the same round; latencies are over every measured call. " +
    `The bootstrap servers wrote ${inProcessLines.toLocaleString("en-US")} call log lines for ${bootstrapCalls(inProcess).toLocaleString("en-US")} calls in one process, ` +
    `and ${ownProcessLines.toLocaleString("en-US")} for ${bootstrapCalls(ownProcess).toLocaleString("en-US")} in their own.`,
  layers: SERVICE_LAYERS,
  tables,
  targets: [
    target(
      "the bootstrap with every layer on, client and server in one process: its calls a second as a share of the bare server's",
      shareOfBare(
        inProcess,
        inProcess.find((each) => each.kind === "bootstrap")!,
      ),
      "at least",
      TARGET_SHARE,
      "%",
      1,
    ),
  ],
});

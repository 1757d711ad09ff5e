// `make run-cluster` as a reader of docs/scaling.md uses it: Redis, NATS, PostgreSQL, Jaeger,
// three scanners and two coordinators start on loopback, the banner shows how to scan, either
// coordinator answers the CLI, the scans spread over the scanner replicas, a watchlist and a
// saved scan made through one coordinator run on the other (one database), the Jaeger UI the
// banner names answers and holds both services' traces, and Ctrl-C leaves nothing listening. Every port is moved to a free one through the launcher's variables.
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../support/infra-servers.js";
import { REPO_ROOT, runTool } from "../support/tools.js";

let run: ChildProcess | undefined;
afterAll(async () => {
  // Whatever is left of the group when the test failed half-way: a SIGINT lets the launcher
  // stop the children it started in groups of their own. It is waited for: ended with the
  // test's worker, the launcher would leave its servers running.
  const current = run;
  if (current?.pid === undefined || current.exitCode !== null || current.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
  try {
    process.kill(-current.pid, "SIGINT");
  } catch {
    return;
  }
  await exited;
}, 60_000);

/** True when something accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function scansAnswered(adminPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  let sum = 0;
  for (const match of text.matchAll(/^grpc_server_handled_total\{([^}]*)\} (\S+)$/gm)) if (match[1]!.includes('grpc_method="Scan"')) sum += Number(match[2]);
  return sum;
}

describe("make run-cluster", () => {
  it("starts Redis, NATS, PostgreSQL, Jaeger, three scanners and two coordinators, serves the CLI through either coordinator, shares saved scans, traces into Jaeger, and stops everything on Ctrl-C", async () => {
    const ports = await Promise.all(Array.from({ length: 17 }, () => freeLoopbackPort()));
    const [redisPort, natsPort, s1, s2, s3, sa1, sa2, sa3, c1, c2, ca1, ca2, postgresPort, jaegerUi, jaegerOtlp, jaegerOtlpGrpc, jaegerQueryGrpc] = ports as [
      number,
      ...number[],
    ];
    const env = {
      ...process.env,
      REDIS_PORT: String(redisPort),
      NATS_PORT: String(natsPort),
      POSTGRES_PORT: String(postgresPort),
      SCANNER_PORTS: [s1, s2, s3].join(","),
      SCANNER_ADMIN_PORTS: [sa1, sa2, sa3].join(","),
      COORDINATOR_PORTS: [c1, c2].join(","),
      COORDINATOR_ADMIN_PORTS: [ca1, ca2].join(","),
      JAEGER_UI_PORT: String(jaegerUi),
      JAEGER_OTLP_PORT: String(jaegerOtlp),
      JAEGER_OTLP_GRPC_PORT: String(jaegerOtlpGrpc),
      JAEGER_QUERY_GRPC_PORT: String(jaegerQueryGrpc),
    };
    // Its own process group, so that Ctrl-C reaches make and the launcher, as at a terminal.
    const started = spawn("make", ["--no-print-directory", "run-cluster"], { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    run = started;
    let output = "";
    started.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    started.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = new Promise<void>((resolve) => started.once("exit", () => resolve()));

    await expect.poll(() => output, { timeout: 120_000, interval: 250 }).toContain("Ctrl-C stops everything.");
    expect(output).toContain(`SCANNER_ADDR=ipv4:127.0.0.1:${s1},127.0.0.1:${s2},127.0.0.1:${s3}`);
    expect(output).toContain(`redis://127.0.0.1:${redisPort}`);
    expect(output).toContain(`nats://127.0.0.1:${natsPort}`);
    expect(output).toContain(`postgres://spreadscan@127.0.0.1:${postgresPort}/spreadscan`);
    const jaegerUrl = /^\s+jaeger\s+(http:\/\/\S+) /m.exec(output)?.[1];
    expect(jaegerUrl).toBe(`http://127.0.0.1:${jaegerUi}`);
    const page = await fetch(jaegerUrl!);
    expect([page.status, page.headers.get("content-type")]).toEqual([200, expect.stringContaining("text/html")]);

    // The commands the banner shows, against each coordinator, with the variables it sets
    // before one of them (the CLI's tracing).
    const shownCommands = [...output.matchAll(/^ +((?:[A-Z_]+=\S+ )*)npx spreadscan (scan SPY [^\n]*--addr \S+)/gm)].map((match) => ({
      env: Object.fromEntries(
        match[1]!
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map((assignment) => assignment.split("=", 2) as [string, string]),
      ),
      args: match[2]!.trim().split(/\s+/),
    }));
    expect(shownCommands.map((command) => command.env)).toContainEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${jaegerOtlp}` });
    const shown = shownCommands.map((command) => command.args);
    expect(new Set(shown.map((args) => args.at(-1)))).toEqual(new Set([`127.0.0.1:${c1}`, `127.0.0.1:${c2}`]));
    for (const { args, env: variables } of shownCommands) {
      const scan = await runTool(process.execPath, ["dist/services/cli/main.js", ...args], { timeoutMs: 60_000, env: { ...process.env, ...variables } });
      expect(scan.stderr).toBe("");
      expect(scan.exitCode).toBe(0);
      expect(scan.stdout).toMatch(/^SPY \d+\.\d+ as of /m);
    }
    // Fresh scans through both coordinators reach more than one scanner replica.
    for (let call = 0; call < 6; call++) {
      const scan = await runTool(
        process.execPath,
        [
          "dist/services/cli/main.js",
          "scan",
          "IWM",
          "--no-cache",
          "--strategy",
          "bull-put",
          "--max-dte",
          "30",
          "--max-width",
          "5",
          "--addr",
          `127.0.0.1:${call % 2 ? c2 : c1}`,
        ],
        { timeoutMs: 60_000 },
      );
      expect(scan.exitCode).toBe(0);
    }
    const perReplica = await Promise.all([sa1!, sa2!, sa3!].map(scansAnswered));
    expect(perReplica.filter((count) => count > 0).length).toBeGreaterThan(1);
    // Every service sends its traces to the Jaeger the banner names (their exporters send
    // every 5 s, the OpenTelemetry default), and so does the CLI run as the banner shows.
    await expect
      .poll(async () => ((await (await fetch(`${jaegerUrl}/api/services`)).json()) as { data: string[] | null }).data?.sort(), {
        timeout: 30_000,
        interval: 500,
      })
      .toEqual(["spreadscan-cli", "spreadscan-coordinator", "spreadscan-scanner"]);

    // The banner's watchlist and saved scan, made through the first coordinator, in its order;
    // the saved scan then runs on the other: both read one PostgreSQL.
    const sharing = [...output.matchAll(/npx spreadscan ((?:watchlist|saved) [^\n]*--addr \S+)/g)].map((match) => match[1]!.trim().split(/\s+/));
    expect(sharing.map((args) => [args[0], args[1], args.at(-1)])).toEqual([
      ["watchlist", "create", `127.0.0.1:${c1}`],
      ["saved", "create", `127.0.0.1:${c1}`],
      ["saved", "run", `127.0.0.1:${c2}`],
    ]);
    const answers = [];
    for (const args of sharing) answers.push(await runTool(process.execPath, ["dist/services/cli/main.js", ...args], { timeoutMs: 60_000 }));
    for (const answer of answers) expect([answer.exitCode, answer.stderr]).toEqual([0, ""]);
    expect(answers.at(-1)?.stdout).toMatch(/^Saved scan etf-credit \(updated \S+\)\nWatchlist etfs of 3 symbols · /);
    expect(answers.at(-1)?.stdout).toMatch(/\n3 symbols: 3 scanned, 0 stale, 0 failed\n$/);

    if (started.pid !== undefined) process.kill(-started.pid, "SIGINT");
    // make, interrupted, waits for the launcher and then ends by the signal itself.
    await exited;
    expect(output).toContain("run-cluster: everything stopped");
    expect(output.match(/coordinator: stopped/g)).toHaveLength(2);
    expect(output.match(/scanner: stopped/g)).toHaveLength(3);
    // Nothing listens any more: not a service, not Redis, not NATS.
    const stillListening = (await Promise.all(ports.map(async (port) => ((await listening(port)) ? port : undefined)))).filter((port) => port !== undefined);
    expect(stillListening).toEqual([]);
  }, 240_000);
});

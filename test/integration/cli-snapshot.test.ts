// bin/spreadscan and the CLI's startup snapshot, as `make build` leaves them: the compiled CLI
// and the snapshot built into a temporary install (the launcher, dist/, links to node_modules
// and .tools), never into this checkout's dist/, which other tests rebuild. The launcher must
// start from the snapshot when it is current, print what the compiled CLI prints, load gRPC and
// the tracing SDK at run time, and run the compiled CLI instead when the snapshot is from another Node or older
// than dist/.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spyChainFiles } from "../support/cli-chain-files.js";
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { freePort } from "../support/spreadscan-cli.js";
import { REPO_ROOT, runTool, type ToolResult } from "../support/tools.js";

const files = spyChainFiles("spreadscan-cli-snapshot-chain-");
const install = mkdtempSync(join(tmpdir(), "spreadscan-cli-snapshot-"));
const launcher = join(install, "bin", "spreadscan");
const main = join(install, "dist", "services", "cli", "main.js");
const snapshot = join(install, "dist", "cli-snapshot");
const blob = join(snapshot, "spreadscan.blob");
const nodeVersion = join(snapshot, "node-version");

const QUERY = ["--strategy", "iron-condor", "--min-dte", "20", "--max-dte", "45", "--min-short-delta", "0.15", "--max-short-delta", "0.3", "--max-width", "5"];
const scanArgs = (...output: string[]): string[] => ["scan", "--chain", files.csvChain, ...QUERY, ...output];

/** The compiled CLI run directly, as bin/spreadscan runs it without a snapshot. */
const compiledCli = (args: readonly string[]): Promise<ToolResult> => runTool(process.execPath, [main, ...args], { timeoutMs: 60_000 });
const spreadscan = (args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ToolResult> =>
  runTool(launcher, args, { timeoutMs: 60_000, env: { ...process.env, ...env } });

/** The scan's JSON without its timings, the one part two runs of the same scan differ in. */
function withoutTimings(run: ToolResult): unknown {
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  const document = JSON.parse(run.stdout) as { result?: { timings?: unknown } };
  expect(document.result?.timings).toBeDefined();
  delete document.result?.timings;
  return document;
}

/** Every .ts under `directory`, for esbuild to compile one by one as tsc does. */
function typescriptUnder(directory: string): string[] {
  return readdirSync(join(REPO_ROOT, directory), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(REPO_ROOT, directory, file));
}

/** The source module esbuild bundled at `offset` of the bundle: it heads each with a `// path` comment. */
function moduleAt(bundle: string, offset: number): string {
  const heading = /^\/\/ ((?:services|gen)\/\S+\.ts)$/gm;
  let module = "";
  for (const match of bundle.matchAll(heading)) {
    if (match.index > offset) break;
    module = match[1] as string;
  }
  return module;
}

let json: ToolResult;
let csv: ToolResult;

beforeAll(async () => {
  mkdirSync(join(install, "bin"));
  copyFileSync(join(REPO_ROOT, "bin", "spreadscan"), launcher);
  chmodSync(launcher, 0o755);
  symlinkSync(join(REPO_ROOT, "node_modules"), join(install, "node_modules"));
  symlinkSync(join(REPO_ROOT, ".tools"), join(install, ".tools"));
  writeFileSync(join(install, "package.json"), JSON.stringify({ type: "module" }));
  // dist/ as tsc -p tsconfig.build.json writes it (the same modules, compiled one by one), in seconds.
  await build({
    entryPoints: [...typescriptUnder("services"), ...typescriptUnder("gen/ts")],
    outdir: join(install, "dist"),
    outbase: REPO_ROOT,
    format: "esm",
    platform: "node",
    target: "node24",
    logLevel: "error",
  });
  const built = await runTool(process.execPath, [join(REPO_ROOT, "scripts", "build-cli-snapshot.mjs"), snapshot], { timeoutMs: 120_000 });
  expect(built.exitCode, built.stderr).toBe(0);
  [json, csv] = await Promise.all([compiledCli(scanArgs("--json")), compiledCli(scanArgs("--csv"))]);
  expect(csv.exitCode).toBe(0);
}, 180_000);

afterAll(() => rmSync(install, { recursive: true, force: true }));

describe("bin/spreadscan", () => {
  describe("from a current snapshot", () => {
    // Without the compiled CLI only the snapshot can answer.
    const aside = `${main}.aside`;
    let receiver: OtlpReceiver;
    beforeAll(async () => {
      renameSync(main, aside);
      receiver = await startOtlpReceiver();
    });
    afterAll(async () => {
      renameSync(aside, main);
      await receiver.close();
    });

    it("prints what the compiled CLI prints", async () => {
      const [fromSnapshot, csvFromSnapshot] = await Promise.all([spreadscan(scanArgs("--json")), spreadscan(scanArgs("--csv"))]);
      expect(withoutTimings(fromSnapshot)).toEqual(withoutTimings(json));
      expect(csvFromSnapshot).toEqual(csv);
    });

    it("scans with the engine's code compiled in the snapshot: none of it is parsed while the scan runs", async () => {
      // V8 logs each function it parses and compiles to bytecode; one the snapshot's warm-up
      // never ran is parsed inside the user's scan, at the engine's expense.
      const log = join(install, "function-events.log");
      const run = await runTool(
        process.execPath,
        ["--snapshot-blob", blob, "--log-function-events", `--logfile=${log}`, "--no-logfile-per-isolate", "--", ...scanArgs("--json")],
        { timeoutMs: 60_000 },
      );
      expect([run.exitCode, run.stderr]).toEqual([0, ""]);
      const bundle = readFileSync(join(snapshot, "spreadscan.cjs"), "utf8");
      const events = readFileSync(log, "utf8")
        .split("\n")
        .map((line) => line.split(","));
      // The bundle's script id: the bundle was built into the builder's directory, so it is named by its path there.
      const bundleScript = events.find(([kind, , name]) => kind === "script-details" && name?.endsWith("spreadscan.cjs"))?.[1];
      expect(bundleScript).toBeDefined();
      const parsedInEngine = events
        .filter(([kind, event, script]) => kind === "function" && event === "parse-function" && script === bundleScript)
        .map(([, , , start, , , , name]) => ({ name, module: moduleAt(bundle, Number(start)) }))
        // The entry makes the New York format as the process starts (snapshot-main.ts), before the command.
        .filter(({ name, module }) => module.startsWith("services/engine/") && name !== "loadNewYorkFormat");
      expect(parsedInEngine).toEqual([]);
    });

    it("loads gRPC when a command calls the coordinator, reading this process's GRPC_ variables, not the builder's", async () => {
      const address = `127.0.0.1:${String(await freePort())}`;
      const health = await spreadscan(["health", "--addr", address, "--timeout", "5s"], { GRPC_VERBOSITY: "DEBUG", GRPC_TRACE: "channel" });
      expect(health.exitCode, health.stderr).toBe(1);
      expect(health.stderr).toMatch(new RegExp(`^spreadscan: UNAVAILABLE: no coordinator at ${address} `, "m"));
      expect(health.stderr).toMatch(/ \| channel \| .*Channel constructed/);
    });

    it("exports the command's span when the environment asks for traces", async () => {
      const run = await spreadscan(scanArgs("--json"), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
      expect([run.exitCode, run.stderr]).toEqual([0, ""]);
      await receiver.waitFor((spans) => spans.some((span) => span.name === "spreadscan scan"));
      expect(receiver.spans.find((span) => span.name === "spreadscan scan")).toMatchObject({
        service: "spreadscan-cli",
        kind: SPAN_KIND.client,
        parentSpanId: "",
      });
    });
  });

  describe("gives the Node it starts a young generation of 16 MB", () => {
    // The launcher in an install of its own whose Node is the real one behind a script that
    // notes each command line it is given.
    const root = mkdtempSync(join(tmpdir(), "spreadscan-cli-launcher-"));
    const own = join(root, "bin", "spreadscan");
    const commandLines = join(root, "node-command-lines.txt");
    beforeAll(() => {
      mkdirSync(join(root, "bin"));
      copyFileSync(launcher, own);
      chmodSync(own, 0o755);
      symlinkSync(join(install, "dist"), join(root, "dist"));
      symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
      writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
      mkdirSync(join(root, ".tools", "node", "bin"), { recursive: true });
      writeFileSync(join(root, ".tools", "node", "bin", "node"), `#!/bin/sh\necho "$*" >> '${commandLines}'\nexec '${process.execPath}' "$@"\n`, {
        mode: 0o755,
      });
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it("from the snapshot and without it", async () => {
      const args = scanArgs("--json");
      expect(withoutTimings(await runTool(own, args, { timeoutMs: 60_000 }))).toEqual(withoutTimings(json));
      writeFileSync(nodeVersion, "v0.0.0\n");
      try {
        expect(withoutTimings(await runTool(own, args, { timeoutMs: 60_000 }))).toEqual(withoutTimings(json));
      } finally {
        writeFileSync(nodeVersion, `${process.version}\n`);
      }
      const started = readFileSync(commandLines, "utf8")
        .trim()
        .split("\n")
        .filter((line) => line !== "--version");
      expect(started).toEqual([
        ["--min-semi-space-size=16", "--snapshot-blob", join(root, "dist", "cli-snapshot", "spreadscan.blob"), "--", ...args].join(" "),
        ["--min-semi-space-size=16", join(root, "dist", "services", "cli", "main.js"), ...args].join(" "),
      ]);
    });
  });

  describe("runs the compiled CLI instead of a snapshot it cannot use", () => {
    const kept = join(install, "kept.blob");
    beforeAll(() => {
      // A blob Node would refuse: started from it, the command fails.
      copyFileSync(blob, kept);
      writeFileSync(blob, "not a snapshot");
    });
    afterAll(() => copyFileSync(kept, blob));

    it("one the same Node built, but older than dist/", async () => {
      const used = await spreadscan(scanArgs("--json"));
      expect(used.exitCode, `the launcher used the broken blob: ${relative(install, blob)}`).not.toBe(0);
      const later = new Date(Date.now() + 60_000);
      utimesSync(main, later, later);
      expect(withoutTimings(await spreadscan(scanArgs("--json")))).toEqual(withoutTimings(json));
      const earlier = new Date(Date.now() - 3_600_000);
      utimesSync(main, earlier, earlier);
    });

    it("one another Node built", async () => {
      writeFileSync(nodeVersion, "v0.0.0\n");
      try {
        expect(withoutTimings(await spreadscan(scanArgs("--json")))).toEqual(withoutTimings(json));
      } finally {
        writeFileSync(nodeVersion, `${process.version}\n`);
      }
    });
  });
});

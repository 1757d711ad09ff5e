// The clients a user outside TypeScript has, against both services started as `make run`
// starts them, each as its own process on loopback: the generated Go client (go test in
// test/interop/go), the generated Python client (pytest in test/interop/python, in the
// .tools/venv holding gen/python), grpcurl and `buf curl` through server reflection, the
// two examples, and the spreadscan command. Every tool comes from the project's own setup
// (`make setup`).
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { REPO_ROOT, projectTool, type ToolResult } from "../support/tools.js";

const COORDINATOR = "spreadscan.coordinator.v1.CoordinatorService";
/** Every service the coordinator serves, as reflection lists them (sorted as the test sorts them). */
const COORDINATOR_SERVICES = ["grpc.health.v1.Health", COORDINATOR, "spreadscan.coordinator.v1.SavedScanService", "spreadscan.coordinator.v1.WatchlistService"];
const SCANNER = "spreadscan.scanner.v1.ScannerService";
/** Bull put spreads within 45 days, at most 5 wide, the best 10: the query every client sends. */
const BULL_PUTS = { strategies: ["STRATEGY_BULL_PUT"], filters: { maxDte: 45, maxWidth: 5 }, limit: 10 };
const SCAN_JSON = JSON.stringify({ symbol: "SPY", query: BULL_PUTS });
/** Compiling the Go test is the slow part on a cold build cache; `make check-go` warms it. */
const GO_TIMEOUT_MS = 240_000;
/** A query with nothing in it: the engine's defaults decide. */
const BARE_SCAN_JSON = JSON.stringify({ symbol: "SPY" });

let scanner: ServiceProcess | undefined;
let coordinator: ServiceProcess | undefined;
let address: string;
let scannerAddress: string;
/** An UpdateChain request storing the SPY chain of the engine benchmark (spot 600, seed 42) in the scanner, as proto3 JSON. */
let updateChainFile: string;
const directory = mkdtempSync(join(tmpdir(), "interop-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

beforeAll(async () => {
  // What `make check-python` does: install gen/python as it is now into .tools/venv, and
  // import it. Here, before any test, as pytest and the Python example import it from there.
  const installing = run(join(REPO_ROOT, "scripts/check-python-package.sh"), [projectTool(".tools/venv/bin/python")], { timeoutMs: 90_000 });
  const scannerProcess = (scanner = spawnService("services/scanner/main.ts", freePorts("SCANNER")));
  const scannerPort = (await scannerProcess.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  scannerAddress = `127.0.0.1:${scannerPort}`;
  const spy = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") });
  updateChainFile = join(directory, "update-chain.json");
  writeFileSync(updateChainFile, JSON.stringify({ mode: "UPDATE_MODE_REPLACE", chain: OptionChain.toJSON(spy) }));
  // Fast ticks, so that a watch has three messages within a second or two.
  const coordinatorProcess = (coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    SIMULATED_TICK_INTERVAL: "0.3",
  }));
  address = `127.0.0.1:${(await coordinatorProcess.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
  const installed = await installing;
  if (installed.exitCode !== 0) throw new Error(`scripts/check-python-package.sh failed: ${installed.stdout}${installed.stderr}`);
}, 120_000);
afterAll(() => {
  coordinator?.kill();
  scanner?.kill();
});

/** Runs a command to completion with extra environment and returns its output, whatever its exit code. */
function run(command: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ToolResult> {
  const { cwd = REPO_ROOT, env = {}, timeoutMs = 60_000 } = options;
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Splits the output of grpcurl or buf curl, one pretty-printed JSON document per message, into the documents complete so far. */
function jsonDocuments(text: string): unknown[] {
  const documents: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{") {
      if (depth++ === 0) start = index;
    } else if (char === "}" && --depth === 0) documents.push(JSON.parse(text.slice(start, index + 1)));
  }
  return documents;
}

/** Starts a streaming call with a command-line client, stops it once `count` messages have arrived, and returns them. */
function streamMessages(command: string, args: readonly string[], count: number, timeoutMs = 30_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`fewer than ${count} messages within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const documents = jsonDocuments(stdout);
      if (documents.length >= count) {
        clearTimeout(timer);
        child.kill();
        resolve(documents.slice(0, count));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before ${count} messages; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
}

interface WatchMessage {
  readonly update: { readonly sequence: string; readonly initial?: boolean; readonly result: { readonly symbol: string; readonly spreads: unknown[] } };
}

/** Three watch messages in JSON: increasing sequence numbers, the first one initial, each with a top N. */
function expectWatchStream(messages: unknown[]): void {
  const updates = (messages as WatchMessage[]).map((message) => message.update);
  const sequences = updates.map((update) => Number(update.sequence));
  expect(sequences[0]).toBe(1);
  expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  expect(new Set(sequences).size).toBe(3);
  expect(updates.map((update) => update.initial === true)).toEqual([true, false, false]);
  for (const update of updates) {
    expect(update.result.symbol).toBe("SPY");
    expect(update.result.spreads.length).toBeGreaterThan(0);
  }
}

interface ScanJson {
  readonly jobId: string;
  readonly result: {
    readonly symbol: string;
    readonly underlyingPrice: number;
    readonly spreads: { strategy: string; dte: number; width: number }[];
    readonly effectiveQuery?: unknown;
    readonly [count: `candidates${string}`]: string | undefined;
  };
}

/**
 * What a bare query applies, worked out from the documented rules rather than asked of the
 * engine: DTE 7–60, short |Δ| ≥ 0.10, wings up to 2% of the price in whole strike increments
 * and at least two (SPY lists $1 strikes near the money), all six strategies, by score at mid,
 * the best 20, weights 0.5/0.3/0.2, shorts out of the money, each expiration's at-the-money σ.
 */
function defaultsFor(spot: number): unknown {
  return {
    strategies: ["STRATEGY_BULL_PUT", "STRATEGY_BEAR_CALL", "STRATEGY_BULL_CALL", "STRATEGY_BEAR_PUT", "STRATEGY_IRON_CONDOR", "STRATEGY_IRON_BUTTERFLY"],
    filters: { minDte: 7, maxDte: 60, minShortDelta: 0.1, maxWidth: Math.max(2, Math.round(0.02 * spot)), shortStrikesOutOfTheMoney: true },
    sort: "SORT_KEY_SCORE",
    pricing: "PRICING_MODE_MID",
    limit: 20,
    scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
    probabilityModel: "PROBABILITY_MODEL_EXPIRY_ATM_IV",
  };
}

/** A bare scan's answer: the top 20 within the defaults, which it reports, every candidate accounted for. */
function expectBareScan(stdout: string): void {
  const { result } = JSON.parse(stdout) as ScanJson;
  expect(result.symbol).toBe("SPY");
  expect(result.effectiveQuery).toEqual(defaultsFor(result.underlyingPrice));
  expect(result.spreads).toHaveLength(20);
  for (const spread of result.spreads) {
    expect(spread.dte).toBeGreaterThanOrEqual(7);
    expect(spread.dte).toBeLessThanOrEqual(60);
    expect(spread.width).toBeLessThanOrEqual(Math.max(2, Math.round(0.02 * result.underlyingPrice)));
  }
  expectCountsAddUp(result);
}

/** The six outcome counters of a result add up to the candidates it considered; returns them by name. */
function expectCountsAddUp(result: ScanJson["result"]): (name: string) => number {
  // proto3 JSON leaves zero counts out.
  const count = (name: string): number => Number(result[`candidates${name}`] ?? 0);
  const outcomes = ["RejectedByLegFilters", "RejectedBySpreadFilters", "RankedOut", "FullyEvaluated", "BoundedOut", "Unexplored"];
  expect(count("Considered")).toBeGreaterThan(0);
  expect(outcomes.reduce((sum, name) => sum + count(name), 0)).toBe(count("Considered"));
  return count;
}

function expectBullPutScan(stdout: string): void {
  const response = JSON.parse(stdout) as ScanJson;
  expect(response.jobId).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.result.symbol).toBe("SPY");
  expect(response.result.spreads.length).toBeGreaterThan(0);
  expect(response.result.spreads.length).toBeLessThanOrEqual(10);
  for (const spread of response.result.spreads) {
    expect(spread.strategy).toBe("STRATEGY_BULL_PUT");
    expect(spread.dte).toBeLessThanOrEqual(45);
    expect(spread.width).toBeLessThanOrEqual(5);
  }
}

// The clients are independent processes, so they run at the same time: the wall time is
// about that of the slowest one (the Go test's compile and link).
describe.concurrent("clients outside TypeScript, against the coordinator", () => {
  it("the generated Go client: go test in test/interop/go scans, watches and reads BadRequest details", { timeout: GO_TIMEOUT_MS + 10_000 }, async () => {
    const { exitCode, stdout, stderr } = await run("go", ["test", "-count=1", "-v", "./..."], {
      cwd: join(REPO_ROOT, "test/interop/go"),
      env: { COORDINATOR_ADDR: address },
      timeoutMs: GO_TIMEOUT_MS,
    });
    expect(exitCode, `${stdout}\n${stderr}`).toBe(0);
    for (const test of ["TestScan", "TestWatchSpreads", "TestInvalidScanCarriesBadRequestDetails", "TestUnknownSymbolIsNotFound"]) {
      expect(stdout).toContain(`--- PASS: ${test} `);
    }
    expect(stdout).not.toContain("--- SKIP");
  });

  it("the generated Python client: pytest in test/interop/python, with gen/python installed in .tools/venv", async () => {
    const { exitCode, stdout, stderr } = await run(
      projectTool(".tools/venv/bin/python"),
      ["-m", "pytest", "-p", "no:cacheprovider", "-v", "test/interop/python"],
      {
        env: { COORDINATOR_ADDR: address, PYTHONDONTWRITEBYTECODE: "1" },
      },
    );
    expect(exitCode, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/\b4 passed\b/);
    expect(stdout).not.toMatch(/skipped/);
  });

  it("grpcurl: lists and describes through reflection, calls Scan (a bare one too, on both services) and health, decodes BadRequest, streams WatchSpreads and WatchUniverse", async () => {
    const grpcurl = projectTool(".tools/bin/grpcurl");
    const call = (...args: string[]) => run(grpcurl, ["-plaintext", ...args]);

    const list = await call(address, "list");
    expect(list.stdout.trim().split("\n").sort()).toEqual(COORDINATOR_SERVICES);
    const describeMethod = await call(address, "describe", `${COORDINATOR}.WatchSpreads`);
    expect(describeMethod.stdout).toContain(
      "rpc WatchSpreads ( .spreadscan.coordinator.v1.WatchSpreadsRequest ) returns ( stream .spreadscan.coordinator.v1.WatchSpreadsResponse );",
    );

    const scan = await call("-d", SCAN_JSON, address, `${COORDINATOR}/Scan`);
    expect(scan.stderr).toBe("");
    expect(scan.exitCode).toBe(0);
    expectBullPutScan(scan.stdout);

    const health = await call(address, "grpc.health.v1.Health/Check");
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });

    const invalid = await call(
      "-format-error",
      "-d",
      JSON.stringify({ symbol: "SPY!", query: { filters: { minDte: 30, maxDte: 5 } } }),
      address,
      `${COORDINATOR}/Scan`,
    );
    expect(invalid.exitCode).not.toBe(0);
    const failure = JSON.parse(invalid.stderr) as { code: number; details: { "@type": string; fieldViolations: { field: string }[] }[] };
    expect(failure.code).toBe(3);
    expect(failure.details[0]?.["@type"]).toBe("type.googleapis.com/google.rpc.BadRequest");
    const fields = failure.details[0]?.fieldViolations.map((violation) => violation.field) ?? [];
    expect(fields).toContain("symbol");
    expect(fields).toContain("query.filters.min_dte");

    expectWatchStream(await streamMessages(grpcurl, ["-plaintext", "-d", SCAN_JSON, address, `${COORDINATOR}/WatchSpreads`], 3));

    // WatchUniverse as docs/clients.md calls it: the snapshot first, then the changes, in proto3 JSON.
    const universeJson = JSON.stringify({
      symbols: ["SPY", "QQQ", "IWM"],
      query: { strategies: ["STRATEGY_BULL_PUT"], filters: { maxDte: 30, maxWidth: 5 }, limit: 8 },
      perSymbolLimit: 3,
      minIntervalMs: 1,
    });
    const universe = (await streamMessages(grpcurl, ["-plaintext", "-d", universeJson, address, `${COORDINATOR}/WatchUniverse`], 2)) as {
      sequence: string;
      initial?: boolean;
      spreads: { symbol: string }[];
      symbols: { symbol: string; state: string }[];
    }[];
    expect(universe.map((message) => [message.sequence, message.initial ?? false])).toEqual([
      ["1", true],
      ["2", false],
    ]);
    expect(universe[0]!.symbols.map((symbol) => [symbol.symbol, symbol.state])).toEqual(
      ["SPY", "QQQ", "IWM"].map((symbol) => [symbol, "SYMBOL_SCAN_STATE_SCANNED"]),
    );
    expect(universe[0]!.spreads.length).toBeGreaterThan(0);

    const bare = await call("-d", BARE_SCAN_JSON, address, `${COORDINATOR}/Scan`);
    expect(bare.stderr).toBe("");
    expect(bare.exitCode).toBe(0);
    expectBareScan(bare.stdout);

    const stored = await run("sh", ["-c", `"$0" -plaintext -d @ "$1" ${SCANNER}/UpdateChain < "$2"`, grpcurl, scannerAddress, updateChainFile]);
    expect(stored.exitCode, stored.stderr).toBe(0);
    const bareOnScanner = await call("-d", BARE_SCAN_JSON, scannerAddress, `${SCANNER}/Scan`);
    expect(bareOnScanner.stderr).toBe("");
    expect(bareOnScanner.exitCode).toBe(0);
    expectBareScan(bareOnScanner.stdout);
  });

  it("buf curl: lists through reflection, calls Scan (a bare one too, on both services) and health, streams WatchSpreads", async () => {
    const buf = projectTool("node_modules/.bin/buf");
    const curlArgs = (...args: string[]) => ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args];
    const url = (path = "") => `http://${address}${path}`;

    const list = await run(buf, curlArgs("--list-services", url()));
    expect(list.stdout.trim().split("\n").sort()).toEqual(COORDINATOR_SERVICES);

    const scan = await run(buf, curlArgs("-d", SCAN_JSON, url(`/${COORDINATOR}/Scan`)));
    expect(scan.stderr).toBe("");
    expect(scan.exitCode).toBe(0);
    expectBullPutScan(scan.stdout);

    const health = await run(buf, curlArgs("-d", "{}", url("/grpc.health.v1.Health/Check")));
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });

    expectWatchStream(await streamMessages(buf, curlArgs("-d", SCAN_JSON, url(`/${COORDINATOR}/WatchSpreads`)), 3));

    const bare = await run(buf, curlArgs("-d", BARE_SCAN_JSON, url(`/${COORDINATOR}/Scan`)));
    expect(bare.stderr).toBe("");
    expect(bare.exitCode).toBe(0);
    expectBareScan(bare.stdout);

    const stored = await run(buf, curlArgs("-d", `@${updateChainFile}`, `http://${scannerAddress}/${SCANNER}/UpdateChain`));
    expect(stored.exitCode, stored.stderr).toBe(0);
    const bareOnScanner = await run(buf, curlArgs("-d", BARE_SCAN_JSON, `http://${scannerAddress}/${SCANNER}/Scan`));
    expect(bareOnScanner.stderr).toBe("");
    expect(bareOnScanner.exitCode).toBe(0);
    expectBareScan(bareOnScanner.stdout);
  });

  it("the spreadscan command: a bare scan, watch and batch answer; so does the broadest iron condor query; a refused query is said once", async () => {
    const cli = (...args: string[]) => run(process.execPath, ["--import", "tsx", "services/cli/main.ts", ...args, "--addr", address]);
    const [json, table, watch, batch, broad, refused] = await Promise.all([
      cli("scan", "SPY", "--json"),
      cli("scan", "SPY"),
      cli("watch", "SPY", "--count", "1"),
      cli("batch", "SPY", "QQQ", "IWM"),
      cli("scan", "SPY", "--strategy", "iron-condor", "--max-width", "1000", "--json"),
      cli("scan", "SPY", "--min-dte", "40", "--max-dte", "30"),
    ]);
    for (const answered of [json, table, watch, batch, broad]) {
      expect(answered.stderr).toBe("");
      expect(answered.exitCode).toBe(0);
    }
    expectBareScan(json.stdout);
    const header = / · DTE 7–60 · short \|Δ\| ≥ 0\.10 · width ≤ \$\d+ · all strategies · by score · σ ATM per expiry · [\d,]+ candidates: /;
    expect(table.stdout.split("\n")[0]).toMatch(new RegExp(`^SPY \\d+\\.\\d\\d as of .*${header.source}`));
    expect(watch.stdout).toMatch(new RegExp(`^SPY .*${header.source}`, "m"));
    for (const symbol of ["SPY", "QQQ", "IWM"]) expect(batch.stdout).toMatch(new RegExp(`^${symbol} .*${header.source}`, "m"));
    // Wings up to $1,000 used to be refused as too broad; now the engine bounds whole groups out.
    const broadResult = (JSON.parse(broad.stdout) as ScanJson).result;
    expect(broadResult.spreads).toHaveLength(20);
    expect(expectCountsAddUp(broadResult)("BoundedOut")).toBeGreaterThan(0);
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe("spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: --min-dte: must not be above --max-dte (40 > 30)\n");
  });

  it("examples/go and examples/python scan and watch, printing a table", { timeout: GO_TIMEOUT_MS + 10_000 }, async () => {
    const env = { SPREADSCAN_ADDR: address, PYTHONDONTWRITEBYTECODE: "1" };
    const [go, python] = await Promise.all([
      run("go", ["run", ".", "-updates", "2"], { cwd: join(REPO_ROOT, "examples/go"), env, timeoutMs: GO_TIMEOUT_MS }),
      run(projectTool(".tools/venv/bin/python"), ["examples/python/scan_and_watch.py", "--updates", "2"], { env }),
    ]);
    for (const { exitCode, stdout, stderr } of [go, python]) {
      expect(exitCode, stderr).toBe(0);
      expect(stdout).toMatch(/^scan \(job [0-9a-f-]{36}, cache hit (true|false|True|False)\)$/m);
      expect(stdout).toMatch(/^STRATEGY +EXPIRY +DTE +STRIKES +CREDIT +MAX LOSS +POP +EV +SCORE$/m);
      expect(stdout).toMatch(/^bull-put +\d{4}-\d\d-\d\d +\d+ +\d+(\.\d+)?\/\d+(\.\d+)? /m);
      expect(stdout).toMatch(/^update 1 \(initial (true|True)\)/m);
      expect(stdout).toMatch(/^update 2 \(initial (false|False)\)/m);
      expect(stdout).not.toMatch(/^update 3 /m);
    }
  });
});

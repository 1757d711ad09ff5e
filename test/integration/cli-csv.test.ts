// --csv on `scan` (a chain file, and a symbol through the coordinator), `batch` and `universe`:
// each run twice, with --csv and with --json, on answers that are the same both times (a
// chain file; the fixed coordinator's fixed chains), and the two outputs compared field for
// field, both ways, by a Python script reading them with Python's own csv and json modules
// (test/support/csv_equals_json.py): the CSV must parse as RFC 4180 and say what --json says.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixedCoordinator, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { spreadscanFromSource, spyChainFiles } from "../support/cli-chain-files.js";
import { QUERY_FLAGS } from "../support/cli-queries.js";
import { spreadscan } from "../support/spreadscan-cli.js";
import { projectTool, runTool, type ToolResult } from "../support/tools.js";

const files = spyChainFiles("cli-csv-");
let coordinator: FixedCoordinator;

beforeAll(async () => {
  coordinator = await startFixedCoordinator();
});
afterAll(async () => {
  await coordinator.close();
});

const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", coordinator.address]);

/** Both outputs into files, then the Python comparison; returns what it printed. */
async function compare(kind: "scan" | "batch" | "universe", name: string, csv: ToolResult, json: ToolResult): Promise<string> {
  const csvFile = files.file(`${name}.csv`);
  const jsonFile = files.file(`${name}.json`);
  writeFileSync(csvFile, csv.stdout);
  writeFileSync(jsonFile, json.stdout);
  const check = await runTool(projectTool(".tools/venv/bin/python"), ["test/support/csv_equals_json.py", kind, csvFile, jsonFile]);
  expect(check.stdout + check.stderr).toMatch(/^\d+ rows, \d+ cells equal to --json\n$/);
  expect(check.exitCode).toBe(0);
  return check.stdout;
}

const rowsIn = (summary: string): number => Number(/^(\d+) rows/.exec(summary)?.[1]);

describe.concurrent("--csv", () => {
  it("scan --chain: one row per spread, every field of --json, iron condors with four legs", async () => {
    const flags = [
      "--chain",
      files.jsonChain,
      "--strategy",
      "iron-condor,bull-put",
      "--min-dte",
      "20",
      "--max-dte",
      "50",
      "--max-width",
      "10",
      "--limit",
      "30",
    ];
    const [csv, json] = await Promise.all([spreadscanFromSource("scan", ...flags, "--csv"), spreadscanFromSource("scan", ...flags, "--json")]);
    expect(csv.stderr).toBe("");
    expect(csv.exitCode).toBe(0);
    // RFC 4180: CRLF after every record, the header first.
    expect(csv.stdout.startsWith("rank,id,strategy,symbol,expiry_date,dte,net_credit,max_profit,")).toBe(true);
    expect(csv.stdout.endsWith("\r\n")).toBe(true);
    expect(csv.stdout.split("\r\n")[0]).toContain(",legs.4.greeks.delta,");
    const spreads = (JSON.parse(json.stdout) as { result: { spreads: { strategy: string }[] } }).result.spreads;
    expect(spreads.some((spread) => spread.strategy === "STRATEGY_IRON_CONDOR")).toBe(true);
    expect(rowsIn(await compare("scan", "chain", csv, json))).toBe(spreads.length);
  });

  it("scan SYMBOL, batch and universe through the coordinator", async () => {
    const [scanCsv, scanJson] = await Promise.all([remote("scan", "SPY", ...QUERY_FLAGS, "--csv"), remote("scan", "SPY", ...QUERY_FLAGS, "--json")]);
    expect(scanCsv.exitCode).toBe(0);
    expect(rowsIn(await compare("scan", "symbol", scanCsv, scanJson))).toBeGreaterThan(0);

    // ZZZZ fails: stdout stays CSV alone, the failure goes to stderr, the exit status says some failed.
    const batchFlags = ["batch", "SPY", "ZZZZ", "IWM", ...QUERY_FLAGS];
    const [batchCsv, batchJson] = await Promise.all([remote(...batchFlags, "--csv"), remote(...batchFlags, "--json")]);
    expect(batchCsv.exitCode).toBe(3);
    expect(batchCsv.stderr).toContain("ZZZZ: NOT_FOUND");
    expect(batchCsv.stdout.match(/^rank,/gm)).toHaveLength(1);
    expect(rowsIn(await compare("batch", "batch", batchCsv, batchJson))).toBeGreaterThan(0);

    const universeFlags = ["universe", "SPY", "IWM", ...QUERY_FLAGS, "--per-symbol", "5"];
    const [universeCsv, universeJson] = await Promise.all([remote(...universeFlags, "--csv"), remote(...universeFlags, "--json")]);
    expect(universeCsv.exitCode).toBe(0);
    const symbols = new Set(
      universeCsv.stdout
        .split("\r\n")
        .slice(1, -1)
        .map((row) => row.split(",")[3]),
    );
    expect(symbols).toEqual(new Set(["SPY", "IWM"]));
    expect(rowsIn(await compare("universe", "universe", universeCsv, universeJson))).toBeGreaterThan(0);
  });

  it("prints only the header when nothing qualifies, and refuses --csv with --json or --watch", async () => {
    const none = await spreadscanFromSource("scan", "--chain", files.jsonChain, "--min-pop", "1", "--csv");
    expect(none.exitCode).toBe(0);
    expect(none.stdout.split("\r\n")).toHaveLength(2);
    const both = await spreadscanFromSource("scan", "--chain", files.jsonChain, "--csv", "--json");
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("option '--csv' cannot be used with option '--json'");
    const watching = await remote("universe", "SPY", "--watch", "--csv");
    expect(watching.exitCode).toBe(2);
    expect(watching.stderr).toContain("--csv prints one merged top N");
  });
});

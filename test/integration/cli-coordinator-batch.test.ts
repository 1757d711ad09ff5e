// `spreadscan batch SYMBOL...` against the fixed coordinator (test/fixtures/fixed-coordinator.ts):
// each symbol printed as it streams, the unknown one's error among them, and the exit status
// that says whether every symbol was scanned.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanBatchResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { scanChain } from "../../services/engine/index.js";
import { startFixedCoordinator, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { fixedChain } from "../fixtures/fixed-market.js";
import { QUICK_FLAGS, QUICK_QUERY } from "../support/cli-queries.js";
import { ELAPSED, spreadscan, tableRows } from "../support/spreadscan-cli.js";
import type { ToolResult } from "../support/tools.js";

let coordinator: FixedCoordinator;
const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", coordinator.address]);

beforeAll(async () => {
  coordinator = await startFixedCoordinator();
});
afterAll(async () => {
  await coordinator.close();
});

describe.concurrent("spreadscan batch", () => {
  it("prints each symbol as it streams, NOT_FOUND for the unknown one, and exits 3", async () => {
    const run = await remote("batch", "SPY", "ZZZZ", "qqq", ...QUICK_FLAGS);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toBe("spreadscan: 1 of 3 symbols failed: ZZZZ (NOT_FOUND)\n");
    const heads = run.stdout.split("\n").filter((line) => /^[A-Z]+: /.test(line));
    expect(heads[0]).toMatch(new RegExp(`^SPY: job job-\\d{6} · (fresh scan|cache hit, computed ${ELAPSED} ago)$`));
    expect(heads[1]).toBe("ZZZZ: NOT_FOUND: no market data for ZZZZ");
    expect(heads[2]).toMatch(/^QQQ: job job-\d{6} · /);
    expect(run.stdout).toMatch(/^SPY 600\.00 as of /m);
    expect(run.stdout).toMatch(/^QQQ 520\.00 as of /m);
    expect(tableRows(run.stdout)).toHaveLength(8);
  });

  it("exits 0 when every symbol succeeds; --json is one ScanBatchResponse per line", async () => {
    const [table, json] = await Promise.all([remote("batch", "SPY", "IWM", ...QUICK_FLAGS), remote("batch", "SPY,IWM", "ZZZZ", ...QUICK_FLAGS, "--json")]);
    expect(table.exitCode).toBe(0);
    expect(table.stderr).toBe("");
    expect(json.exitCode).toBe(3);
    const entries = json.stdout
      .trimEnd()
      .split("\n")
      .map((line) => ScanBatchResponse.fromJSON(JSON.parse(line)));
    expect(entries.map((entry) => entry.symbol)).toEqual(["SPY", "IWM", "ZZZZ"]);
    expect(entries[1]!.result!.spreads.map((spread) => spread.id)).toEqual(scanChain(fixedChain("IWM"), QUICK_QUERY).spreads.map((spread) => spread.id));
    expect(entries[2]!.error).toMatchObject({ code: 5, message: "no market data for ZZZZ" });
  });

  it("documents exit status 3 in its help", async () => {
    const run = await spreadscan(["batch", "--help"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Exit status: 0 every symbol scanned; 3 the batch ran but some symbols failed/);
  });
});

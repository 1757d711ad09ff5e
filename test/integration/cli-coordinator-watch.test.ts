// `spreadscan watch SYMBOL` against the fixed coordinator (test/fixtures/fixed-coordinator.ts),
// whose watch sends three updates on a price that drifts, then stays open: the updates as a
// table, as JSON lines and redrawn in place, the ids that came and went as the engine computes
// them, and Ctrl-C as the way a user ends it; and the market data statuses a watch may carry
// (on the initial update, or on an update that repeats the top N), each printed as a line.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketDataState, WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { scanChain } from "../../services/engine/index.js";
import { startFixedCoordinator, WATCH_UPDATES, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { fixedChain } from "../fixtures/fixed-market.js";
import { QUICK_FLAGS, QUICK_QUERY } from "../support/cli-queries.js";
import { cliCommand, spreadscan } from "../support/spreadscan-cli.js";
import { REPO_ROOT, type ToolResult } from "../support/tools.js";

let coordinator: FixedCoordinator;
const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", coordinator.address]);

beforeAll(async () => {
  coordinator = await startFixedCoordinator();
});
afterAll(async () => {
  await coordinator.close();
});

describe.concurrent("spreadscan watch", () => {
  it("--count 3 prints three updates with rising sequence and chain version, and the ids that came and went", async () => {
    const run = await remote("watch", "SPY", ...QUICK_FLAGS, "--count", "3", "--interval", "20");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const headers = run.stdout.split("\n").filter((line) => line.startsWith("update "));
    expect(headers).toHaveLength(3);
    headers.forEach((header, index) => {
      expect(header).toMatch(
        new RegExp(
          `^update ${index + 1}${index === 0 ? " \\(initial\\)" : ""} · chain version ${index + 1} · as of 2025-06-02T14:3${index}:00Z · \\d+ added, \\d+ removed$`,
        ),
      );
    });
    expect(coordinator.watchRequests.some((request) => request.minIntervalMs === 20)).toBe(true);

    // The ids are the engine's: what left and joined the top 4 as the price moved.
    const ids = [0, 1, 2].map((step) => scanChain(fixedChain("SPY", step), QUICK_QUERY).spreads.map((spread) => spread.id));
    const blocks = run.stdout.split(/\n(?=update )/);
    for (const step of [1, 2]) {
      const added = ids[step]!.filter((id) => !ids[step - 1]!.includes(id));
      const removed = ids[step - 1]!.filter((id) => !ids[step]!.includes(id));
      expect(added.length + removed.length).toBeGreaterThan(0);
      const block = blocks[step]!;
      expect(block).toContain(`${added.length} added, ${removed.length} removed`);
      if (added.length > 0) expect(block).toContain(`added:   ${added.join(", ")}\n`);
      if (removed.length > 0) expect(block).toContain(`removed: ${removed.join(", ")}\n`);
    }
  });

  it("--json prints one WatchSpreadsResponse per line", async () => {
    const run = await remote("watch", "SPY", ...QUICK_FLAGS, "--count", "3", "--json");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(WATCH_UPDATES);
    const updates = lines.map((line) => WatchSpreadsResponse.fromJSON(JSON.parse(line)).update!);
    expect(updates.map((update) => update.sequence)).toEqual([1n, 2n, 3n]);
    expect(updates.map((update) => update.initial)).toEqual([true, false, false]);
    expect(updates[0]!.result!.spreads.map((spread) => spread.id)).toEqual(scanChain(fixedChain("SPY"), QUICK_QUERY).spreads.map((spread) => spread.id));
  });

  it("--redraw moves the cursor up over the previous update and clears below it", async () => {
    const run = await remote("watch", "SPY", ...QUICK_FLAGS, "--count", "3", "--redraw");
    expect(run.exitCode).toBe(0);
    // eslint-disable-next-line no-control-regex -- the escape sequences are what is tested
    const redraws = [...run.stdout.matchAll(/\x1b\[(\d+)A\x1b\[0J/g)];
    expect(redraws).toHaveLength(2);
    const [first = ""] = run.stdout.split("\x1b[");
    expect(Number(redraws[0]![1])).toBe(first.trimEnd().split("\n").length);
  });

  it("Ctrl-C ends it with status 0", async () => {
    const command = cliCommand(["watch", "SPY", ...QUICK_FLAGS, "--addr", coordinator.address]);
    const child = spawn(command.file, command.args, { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    const deadline = Date.now() + 10_000;
    while (!stdout.includes(`update ${WATCH_UPDATES}`) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill("SIGINT");
    const [code, signal] = await exited;
    expect(stderr).toBe("");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stdout).toContain("update 1 (initial)");
  });

  it("a refused query ends the stream with the flags named, exit 2", async () => {
    const run = await remote("watch", "SPY", "--limit", "0");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("spreadscan: INVALID_ARGUMENT: invalid request\nspreadscan: --limit: must be from 1 to 1000 spreads; got 0\n");
  });
});

describe.concurrent("spreadscan watch, told of the market data state", () => {
  // Delayed on the initial update; unavailable after the first top N and frozen after the
  // second, each on an update that repeats it: updates 1 to 5, of which 2 and 4 are repeats.
  let told: FixedCoordinator;
  beforeAll(async () => {
    told = await startFixedCoordinator({
      watchStatuses: new Map([
        [0, { symbol: "SPY", state: MarketDataState.MARKET_DATA_STATE_DELAYED, since: new Date("2025-06-02T13:30:00Z"), reason: "" }],
        [
          1,
          {
            symbol: "SPY",
            state: MarketDataState.MARKET_DATA_STATE_UNAVAILABLE,
            since: new Date("2025-06-02T14:31:05Z"),
            reason: "TWS lost its connection to IBKR (1100)",
          },
        ],
        [2, { symbol: "SPY", state: MarketDataState.MARKET_DATA_STATE_FROZEN, since: new Date("2025-06-02T20:00:00Z"), reason: "" }],
      ]),
    });
  });
  afterAll(async () => {
    await told.close();
  });
  const toldRemote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", told.address]);
  const DELAYED_LINE = "SPY: market data delayed (by the exchange's delay) since 2025-06-02T13:30:00Z";
  const UNAVAILABLE_LINE = "SPY: market data unavailable since 2025-06-02T14:31:05Z (TWS lost its connection to IBKR (1100))";
  const FROZEN_LINE = "SPY: market data frozen (the last quotes before the close) as of 2025-06-02T20:00:00Z";
  const headlines = (stdout: string): string[] =>
    stdout
      .split("\n")
      .filter((line) => line.startsWith("update ") || line.startsWith("SPY: market data"))
      .map((line) => (line.startsWith("update ") && !line.endsWith("top N unchanged") ? (line.split(" · ")[0] ?? line) : line));

  it("prints each status as a line, a repeat of the top N as its header alone, and --count counts every update", async () => {
    const run = await toldRemote("watch", "SPY", ...QUICK_FLAGS, "--count", "5", "--interval", "20");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(headlines(run.stdout)).toEqual([
      DELAYED_LINE,
      "update 1 (initial)",
      UNAVAILABLE_LINE,
      "update 2 · top N unchanged",
      "update 3",
      FROZEN_LINE,
      "update 4 · top N unchanged",
      "update 5",
    ]);
    // A table for each new top N only.
    expect(run.stdout.match(/^ *# +strategy /gm)).toHaveLength(WATCH_UPDATES);

    // --count N ends after update N, a repeat counted as any update.
    const three = await toldRemote("watch", "SPY", ...QUICK_FLAGS, "--count", "3", "--interval", "20");
    expect(three.exitCode).toBe(0);
    expect(headlines(three.stdout).at(-1)).toBe("update 3");
  });

  it("--json prints every message as it came: each an update numbered without gaps, the statuses on the initial update and on the repeats", async () => {
    const run = await toldRemote("watch", "SPY", ...QUICK_FLAGS, "--count", "5", "--json", "--interval", "20");
    expect(run.exitCode).toBe(0);
    const messages = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => WatchSpreadsResponse.fromJSON(JSON.parse(line)));
    expect(messages.map((message) => message.update?.sequence)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(messages.map((message) => MarketDataState[message.status?.state ?? 0])).toEqual([
      "MARKET_DATA_STATE_DELAYED",
      "MARKET_DATA_STATE_UNAVAILABLE",
      "MARKET_DATA_STATE_UNSPECIFIED",
      "MARKET_DATA_STATE_FROZEN",
      "MARKET_DATA_STATE_UNSPECIFIED",
    ]);
    expect(messages[1]?.status).toEqual({
      symbol: "SPY",
      state: MarketDataState.MARKET_DATA_STATE_UNAVAILABLE,
      since: new Date("2025-06-02T14:31:05Z"),
      reason: "TWS lost its connection to IBKR (1100)",
    });
    // The repeats carry the top N before them, nothing added or removed.
    for (const index of [1, 3]) {
      expect(messages[index]?.update).toEqual({
        sequence: BigInt(index + 1),
        initial: false,
        result: messages[index - 1]?.update?.result,
        addedIds: [],
        removedIds: [],
      });
    }
  });

  it("--redraw keeps the state above the table while it is not live", async () => {
    const run = await toldRemote("watch", "SPY", ...QUICK_FLAGS, "--count", "5", "--redraw", "--interval", "20");
    expect(run.exitCode).toBe(0);
    const screens = run.stdout.split("\x1b[0J");
    expect(screens[0]?.split("\n").slice(0, 2)).toEqual([DELAYED_LINE, expect.stringMatching(/^update 1 \(initial\) · /) as unknown]);
    // What the screen shows last: everything after the last clearing.
    expect(screens.at(-1)?.split("\n").slice(0, 2)).toEqual([FROZEN_LINE, expect.stringMatching(/^update 5 · /) as unknown]);
  });
});

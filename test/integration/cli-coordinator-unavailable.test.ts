// The CLI when there is no answer to be had: no coordinator at the address (each command
// says so and exits 1), and a coordinator whose scanner is down (a cached result marked
// stale, or UNAVAILABLE with when to retry).
import { describe, expect, it } from "vitest";
import { RETRY_DELAY_MS, startFixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { QUICK_FLAGS } from "../support/cli-queries.js";
import { ELAPSED, freePort, spreadscan, tableRows } from "../support/spreadscan-cli.js";

describe.concurrent("no coordinator at --addr", () => {
  it.each([
    ["scan", ["scan", "SPY"]],
    ["watch", ["watch", "SPY", "--count", "1"]],
    ["batch", ["batch", "SPY", "QQQ"]],
    ["jobs", ["jobs"]],
    ["health", ["health"]],
  ])("%s says so, names the address, exits 1", async (_command, args) => {
    const port = await freePort();
    const run = await spreadscan([...args, "--addr", `127.0.0.1:${port}`]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      new RegExp(`^spreadscan: UNAVAILABLE: no coordinator at 127\\.0\\.0\\.1:${port} — start one with \`make run\`.*ECONNREFUSED.*\\n$`),
    );
  });

  it("takes the address from SPREADSCAN_ADDR", async () => {
    const port = await freePort();
    const run = await spreadscan(["metrics"], { SPREADSCAN_ADDR: `127.0.0.1:${port}` });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`no coordinator at 127.0.0.1:${port}`);
  });
});

describe("a coordinator whose scanner is down", () => {
  it("serves a cached result marked stale; without one, UNAVAILABLE with when to retry, exit 1", async () => {
    const degraded = await startFixedCoordinator();
    try {
      const fresh = await spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--addr", degraded.address]);
      expect(fresh.exitCode).toBe(0);
      degraded.setScannerDown(true);
      const [stale, none] = await Promise.all([
        spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--addr", degraded.address]),
        spreadscan(["scan", "QQQ", ...QUICK_FLAGS, "--addr", degraded.address]),
      ]);
      expect(stale.exitCode).toBe(0);
      expect(stale.stdout.trimEnd().split("\n").at(-1)).toMatch(
        new RegExp(`^job job-\\d{6} · cache hit, computed ${ELAPSED} ago · STALE: the scanner could not be reached; this result is ${ELAPSED} old$`),
      );
      expect(tableRows(stale.stdout)).toEqual(tableRows(fresh.stdout));
      // The coordinator answered: this is not "no coordinator at".
      expect(none.exitCode).toBe(1);
      expect(none.stderr).toBe(
        `spreadscan: UNAVAILABLE: the scanner is unavailable: its circuit breaker is open\nspreadscan: retry in ${RETRY_DELAY_MS / 1000} s\n`,
      );
      // A batch says the same of each symbol: SPY's result stale, QQQ's error.
      const batch = await spreadscan(["batch", "SPY", "QQQ", ...QUICK_FLAGS, "--addr", degraded.address]);
      expect(batch.stdout).toMatch(
        new RegExp(`^SPY: job job-\\d{6} · cache hit, computed ${ELAPSED} ago · STALE: the scanner could not be reached; this result is ${ELAPSED} old$`, "m"),
      );
      expect(batch.stdout).toMatch(/^QQQ: UNAVAILABLE: the scanner is unavailable/m);
    } finally {
      await degraded.close();
    }
  });
});

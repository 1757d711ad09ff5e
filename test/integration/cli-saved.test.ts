// `spreadscan saved ...` against a real coordinator and scanner, as a user runs it: create
// with the query flags and alert flags (the webhook's secret from its variable, never
// printed), the table, get and run (as `universe` prints, and --json equal to ScanUniverse's
// answer for the same symbols and query), delete, and refusals naming the flag, exit 2.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_ENV } from "../../services/cli/connection-security.js";
import { WEBHOOK_SECRET_ENV } from "../../services/cli/commands/saved-create.js";
import { startScanner } from "../support/coordinator-pair.js";
import { startSavedScanCoordinator, SAVED_SCAN_KEYS, type SavedScanCoordinator } from "../support/saved-scan-coordinator.js";
import type { ServiceProcess } from "../support/service-process.js";
import { noStackTrace, spreadscan } from "../support/spreadscan-cli.js";
import { TestDatabases } from "../support/test-databases.js";

const databases = new TestDatabases();
let scanner: ServiceProcess;
let coordinator: SavedScanCoordinator;
const as = (who: keyof typeof SAVED_SCAN_KEYS, env: Record<string, string> = {}) => ({
  SPREADSCAN_ADDR: coordinator.address,
  [API_KEY_ENV]: SAVED_SCAN_KEYS[who],
  ...env,
});
const SECRET = "cli-secret-0123456789";
const QUERY_FLAGS = ["--strategy", "bull-put", "--max-dte", "30", "--max-width", "5", "--limit", "6"];

beforeAll(async () => {
  const started = await startScanner();
  scanner = started.process;
  coordinator = await startSavedScanCoordinator(await databases.fresh("sqlite"), started.port);
}, 60_000);
afterAll(async () => {
  await coordinator.stop();
  scanner.kill();
  await databases.close();
});

describe("spreadscan saved", () => {
  it("creates, lists, gets, runs and deletes, with tables and --json, never printing the webhook's secret", async () => {
    const created = await spreadscan(
      [
        "saved",
        "create",
        "credit",
        "spy",
        "QQQ",
        ...QUERY_FLAGS,
        "--per-symbol",
        "4",
        "--alert-every",
        "30s",
        "--retention",
        "2d",
        "--webhook",
        "https://hooks.example.com/a",
      ],
      as("alice", { [WEBHOOK_SECRET_ENV]: SECRET }),
    );
    expect(created.stderr).toBe("");
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toMatch(/^name\s+credit$/m);
    expect(created.stdout).toMatch(/^symbols\s+2: SPY QQQ$/m);
    expect(created.stdout).toMatch(/^per symbol\s+at most 4 spreads$/m);
    expect(created.stdout).toMatch(/^alerts\s+every 30\.0 s, events kept 2 d 0 h$/m);
    expect(created.stdout).toMatch(/^webhook\s+https:\/\/hooks\.example\.com\/a \(signed: a secret is set\)$/m);
    expect((await spreadscan(["saved", "create", "etf-watch", "--watchlist", "etfs"], as("alice"))).exitCode).toBe(0);

    const listed = await spreadscan(["saved"], as("alice"));
    const lines = listed.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+SCANS\s+ALERTS\s+UPDATED$/);
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/).slice(0, 3))).toEqual([
      ["credit", "SPY QQQ", "every 30.0 s"],
      ["etf-watch", "watchlist etfs", "off"],
    ]);

    const got = await spreadscan(["saved", "get", "credit", "--json"], as("alice"));
    expect(JSON.parse(got.stdout)).toMatchObject({
      savedScan: {
        name: "credit",
        perSymbolLimit: 4,
        alerts: { checkInterval: "30s", retention: "172800s", webhook: { url: "https://hooks.example.com/a", secretSet: true } },
      },
    });
    for (const output of [created.stdout, listed.stdout, got.stdout]) expect(output).not.toContain(SECRET);

    const ran = await spreadscan(["saved", "run", "credit"], as("alice"));
    expect(ran.exitCode).toBe(0);
    expect(ran.stdout).toMatch(/^Saved scan credit \(updated \S+\)\nUniverse of 2 symbols · /);
    expect(ran.stdout).toMatch(/, at most 4 per symbol\n/);
    expect(ran.stdout).toMatch(/\n2 symbols: 2 scanned, 0 stale, 0 failed\n$/);
    const [runJson, universeJson] = await Promise.all([
      spreadscan(["saved", "run", "credit", "--json"], as("alice")),
      spreadscan(["universe", "SPY", "QQQ", ...QUERY_FLAGS, "--per-symbol", "4", "--json"], as("alice")),
    ]);
    const result = (JSON.parse(runJson.stdout) as { result: { spreads: unknown[] } }).result;
    expect(result.spreads.length).toBeGreaterThan(0);
    expect(result.spreads).toEqual((JSON.parse(universeJson.stdout) as { spreads: unknown[] }).spreads);

    const deleted = await spreadscan(["saved", "delete", "credit"], as("alice"));
    expect([deleted.exitCode, deleted.stdout]).toEqual([0, "Deleted saved scan credit.\n"]);
    const missing = await spreadscan(["saved", "run", "credit"], as("alice"));
    expect([missing.exitCode, missing.stderr]).toEqual([2, 'spreadscan: NOT_FOUND: no saved scan named "credit"\n']);
    expect((await spreadscan(["saved"], as("bob"))).stdout).toBe("No saved scans.\n");
  });

  it("updates every setting of a saved scan, keeping its webhook's secret when no new one is given", async () => {
    const created = await spreadscan(
      ["saved", "create", "moves", "SPY", ...QUERY_FLAGS, "--alert-every", "30s", "--webhook", "https://hooks.example.com/a"],
      as("alice", { [WEBHOOK_SECRET_ENV]: SECRET }),
    );
    expect(created.exitCode).toBe(0);

    const updated = await spreadscan(
      ["saved", "update", "moves", "qqq", "IWM", "--strategy", "bear-call", "--limit", "3", "--alert-every", "2m", "--webhook", "https://hooks.example.com/b"],
      as("alice"),
    );
    expect(updated.stderr).toBe("");
    expect(updated.exitCode).toBe(0);
    expect(updated.stdout).toMatch(/^symbols\s+2: QQQ IWM$/m);
    expect(updated.stdout).toMatch(/^alerts\s+every 2 min 0 s, events kept 7 d 0 h$/m);
    expect(updated.stdout).toMatch(/^webhook\s+https:\/\/hooks\.example\.com\/b \(signed: a secret is set\)$/m);

    const got = JSON.parse((await spreadscan(["saved", "get", "moves", "--json"], as("alice"))).stdout) as {
      savedScan: { symbols: string[]; query: { strategies: string[]; limit: number }; alerts: { checkInterval: string; webhook: { secretSet: boolean } } };
    };
    expect(got.savedScan.symbols).toEqual(["QQQ", "IWM"]);
    expect(got.savedScan.query).toMatchObject({ strategies: ["STRATEGY_BEAR_CALL"], limit: 3 });
    expect(got.savedScan.alerts).toMatchObject({ checkInterval: "120s", webhook: { secretSet: true } });

    // No alert flag: the saved scan stops alerting. Another user's name is not found.
    const quiet = await spreadscan(["saved", "update", "moves", "--watchlist", "etfs", "--json"], as("alice"));
    expect(quiet.exitCode).toBe(0);
    expect((JSON.parse(quiet.stdout) as { savedScan: Record<string, unknown> }).savedScan).toMatchObject({ watchlist: "etfs" });
    expect((JSON.parse(quiet.stdout) as { savedScan: Record<string, unknown> }).savedScan.alerts).toBeUndefined();
    const missing = await spreadscan(["saved", "update", "moves", "SPY"], as("bob"));
    expect([missing.exitCode, missing.stderr]).toEqual([2, 'spreadscan: NOT_FOUND: no saved scan named "moves"\n']);
    const refused = await spreadscan(["saved", "update", "moves", "SPY", "--retention", "30m"], as("alice"));
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("spreadscan: --retention: must be 1 h to 90 d; got 1800 s\n");
  });

  it("names the flag or argument of each field the coordinator refused, with exit status 2", async () => {
    const bad = await spreadscan(
      ["saved", "create", "bad name", "SPY", "--max-dte", "5", "--min-dte", "10", "--retention", "30m", "--webhook", "ftp://hooks.example.com/a"],
      as("alice", { [WEBHOOK_SECRET_ENV]: SECRET }),
    );
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('spreadscan: NAME: must be 1 to 64 letters, digits, ".", "_" or "-"; got "bad name"');
    expect(bad.stderr).toMatch(/^spreadscan: --min-dte: /m);
    expect(bad.stderr).toContain("spreadscan: --retention: must be 1 h to 90 d; got 1800 s");
    expect(bad.stderr).toContain("spreadscan: --webhook: must be http:// or https://; got ftp://");
    noStackTrace(bad.stderr);

    const noSecret = await spreadscan(["saved", "create", "hooked", "SPY", "--webhook", "http://user:pw@hooks.example.com/a"], as("alice"));
    expect(noSecret.exitCode).toBe(2);
    expect(noSecret.stderr).toContain("spreadscan: --webhook: must not hold a user name or password");
    expect(noSecret.stderr).toContain("spreadscan: --webhook-secret: is required when a webhook is set");

    const both = await spreadscan(["saved", "create", "both", "SPY", "--watchlist", "etfs"], as("alice"));
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("give the symbols to scan (SPY QQQ ...) or --watchlist NAME, one of the two");
    const span = await spreadscan(["saved", "create", "span", "SPY", "--alert-every", "soon"], as("alice"));
    expect(span.exitCode).toBe(2);
    expect(span.stderr).toContain("--alert-every");
  });
});

// `spreadscan watchlist ...` against a real coordinator, as a user runs it: the tables, --json,
// and the refusals with their exit statuses and the argument each names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_ENV } from "../../services/cli/connection-security.js";
import { noStackTrace, spreadscan } from "../support/spreadscan-cli.js";
import { TestDatabases } from "../support/test-databases.js";
import { startWatchlistCoordinator, WATCHLIST_KEYS, type WatchlistCoordinator } from "../support/watchlist-coordinator.js";

const databases = new TestDatabases();
let coordinator: WatchlistCoordinator;
const as = (who: keyof typeof WATCHLIST_KEYS) => ({ SPREADSCAN_ADDR: coordinator.address, [API_KEY_ENV]: WATCHLIST_KEYS[who] });

beforeAll(async () => {
  coordinator = await startWatchlistCoordinator(await databases.fresh("sqlite"));
});
afterAll(async () => {
  await coordinator.kill();
  await databases.close();
});

describe("spreadscan watchlist", () => {
  it("creates, lists, gets, updates and deletes, with tables and --json", async () => {
    const created = await spreadscan(["watchlist", "create", "tech", "aapl", "msft", "AAPL", "brk.b"], as("alice"));
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toMatch(/^name\s+tech$/m);
    expect(created.stdout).toMatch(/^symbols\s+3: AAPL MSFT BRK\.B$/m);
    const etfs = ["SPY", "QQQ", "IWM", "DIA", "XLF", "XLE", "XLK", "XLV", "XLI", "GLD"];
    expect((await spreadscan(["watchlist", "create", "etfs", ...etfs], as("alice"))).exitCode).toBe(0);

    const listed = await spreadscan(["watchlist"], as("alice"));
    expect(listed.exitCode).toBe(0);
    const lines = listed.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+COUNT\s+SYMBOLS\s+UPDATED$/);
    expect(lines.slice(2).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ["etfs", "10", "SPY"],
      ["tech", "3", "AAPL"],
    ]);
    expect(lines[2]).toContain("XLV …");

    const firstPage = await spreadscan(["watchlist", "list", "--page-size", "1", "--json"], as("alice"));
    const page = JSON.parse(firstPage.stdout) as { watchlists: { name: string }[]; nextPageToken: string };
    expect(page.watchlists.map((watchlist) => watchlist.name)).toEqual(["etfs"]);
    const secondPage = await spreadscan(["watchlist", "list", "--page-size", "1", "--page-token", page.nextPageToken, "--json"], as("alice"));
    expect((JSON.parse(secondPage.stdout) as { watchlists: { name: string }[] }).watchlists.map((watchlist) => watchlist.name)).toEqual(["tech"]);

    const got = await spreadscan(["watchlist", "get", "tech", "--json"], as("alice"));
    expect(JSON.parse(got.stdout)).toMatchObject({ watchlist: { name: "tech", symbols: ["AAPL", "MSFT", "BRK.B"] } });
    const updated = await spreadscan(["watchlist", "update", "tech", "nvda"], as("alice"));
    expect(updated.stdout).toMatch(/^symbols\s+1: NVDA$/m);

    const deleted = await spreadscan(["watchlist", "delete", "tech"], as("alice"));
    expect([deleted.exitCode, deleted.stdout]).toEqual([0, "Deleted watchlist tech.\n"]);
    // Bob never saw any of alice's.
    expect((await spreadscan(["watchlist"], as("bob"))).stdout).toBe("No watchlists.\n");
  });

  it("says what is wrong, by argument, with exit status 2", async () => {
    const bad = await spreadscan(["watchlist", "create", "bad name", "SPY", "1x"], as("alice"));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('spreadscan: NAME: must be 1 to 64 letters, digits, ".", "_" or "-"; got "bad name"');
    expect(bad.stderr).toContain('spreadscan: SYMBOL: must be a ticker of 1 to 10 letters, digits or dots, starting with a letter; got "1x"');
    noStackTrace(bad.stderr);

    await spreadscan(["watchlist", "create", "twice", "SPY"], as("alice"));
    const again = await spreadscan(["watchlist", "create", "twice", "QQQ"], as("alice"));
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('ALREADY_EXISTS: a watchlist named "twice" exists');

    const missing = await spreadscan(["watchlist", "get", "nothing"], as("alice"));
    expect([missing.exitCode, missing.stderr]).toEqual([2, 'spreadscan: NOT_FOUND: no watchlist named "nothing"\n']);
    const token = await spreadscan(["watchlist", "list", "--page-token", "made-up"], as("alice"));
    expect(token.exitCode).toBe(2);
    expect(token.stderr).toContain("spreadscan: --page-token: is not a token a previous ListWatchlists returned");
  });
});

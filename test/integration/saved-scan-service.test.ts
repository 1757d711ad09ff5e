// SavedScanService through real coordinator processes with a real scanner, on a SQLite file
// and on a real PostgreSQL: the calls, the webhook's secret never returned, refusals with a
// violation for every bad field (nothing stored changed by them), RunSavedScan answering what
// ScanUniverse answers for the same symbols or watchlist and query, one API key's saved scans
// kept from another's, and (PostgreSQL) a saved scan created on one coordinator running on
// another of the same database.
import { status } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Duration } from "../../gen/ts/google/protobuf/duration.js";
import { SavedScan, type SavedScanServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { ScanUniverseRequest, type ScanUniverseResponse } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { Watchlist } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { QUERY, startScanner } from "../support/coordinator-pair.js";
import { callUnary, failureOf, type UnaryOutcome } from "../support/echo-server.js";
import { keyFor, SAVED_SCAN_KEYS, startSavedScanCoordinator, type Client, type SavedScanCoordinator } from "../support/saved-scan-coordinator.js";
import type { ServiceProcess } from "../support/service-process.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";
import { projectTool, runTool } from "../support/tools.js";

const databases = new TestDatabases();
const running: SavedScanCoordinator[] = [];
let scanner: { process: ServiceProcess; port: number };

beforeAll(async () => {
  scanner = await startScanner();
}, 60_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((coordinator) => coordinator.stop()));
});
afterAll(async () => {
  scanner.process.kill();
  await databases.close();
});

const SAVED_QUERY = ScanQuery.fromPartial({ ...QUERY, limit: 12, sort: SortKey.SORT_KEY_POP });
const SECRET = "0123456789abcdef-secret";
/** A webhook as a request sets it (secret_set is output only). */
const hook = (url: string, secret: string) => ({ url, secret, secretSet: false });
const seconds = (value: number): Duration => Duration.fromPartial({ seconds: BigInt(value) });

async function coordinatorOn(settings: DatabaseSettings): Promise<SavedScanCoordinator> {
  const coordinator = await startSavedScanCoordinator(settings, scanner.port);
  running.push(coordinator);
  return coordinator;
}

/** The calls of one client with one key. */
function callsOf(client: SavedScanServiceClient, who: Client) {
  const options = keyFor(who);
  return {
    create: (savedScan: Partial<SavedScan>) => callUnary(client.createSavedScan.bind(client), { savedScan: SavedScan.fromPartial(savedScan) }, options),
    get: (name: string) => callUnary(client.getSavedScan.bind(client), { name }, options),
    list: (pageSize = 0, pageToken = "") => callUnary(client.listSavedScans.bind(client), { pageSize, pageToken }, options),
    update: (savedScan: Partial<SavedScan>) => callUnary(client.updateSavedScan.bind(client), { savedScan: SavedScan.fromPartial(savedScan) }, options),
    delete: (name: string) => callUnary(client.deleteSavedScan.bind(client), { name }, options),
    run: (name: string) => callUnary(client.runSavedScan.bind(client), { name, bypassCache: false }, options),
  };
}

const fieldsOf = (outcome: UnaryOutcome<unknown>): string[] =>
  readStatusDetails(failureOf(outcome, status.INVALID_ARGUMENT)).fieldViolations.map((violation) => violation.field);

/** What must agree between two answers for one universe: the merged list and each symbol's outcome (job ids and cache hits differ by call). */
function rankedOf(response: ScanUniverseResponse | undefined) {
  return {
    spreads: response?.spreads,
    watchlist: response?.watchlist,
    symbols: response?.symbols.map((symbol) => [symbol.symbol, symbol.state, symbol.spreadsRanked]),
  };
}

async function universeOf(coordinator: SavedScanCoordinator, who: Client, request: Partial<ScanUniverseRequest>): Promise<ScanUniverseResponse | undefined> {
  const outcome = await callUnary(coordinator.coordinator.scanUniverse.bind(coordinator.coordinator), ScanUniverseRequest.fromPartial(request), keyFor(who));
  expect(outcome.error).toBeUndefined();
  return outcome.response;
}

describe.each(DATABASE_KINDS)("SavedScanService on %s", (kind) => {
  it("creates, gets, lists, updates and deletes the caller's saved scans, never returning a webhook's secret", async () => {
    const alice = callsOf((await coordinatorOn(await databases.fresh(kind))).saved, "alice");
    const alerts = { checkInterval: seconds(30), retention: seconds(3 * 24 * 3600), webhook: hook("https://hooks.example.com/a", SECRET) };
    const created = await alice.create({ name: "credit", symbols: ["spy", "QQQ"], query: SAVED_QUERY, perSymbolLimit: 4, alerts });
    expect(created.error).toBeUndefined();
    const stored = created.response?.savedScan;
    expect(stored).toMatchObject({ name: "credit", symbols: ["SPY", "QQQ"], watchlist: "", query: SAVED_QUERY, perSymbolLimit: 4 });
    expect(stored?.alerts).toEqual({
      checkInterval: seconds(30),
      retention: seconds(3 * 24 * 3600),
      webhook: { url: "https://hooks.example.com/a", secret: "", secretSet: true },
    });
    expect(stored?.createTime).toBeInstanceOf(Date);
    expect((await alice.get("credit")).response?.savedScan).toEqual(stored);
    failureOf(await alice.create({ name: "credit", symbols: ["IWM"] }), status.ALREADY_EXISTS);

    // Alerts with nothing set take the contract's defaults: 60 s, 7 days.
    const defaults = await alice.create({ name: "Quiet", watchlist: "tech", alerts: {} });
    expect(defaults.response?.savedScan?.alerts).toEqual({ checkInterval: seconds(60), retention: seconds(7 * 24 * 3600), webhook: undefined });
    for (const name of ["etfs", "banks"]) expect((await alice.create({ name, symbols: ["SPY"] })).error).toBeUndefined();
    const first = await alice.list(3);
    expect(first.response?.savedScans.map((scan) => scan.name)).toEqual(["Quiet", "banks", "credit"]);
    expect(first.response?.savedScans[2]?.alerts?.webhook).toEqual({ url: "https://hooks.example.com/a", secret: "", secretSet: true });
    const second = await alice.list(3, first.response?.nextPageToken);
    expect(second.response?.savedScans.map((scan) => scan.name)).toEqual(["etfs"]);
    expect(second.response?.nextPageToken).toBe("");
    expect(fieldsOf(await alice.list(3, "w1.Y3JlZGl0"))).toEqual(["page_token"]);

    // An update that leaves the secret empty keeps it; the webhook moves.
    const moved = await alice.update({ name: "credit", watchlist: "etfs", query: SAVED_QUERY, alerts: { webhook: hook("http://127.0.0.1:9/hook", "") } });
    expect(moved.error).toBeUndefined();
    expect(moved.response?.savedScan).toMatchObject({ symbols: [], watchlist: "etfs", perSymbolLimit: 0, createTime: stored?.createTime });
    expect(moved.response?.savedScan?.alerts?.webhook).toEqual({ url: "http://127.0.0.1:9/hook", secret: "", secretSet: true });
    expect(moved.response?.savedScan?.updateTime?.getTime()).toBeGreaterThanOrEqual(stored?.updateTime?.getTime() ?? Infinity);
    expect((await alice.get("credit")).response?.savedScan).toEqual(moved.response?.savedScan);

    expect((await alice.delete("credit")).error).toBeUndefined();
    failureOf(await alice.get("credit"), status.NOT_FOUND);
    failureOf(await alice.delete("credit"), status.NOT_FOUND);
    failureOf(await alice.run("credit"), status.NOT_FOUND);
    failureOf(await alice.update({ name: "credit", symbols: ["SPY"] }), status.NOT_FOUND);
  });

  it("refuses bad input with a violation for every bad field, and leaves what is stored as it was", async () => {
    const alice = callsOf((await coordinatorOn(await databases.fresh(kind))).saved, "alice");
    const good = { name: "credit", symbols: ["SPY"], query: SAVED_QUERY, alerts: { webhook: hook("https://hooks.example.com/a", SECRET) } };
    const stored = (await alice.create(good)).response?.savedScan;
    const webhook = (url: string, secret = SECRET) => ({ ...good, alerts: { webhook: hook(url, secret) } });

    expect(fieldsOf(await alice.create({ ...good, name: "" }))).toEqual(["saved_scan.name"]);
    expect(fieldsOf(await alice.create({ ...good, name: "two words" }))).toEqual(["saved_scan.name"]);
    expect(fieldsOf(await alice.create({ ...good, name: "x".repeat(65) }))).toEqual(["saved_scan.name"]);
    expect(fieldsOf(await alice.get("two words"))).toEqual(["name"]);
    expect(fieldsOf(await alice.create({ ...good, symbols: [] }))).toEqual(["saved_scan.symbols"]);
    expect(fieldsOf(await alice.create({ ...good, watchlist: "tech" }))).toEqual(["saved_scan.watchlist"]);
    expect(fieldsOf(await alice.create({ ...good, symbols: Array.from({ length: 501 }, (_, index) => `S${index}`) }))).toEqual(["saved_scan.symbols"]);
    expect(fieldsOf(await alice.create(webhook("ftp://hooks.example.com/a")))).toEqual(["saved_scan.alerts.webhook.url"]);
    expect(fieldsOf(await alice.create(webhook("http://user:pw@hooks.example.com/a")))).toEqual(["saved_scan.alerts.webhook.url"]);
    expect(fieldsOf(await alice.create(webhook("not a url")))).toEqual(["saved_scan.alerts.webhook.url"]);
    expect(fieldsOf(await alice.create(webhook(`https://hooks.example.com/${"a".repeat(2030)}`)))).toEqual(["saved_scan.alerts.webhook.url"]);
    expect(fieldsOf(await alice.create(webhook("https://hooks.example.com/a", "")))).toEqual(["saved_scan.alerts.webhook.secret"]);
    expect(fieldsOf(await alice.create(webhook("https://hooks.example.com/a", "short")))).toEqual(["saved_scan.alerts.webhook.secret"]);
    for (const retention of [30 * 60, 91 * 24 * 3600]) {
      expect(fieldsOf(await alice.create({ ...good, name: "other", alerts: { retention: seconds(retention) } }))).toEqual(["saved_scan.alerts.retention"]);
    }
    for (const interval of [5, 2 * 24 * 3600]) {
      expect(fieldsOf(await alice.create({ ...good, name: "other", alerts: { checkInterval: seconds(interval) } }))).toEqual([
        "saved_scan.alerts.check_interval",
      ]);
    }
    // Every bad field at once, the query's named as ScanUniverse names them, under saved_scan.
    expect(
      fieldsOf(
        await alice.update({
          name: "credit",
          symbols: ["SPY", "1BAD", "spy"],
          perSymbolLimit: 5000,
          query: ScanQuery.fromPartial({ filters: { minDte: 40, maxDte: 30 } }),
          alerts: { retention: seconds(60), webhook: hook("ftp://x", "") },
        }),
      ),
    ).toEqual([
      "saved_scan.symbols[1]",
      "saved_scan.symbols[2]",
      "saved_scan.per_symbol_limit",
      "saved_scan.query.filters.min_dte",
      "saved_scan.alerts.retention",
      "saved_scan.alerts.webhook.url",
    ]);
    // A first webhook on an update needs a secret: there is none to keep.
    expect((await alice.create({ name: "plain", symbols: ["SPY"] })).error).toBeUndefined();
    expect(fieldsOf(await alice.update({ name: "plain", symbols: ["QQQ"], alerts: { webhook: hook("https://hooks.example.com/b", "") } }))).toEqual([
      "saved_scan.alerts.webhook.secret",
    ]);
    expect((await alice.get("plain")).response?.savedScan?.symbols).toEqual(["SPY"]);
    expect((await alice.get("credit")).response?.savedScan).toEqual(stored);
    expect((await alice.list()).response?.savedScans.map((scan) => scan.name)).toEqual(["credit", "plain"]);
  });

  it("runs a saved scan as ScanUniverse runs its symbols or watchlist and query, and keeps one key's saved scans from another's", async () => {
    const coordinator = await coordinatorOn(await databases.fresh(kind));
    const alice = callsOf(coordinator.saved, "alice");
    const bob = callsOf(coordinator.saved, "bob");
    expect((await alice.create({ name: "credit", symbols: ["NVDA", "SPY", "QQQ"], query: SAVED_QUERY, perSymbolLimit: 3 })).error).toBeUndefined();
    const ran = await alice.run("credit");
    expect(ran.error).toBeUndefined();
    expect(ran.response?.savedScan?.name).toBe("credit");
    expect(ran.response?.result?.spreads.length).toBeGreaterThan(0);
    const universe = await universeOf(coordinator, "alice", { symbols: ["NVDA", "SPY", "QQQ"], query: SAVED_QUERY, perSymbolLimit: 3 });
    expect(rankedOf(ran.response?.result)).toEqual(rankedOf(universe));
    // The cap was applied: without it the same query ranks differently.
    const uncapped = await universeOf(coordinator, "alice", { symbols: ["NVDA", "SPY", "QQQ"], query: SAVED_QUERY });
    expect(rankedOf(uncapped)).not.toEqual(rankedOf(universe));

    // A watchlist's saved scan runs the watchlist as it is at the call.
    const watchlists = coordinator.watchlists;
    const saveWatchlist = (symbols: string[], update: boolean) =>
      callUnary(
        update ? watchlists.updateWatchlist.bind(watchlists) : watchlists.createWatchlist.bind(watchlists),
        { watchlist: Watchlist.fromPartial({ name: "tech", symbols }) },
        keyFor("alice"),
      );
    expect((await saveWatchlist(["AAPL", "MSFT"], false)).error).toBeUndefined();
    expect((await alice.create({ name: "tech-credit", watchlist: "tech", query: SAVED_QUERY })).error).toBeUndefined();
    expect((await saveWatchlist(["MSFT", "AMZN", "AAPL"], true)).error).toBeUndefined();
    const fromWatchlist = await alice.run("tech-credit");
    expect(fromWatchlist.response?.result?.symbols.map((symbol) => symbol.symbol)).toEqual(["MSFT", "AMZN", "AAPL"]);
    expect(rankedOf(fromWatchlist.response?.result)).toEqual(rankedOf(await universeOf(coordinator, "alice", { watchlist: "tech", query: SAVED_QUERY })));

    // Bob sees none of Alice's, and his own of the same name is his.
    failureOf(await bob.get("credit"), status.NOT_FOUND);
    failureOf(await bob.run("credit"), status.NOT_FOUND);
    failureOf(await bob.delete("credit"), status.NOT_FOUND);
    failureOf(await bob.update({ name: "credit", symbols: ["IWM"] }), status.NOT_FOUND);
    expect((await bob.list()).response?.savedScans).toEqual([]);
    // His saved scan of Alice's watchlist name reads his watchlists: he has no "tech".
    expect((await bob.create({ name: "tech-credit", watchlist: "tech" })).error).toBeUndefined();
    const notHis = failureOf(await bob.run("tech-credit"), status.NOT_FOUND);
    expect(readStatusDetails(notHis).fieldViolations.map((violation) => violation.field)).toEqual(["watchlist"]);
    expect((await bob.create({ name: "credit", symbols: ["IWM"], query: SAVED_QUERY })).error).toBeUndefined();
    expect((await bob.run("credit")).response?.result?.symbols.map((symbol) => symbol.symbol)).toEqual(["IWM"]);
    expect((await alice.get("credit")).response?.savedScan?.symbols).toEqual(["NVDA", "SPY", "QQQ"]);
    expect((await alice.list()).response?.savedScans.map((scan) => scan.name)).toEqual(["credit", "tech-credit"]);
  });
});

describe("SavedScanService on one PostgreSQL shared by two coordinators", () => {
  it("runs, changes and deletes on one coordinator a saved scan made on the other", async () => {
    const settings = await databases.fresh("postgresql");
    // Each coordinator its own DATA_DIR: only the database is shared.
    const [first, second] = [await coordinatorOn(settings), await coordinatorOn({ ...settings, dataDir: (await databases.fresh("sqlite")).dataDir })];
    const onFirst = callsOf(first.saved, "alice");
    const onSecond = callsOf(second.saved, "alice");
    const created = await onFirst.create({ name: "credit", symbols: ["SPY", "IWM"], query: SAVED_QUERY, perSymbolLimit: 2 });
    expect(created.error).toBeUndefined();
    expect((await onSecond.get("credit")).response?.savedScan).toEqual(created.response?.savedScan);
    const ran = await onSecond.run("credit");
    expect(ran.error).toBeUndefined();
    expect(rankedOf(ran.response?.result)).toEqual(
      rankedOf(await universeOf(second, "alice", { symbols: ["SPY", "IWM"], query: SAVED_QUERY, perSymbolLimit: 2 })),
    );
    expect((await onSecond.update({ name: "credit", symbols: ["QQQ"], query: SAVED_QUERY })).error).toBeUndefined();
    expect((await onFirst.run("credit")).response?.result?.symbols.map((symbol) => symbol.symbol)).toEqual(["QQQ"]);
    expect((await onFirst.delete("credit")).error).toBeUndefined();
    failureOf(await onSecond.run("credit"), status.NOT_FOUND);

    // Two creates of one name at once, one on each: the database lets exactly one win.
    const races = await Promise.all([onFirst.create({ name: "race", symbols: ["AAPL"] }), onSecond.create({ name: "race", symbols: ["MSFT"] })]);
    expect(races.map((outcome) => outcome.error?.code ?? "created").sort()).toEqual([status.ALREADY_EXISTS, "created"]);
  });

  it("answers UNAVAILABLE with a retry delay while PostgreSQL is down, and serves again once it is back", async () => {
    const alice = callsOf((await coordinatorOn(await databases.fresh("postgresql"))).saved, "alice");
    expect((await alice.create({ name: "credit", symbols: ["SPY"] })).error).toBeUndefined();
    const server = await databases.server();
    await server.shutDown();
    try {
      for (const outcome of [await alice.get("credit"), await alice.list(), await alice.run("credit"), await alice.create({ name: "new", symbols: ["SPY"] })]) {
        expect(readStatusDetails(failureOf(outcome, status.UNAVAILABLE)).retryDelayMs).toBeGreaterThan(0);
      }
    } finally {
      await server.start();
    }
    expect((await alice.get("credit")).response?.savedScan?.symbols).toEqual(["SPY"]);
  });
});

describe("reflection", () => {
  it("lists SavedScanService, and grpcurl creates and runs a saved scan with proto3 JSON as docs/clients.md shows", async () => {
    const { address } = await coordinatorOn(await databases.fresh("sqlite"));
    const grpcurl = projectTool(".tools/bin/grpcurl");
    const listed = await runTool(grpcurl, ["-plaintext", address, "list"]);
    expect(listed.stdout.split("\n")).toEqual(
      expect.arrayContaining(["spreadscan.coordinator.v1.SavedScanService", "spreadscan.coordinator.v1.WatchlistService"]),
    );
    const auth = ["-H", `authorization: Bearer ${SAVED_SCAN_KEYS.alice}`];
    const body = {
      savedScan: {
        name: "credit",
        symbols: ["SPY", "QQQ"],
        query: { strategies: ["STRATEGY_BULL_PUT"], filters: { maxDte: 30, maxWidth: 5 }, limit: 5 },
        alerts: { checkInterval: "30s", retention: "172800s", webhook: { url: "https://hooks.example.com/spreads", secret: SECRET } },
      },
    };
    const created = await runTool(grpcurl, [
      "-plaintext",
      ...auth,
      "-d",
      JSON.stringify(body),
      address,
      "spreadscan.coordinator.v1.SavedScanService/CreateSavedScan",
    ]);
    expect(created.stderr).toBe("");
    const stored = (JSON.parse(created.stdout) as { savedScan: Record<string, unknown> & { alerts: unknown } }).savedScan;
    expect(stored.alerts).toEqual({ checkInterval: "30s", retention: "172800s", webhook: { url: "https://hooks.example.com/spreads", secretSet: true } });
    const ran = await runTool(grpcurl, ["-plaintext", ...auth, "-d", '{"name": "credit"}', address, "spreadscan.coordinator.v1.SavedScanService/RunSavedScan"]);
    expect(ran.stderr).toBe("");
    expect((JSON.parse(ran.stdout) as { result: { symbols: { symbol: string }[] } }).result.symbols.map((symbol) => symbol.symbol)).toEqual(["SPY", "QQQ"]);
  });
});

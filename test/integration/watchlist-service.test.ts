// WatchlistService through real coordinator processes, on a SQLite file and on a real
// PostgreSQL: the calls, their refusals with field violations, one owner kept from another,
// watchlists surviving a coordinator killed and started again, and (PostgreSQL) two
// coordinators sharing one database.
import { status } from "@grpc/grpc-js";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Watchlist, type WatchlistServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import type { DatabaseSettings } from "../../services/coordinator/storage/database-settings.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";
import { projectTool, runTool } from "../support/tools.js";
import { keyOf, startWatchlistCoordinator, type WatchlistCoordinator } from "../support/watchlist-coordinator.js";

const databases = new TestDatabases();
const running: WatchlistCoordinator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((coordinator) => coordinator.kill()));
});
afterAll(() => databases.close());

async function coordinatorOn(settings: DatabaseSettings): Promise<WatchlistCoordinator> {
  const coordinator = await startWatchlistCoordinator(settings);
  running.push(coordinator);
  return coordinator;
}

/** The calls of one client with one key. */
function callsOf(client: WatchlistServiceClient, who: "alice" | "bob") {
  const options = keyOf(who);
  return {
    create: (name: string, symbols: string[]) =>
      callUnary(client.createWatchlist.bind(client), { watchlist: Watchlist.fromPartial({ name, symbols }) }, options),
    get: (name: string) => callUnary(client.getWatchlist.bind(client), { name }, options),
    list: (pageSize = 0, pageToken = "") => callUnary(client.listWatchlists.bind(client), { pageSize, pageToken }, options),
    update: (name: string, symbols: string[]) =>
      callUnary(client.updateWatchlist.bind(client), { watchlist: Watchlist.fromPartial({ name, symbols }) }, options),
    delete: (name: string) => callUnary(client.deleteWatchlist.bind(client), { name }, options),
  };
}

const fieldsOf = (outcome: Parameters<typeof failureOf>[0]): string[] =>
  readStatusDetails(failureOf(outcome, status.INVALID_ARGUMENT)).fieldViolations.map((violation) => violation.field);

describe.each(DATABASE_KINDS)("WatchlistService on %s", (kind) => {
  it("creates, gets, lists, updates and deletes the caller's watchlists", async () => {
    const { client } = await coordinatorOn(await databases.fresh(kind));
    const alice = callsOf(client, "alice");

    const created = await alice.create("tech", ["aapl", " msft ", "AAPL", "brk.b"]);
    // Upper-cased, trimmed, a repeat folded into its first place.
    expect(created.response?.watchlist?.symbols).toEqual(["AAPL", "MSFT", "BRK.B"]);
    const createTime = created.response?.watchlist?.createTime;
    expect(createTime).toBeInstanceOf(Date);
    expect(created.response?.watchlist?.updateTime).toEqual(createTime);
    failureOf(await alice.create("tech", ["SPY"]), status.ALREADY_EXISTS);
    expect((await alice.get("tech")).response?.watchlist).toEqual(created.response?.watchlist);

    for (const name of ["etfs", "banks", "Zeta"]) expect((await alice.create(name, ["SPY"])).error).toBeUndefined();
    const first = await alice.list(3);
    expect(first.response?.watchlists.map((watchlist) => watchlist.name)).toEqual(["Zeta", "banks", "etfs"]);
    expect(first.response?.nextPageToken).not.toBe("");
    const second = await alice.list(3, first.response?.nextPageToken);
    expect(second.response?.watchlists.map((watchlist) => watchlist.name)).toEqual(["tech"]);
    expect(second.response?.nextPageToken).toBe("");

    const updated = await alice.update("tech", ["NVDA", "AMD"]);
    expect(updated.response?.watchlist?.symbols).toEqual(["NVDA", "AMD"]);
    expect(updated.response?.watchlist?.createTime).toEqual(createTime);
    expect((await alice.get("tech")).response?.watchlist?.symbols).toEqual(["NVDA", "AMD"]);

    expect((await alice.delete("tech")).error).toBeUndefined();
    failureOf(await alice.get("tech"), status.NOT_FOUND);
    failureOf(await alice.delete("tech"), status.NOT_FOUND);
    failureOf(await alice.update("tech", ["SPY"]), status.NOT_FOUND);
  });

  it("keeps one owner's watchlists from another's", async () => {
    const { client } = await coordinatorOn(await databases.fresh(kind));
    const alice = callsOf(client, "alice");
    const bob = callsOf(client, "bob");
    await alice.create("mine", ["AAPL"]);

    failureOf(await bob.get("mine"), status.NOT_FOUND);
    expect((await bob.list()).response?.watchlists).toEqual([]);
    failureOf(await bob.update("mine", ["SPY"]), status.NOT_FOUND);
    failureOf(await bob.delete("mine"), status.NOT_FOUND);
    // The same name is free for bob, and his stays his.
    expect((await bob.create("mine", ["IBM"])).error).toBeUndefined();
    expect((await alice.get("mine")).response?.watchlist?.symbols).toEqual(["AAPL"]);
    expect((await bob.get("mine")).response?.watchlist?.symbols).toEqual(["IBM"]);
    expect((await alice.list()).response?.watchlists.map((watchlist) => watchlist.symbols)).toEqual([["AAPL"]]);
  });

  it("refuses bad input with field violations, changing nothing", async () => {
    const { client } = await coordinatorOn(await databases.fresh(kind));
    const alice = callsOf(client, "alice");
    await alice.create("kept", ["SPY"]);

    expect(fieldsOf(await alice.create("bad name", ["SPY", "1X", "TOOLONGTICKER"]))).toEqual([
      "watchlist.name",
      "watchlist.symbols[1]",
      "watchlist.symbols[2]",
    ]);
    expect(fieldsOf(await alice.create("x".repeat(65), []))).toEqual(["watchlist.name", "watchlist.symbols"]);
    expect(
      fieldsOf(
        await alice.create(
          "big",
          Array.from({ length: 501 }, (_, index) => `S${index}`),
        ),
      ),
    ).toEqual(["watchlist.symbols"]);
    expect(
      (
        await alice.create(
          "biggest",
          Array.from({ length: 500 }, (_, index) => `S${index}`),
        )
      ).error,
    ).toBeUndefined();
    expect(fieldsOf(await alice.update("kept", ["SPY", ""]))).toEqual(["watchlist.symbols[1]"]);
    expect(fieldsOf(await alice.get(""))).toEqual(["name"]);
    expect(fieldsOf(await alice.delete("a/b"))).toEqual(["name"]);
    expect(fieldsOf(await alice.list(10, "not-a-token"))).toEqual(["page_token"]);
    expect(fieldsOf(await alice.list(10, "w1.%%%"))).toEqual(["page_token"]);

    expect((await alice.get("kept")).response?.watchlist?.symbols).toEqual(["SPY"]);
    expect((await alice.list()).response?.watchlists.map((watchlist) => watchlist.name)).toEqual(["biggest", "kept"]);
  });

  it("keeps watchlists through a coordinator killed and started again", async () => {
    const settings = await databases.fresh(kind);
    const before = await coordinatorOn(settings);
    const created = await callsOf(before.client, "alice").create("kept", ["SPY", "QQQ"]);
    await callsOf(before.client, "alice").update("kept", ["IWM", "SPY", "QQQ"]);
    await before.kill();

    const after = await coordinatorOn(settings);
    const read = await callsOf(after.client, "alice").get("kept");
    expect(read.response?.watchlist?.symbols).toEqual(["IWM", "SPY", "QQQ"]);
    expect(read.response?.watchlist?.createTime).toEqual(created.response?.watchlist?.createTime);
    // The schema was migrated by the first start only: the second found it current.
    expect(after.process.logs.some((line) => line.msg === "database schema current")).toBe(true);
  });
});

describe("two coordinators on one PostgreSQL", () => {
  it("see the same watchlists, and one create of a name wins", async () => {
    const settings = await databases.fresh("postgresql");
    const [one, two] = await Promise.all([coordinatorOn(settings), coordinatorOn(settings)]);
    const onOne = callsOf(one.client, "alice");
    const onTwo = callsOf(two.client, "alice");

    await onOne.create("shared", ["SPY"]);
    expect((await onTwo.get("shared")).response?.watchlist?.symbols).toEqual(["SPY"]);
    await onTwo.update("shared", ["QQQ"]);
    expect((await onOne.get("shared")).response?.watchlist?.symbols).toEqual(["QQQ"]);

    const races = await Promise.all([onOne.create("race", ["AAPL"]), onTwo.create("race", ["MSFT"])]);
    expect(races.filter((outcome) => outcome.error === undefined)).toHaveLength(1);
    expect(races.filter((outcome) => outcome.error?.code === status.ALREADY_EXISTS)).toHaveLength(1);

    await onTwo.delete("shared");
    failureOf(await onOne.get("shared"), status.NOT_FOUND);
  });

  it("answer UNAVAILABLE with a retry delay while PostgreSQL is down, and serve again once it is back", async () => {
    const settings = await databases.fresh("postgresql");
    const { client, process: coordinator } = await coordinatorOn(settings);
    const alice = callsOf(client, "alice");
    await alice.create("tech", ["AAPL"]);
    const server = await databases.server();
    await server.shutDown();
    try {
      for (const outcome of [await alice.get("tech"), await alice.list(), await alice.create("new", ["SPY"])]) {
        expect(readStatusDetails(failureOf(outcome, status.UNAVAILABLE)).retryDelayMs).toBeGreaterThan(0);
      }
      // Said once, as for Redis and NATS: degraded, not failed.
      await coordinator.waitForLog((line) => line.dependency === "postgresql" && String(line.msg).startsWith("dependency is down"));
    } finally {
      await server.start();
    }
    expect((await alice.get("tech")).response?.watchlist?.symbols).toEqual(["AAPL"]);
    await coordinator.waitForLog((line) => line.dependency === "postgresql" && line.msg === "dependency is back");
  });

  it("refuse to start when PostgreSQL cannot be reached, saying so", async () => {
    const server = await databases.server();
    const coordinator = startWatchlistCoordinator({ dataDir: "/nonexistent", databaseUrl: server.urlOf("no_such_database") });
    await expect(coordinator).rejects.toThrow(
      /exited \(1\).*cannot open the PostgreSQL database at postgres:\/\/spreadscan@127\.0\.0\.1:\d+\/no_such_database/s,
    );
  });
});

describe("reflection", () => {
  it("lists WatchlistService beside CoordinatorService", async () => {
    const { address } = await coordinatorOn(await databases.fresh("sqlite"));
    const { stdout } = await runTool(projectTool(".tools/bin/grpcurl"), ["-plaintext", address, "list"]);
    expect(stdout.split("\n")).toEqual(expect.arrayContaining(["spreadscan.coordinator.v1.CoordinatorService", "spreadscan.coordinator.v1.WatchlistService"]));
  });
});

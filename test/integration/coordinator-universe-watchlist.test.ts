// ScanUniverse of a watchlist through a real coordinator (with its database, SQLite and
// PostgreSQL) and a real scanner, each in its own process: the caller's own watchlist scanned
// in its order and merged as its symbols' single scans merge, another owner's watchlist of the
// same name kept apart, NOT_FOUND on the field `watchlist` for a name the caller has none of,
// the watchlist read afresh at every call, and the CLI's --watchlist.
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanUniverseRequest, SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { Watchlist, WatchlistServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { QUERY, startScanner } from "../support/coordinator-pair.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { spreadscan } from "../support/spreadscan-cli.js";
import { DATABASE_KINDS, TestDatabases } from "../support/test-databases.js";
import { mergedByBruteForce } from "../support/universe-merge-reference.js";
import { keyOf, WATCHLIST_KEYS } from "../support/watchlist-coordinator.js";

const databases = new TestDatabases();
const processes: ServiceProcess[] = [];
afterAll(async () => {
  for (const each of processes) each.kill();
  await databases.close();
});

const UNIVERSE_QUERY = ScanQuery.fromPartial({ ...QUERY, limit: 12, sort: SortKey.SORT_KEY_POP });

describe.each(DATABASE_KINDS)("ScanUniverse of a watchlist, on %s", (kind) => {
  it("scans the caller's own watchlist, as it is at the call, and refuses a name the caller has none of", async () => {
    const scanner = await startScanner();
    processes.push(scanner.process);
    const settings = await databases.fresh(kind);
    const coordinator = spawnService("services/coordinator/main.ts", {
      ...freePorts("COORDINATOR"),
      SCANNER_ADDR: `127.0.0.1:${scanner.port}`,
      SIMULATED_TICK_INTERVAL: "3600",
      AUTH: "api-key",
      API_KEYS: `alice:${WATCHLIST_KEYS.alice}:scan,bob:${WATCHLIST_KEYS.bob}:scan`,
      DATA_DIR: settings.dataDir,
      ...(settings.databaseUrl ? { DATABASE_URL: settings.databaseUrl } : {}),
    });
    processes.push(coordinator);
    const address = `127.0.0.1:${(await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
    const watchlists = new WatchlistServiceClient(address, credentials.createInsecure());
    const scans = new CoordinatorServiceClient(address, credentials.createInsecure());
    try {
      const save = async (who: "alice" | "bob", name: string, symbols: string[], update = false) => {
        const method = update ? watchlists.updateWatchlist.bind(watchlists) : watchlists.createWatchlist.bind(watchlists);
        const { error } = await callUnary(method, { watchlist: Watchlist.fromPartial({ name, symbols }) }, keyOf(who));
        expect(error).toBeUndefined();
      };
      const universe = (who: "alice" | "bob", watchlist: string) =>
        callUnary(scans.scanUniverse.bind(scans), ScanUniverseRequest.fromPartial({ watchlist, query: UNIVERSE_QUERY, perSymbolLimit: 5 }), keyOf(who));
      await save("alice", "tech", ["NVDA", "AAPL", "MSFT"]);
      await save("alice", "etfs", ["SPY", "QQQ"]);
      await save("bob", "tech", ["TSLA"]);

      const alice = (await universe("alice", "tech")).response!;
      expect(alice.watchlist).toBe("tech");
      expect(alice.symbols.map((symbol) => [symbol.symbol, symbol.state])).toEqual([
        ["NVDA", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
        ["AAPL", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
        ["MSFT", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED],
      ]);
      const single = await Promise.all(
        ["NVDA", "AAPL", "MSFT"].map(
          async (symbol) => (await callUnary(scans.scan.bind(scans), ScanRequest.fromPartial({ symbol, query: UNIVERSE_QUERY }), keyOf("alice"))).response!,
        ),
      );
      expect(single.every((scan) => scan.cacheHit)).toBe(true);
      expect(alice.spreads).toEqual(
        mergedByBruteForce(
          single.map((scan) => scan.result?.spreads ?? []),
          SortKey.SORT_KEY_POP,
          12,
          5,
        ),
      );

      // Bob's "tech" is his own; Alice's "etfs" is not his.
      expect((await universe("bob", "tech")).response?.symbols.map((symbol) => symbol.symbol)).toEqual(["TSLA"]);
      const refused = failureOf(await universe("bob", "etfs"), status.NOT_FOUND);
      expect(readStatusDetails(refused).fieldViolations.map((violation) => violation.field)).toEqual(["watchlist"]);

      // Changed, it is read afresh.
      await save("alice", "tech", ["AMZN", "NVDA"], true);
      expect((await universe("alice", "tech")).response?.symbols.map((symbol) => symbol.symbol)).toEqual(["AMZN", "NVDA"]);

      // The CLI, with Alice's key.
      const run = await spreadscan(
        ["universe", "--watchlist", "etfs", "--strategy", "bull-put", "--max-dte", "30", "--max-width", "5", "--limit", "4", "--addr", address],
        {
          SPREADSCAN_API_KEY: WATCHLIST_KEYS.alice,
        },
      );
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toMatch(/^Watchlist etfs of 2 symbols · /);
      expect(run.stdout).toMatch(/\n2 symbols: 2 scanned, 0 stale, 0 failed\n$/);
    } finally {
      watchlists.close();
      scans.close();
    }
  });
});

// The board a universe watch keeps: each symbol's latest top N from its feed's messages, merged
// as the brute force merges them; a message is news only when what the caller sees changes
// (not a symbol's counts, which move on every tick); a failed symbol leaves the merge; the
// status the watch ends with once every symbol has failed.
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { MarketDataState, type WatchSpreadsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SymbolScanState } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { notFound, unavailable } from "../../../services/common/errors.js";
import { UniverseBoard } from "../../../services/coordinator/universe/watch-universe-board.js";
import { scanFixed } from "../../fixtures/fixed-market.js";
import { mergedByBruteForce } from "../../support/universe-merge-reference.js";

const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { maxDte: 30, maxWidth: 5 },
  limit: 6,
  sort: SortKey.SORT_KEY_CREDIT,
});
const LIMITS = { sort: SortKey.SORT_KEY_CREDIT, limit: 6, perSymbolLimit: 3 };
const SYMBOLS = ["SPY", "QQQ", "IWM"];

const update = (result: ScanResult): WatchSpreadsResponse => ({ update: { sequence: 1n, initial: true, result, addedIds: [], removedIds: [] } });

describe("UniverseBoard", () => {
  it("is complete once every symbol has a top N or has failed, and merges the latest of each", () => {
    const board = new UniverseBoard(SYMBOLS, LIMITS);
    board.observe(0, update(scanFixed("SPY", QUERY, 0)));
    board.observe(1, update(scanFixed("QQQ", QUERY, 0)));
    expect(board.complete).toBe(false);
    board.fail(2, notFound("no market data for IWM"));
    expect(board.complete).toBe(true);
    // SPY moves on: its newest top N replaces the one before.
    board.observe(0, update(scanFixed("SPY", QUERY, 2)));
    const view = board.view();
    const expected = mergedByBruteForce([scanFixed("SPY", QUERY, 2).spreads, scanFixed("QQQ", QUERY, 0).spreads], SortKey.SORT_KEY_CREDIT, 6, 3);
    expect(view.spreads).toEqual(expected);
    expect(view.symbols.map((symbol) => [symbol.symbol, symbol.state, symbol.spreadsRanked])).toEqual([
      ["SPY", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED, expected.filter((spread) => spread.symbol === "SPY").length],
      ["QQQ", SymbolScanState.SYMBOL_SCAN_STATE_SCANNED, expected.filter((spread) => spread.symbol === "QQQ").length],
      ["IWM", SymbolScanState.SYMBOL_SCAN_STATE_FAILED, 0],
    ]);
    expect(view.symbols[2]!.error?.code).toBe(status.NOT_FOUND);
    expect(view.symbols[0]!.result?.spreads).toEqual([]);
    expect(board.everyFailed()).toBeUndefined();
  });

  it("sees news in the spreads, a state or the market data, not in a symbol's counts", () => {
    const board = new UniverseBoard(["SPY"], LIMITS);
    const result = scanFixed("SPY", QUERY, 0);
    board.observe(0, update(result));
    const first = board.view().fingerprint;
    board.observe(0, update({ ...result, chainVersion: result.chainVersion + 1n, candidatesPassed: result.candidatesPassed + 1n }));
    expect(board.view().fingerprint.equals(first)).toBe(true);
    board.observe(0, { status: { symbol: "SPY", state: MarketDataState.MARKET_DATA_STATE_DELAYED, reason: "not subscribed" } });
    const delayed = board.view();
    expect(delayed.fingerprint.equals(first)).toBe(false);
    expect(delayed.marketData.map((marketData) => marketData.state)).toEqual([MarketDataState.MARKET_DATA_STATE_DELAYED]);
    board.observe(0, update(scanFixed("SPY", QUERY, 1)));
    expect(board.view().fingerprint.equals(delayed.fingerprint)).toBe(false);
  });

  it("ends a watch of one symbol with its own error, and of many with FAILED_PRECONDITION naming each", () => {
    const one = new UniverseBoard(["ZZZZ"], LIMITS);
    const missing = notFound("no market data for ZZZZ");
    one.fail(0, missing);
    expect(one.everyFailed()).toBe(missing);
    const two = new UniverseBoard(["ZZZZ", "SPY"], LIMITS);
    two.observe(1, update(scanFixed("SPY", QUERY, 0)));
    two.fail(0, missing);
    expect(two.everyFailed()).toBeUndefined();
    two.fail(1, unavailable("the scanner is gone"));
    expect(two.view().spreads).toEqual([]);
    const ended = two.everyFailed();
    expect(ended?.code).toBe(status.FAILED_PRECONDITION);
    expect(ended?.message).toMatch(/ZZZZ: NOT_FOUND, SPY: UNAVAILABLE/);
  });
});

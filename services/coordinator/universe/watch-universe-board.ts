// What a universe watch knows of its symbols: each one's latest top N and market data status
// from its own live feed, or why that feed ended; and the message that knowledge makes, the
// merged top N (universe-merge.ts) with every symbol's outcome. Only the latest of each symbol
// is kept: however fast the feeds tick, or however slowly the caller reads, a watch holds one
// top N per symbol.
import { status } from "@grpc/grpc-js";
import {
  MarketDataState,
  WatchUniverseResponse,
  type MarketDataStatus,
  type WatchSpreadsResponse,
} from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SymbolScanState, type SymbolScan } from "../../../gen/ts/spreadscan/coordinator/v1/universe.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { RpcError } from "../../common/errors.js";
import { errorStatusOf } from "../jobs/scan-job.js";
import { mergeRanked, type MergeLimits } from "./universe-merge.js";

interface SymbolFeedState {
  readonly symbol: string;
  /** Its latest top N, from the feed's latest update. */
  result: ScanResult | undefined;
  marketData: MarketDataStatus | undefined;
  /** Why its feed ended; it stays failed for the rest of the watch. */
  error: RpcError | undefined;
}

/** A message's content without its place in the stream (sequence, initial, added and removed, time). */
export interface BoardView {
  readonly spreads: Spread[];
  readonly symbols: SymbolScan[];
  readonly marketData: MarketDataStatus[];
  /** What the caller would see change: the spreads, each symbol's state and error, the market data. */
  readonly fingerprint: Buffer;
}

export class UniverseBoard {
  private readonly states: SymbolFeedState[];

  constructor(
    symbols: readonly string[],
    private readonly limits: MergeLimits,
  ) {
    this.states = symbols.map((symbol) => ({ symbol, result: undefined, marketData: undefined, error: undefined }));
  }

  /** Takes in one message of symbol `index`'s feed: its new top N, its market data status, or both. */
  observe(index: number, message: WatchSpreadsResponse): void {
    const state = this.states[index] as SymbolFeedState;
    if (message.status) state.marketData = message.status;
    if (message.update?.result) state.result = message.update.result;
  }

  /** Symbol `index`'s feed ended with `error`: its spreads leave the merged top N. */
  fail(index: number, error: RpcError): void {
    (this.states[index] as SymbolFeedState).error = error;
  }

  /** True once every symbol has its first top N or has failed: the initial message can go. */
  get complete(): boolean {
    return this.states.every((state) => state.result !== undefined || state.error !== undefined);
  }

  /** The status the watch ends with when every symbol failed; undefined while one still streams. */
  everyFailed(): RpcError | undefined {
    if (!this.states.every((state) => state.error !== undefined)) return undefined;
    const [only, ...others] = this.states;
    if (only?.error && others.length === 0) return only.error;
    const reasons = this.states.map((state) => `${state.symbol}: ${status[state.error?.code ?? status.UNKNOWN]}`).join(", ");
    return new RpcError(status.FAILED_PRECONDITION, `every symbol's live feed ended (${reasons}); each one's error was in the last message's symbols`);
  }

  view(): BoardView {
    const lists = this.states.map((state): readonly Spread[] => (state.error ? [] : (state.result?.spreads ?? [])));
    const merged = mergeRanked(lists, this.limits);
    const symbols = this.states.map((state, index) => symbolScan(state, merged.ranked[index] ?? 0));
    const marketData = this.states.flatMap((state) =>
      state.marketData && state.marketData.state !== MarketDataState.MARKET_DATA_STATE_LIVE ? [state.marketData] : [],
    );
    const fingerprint = Buffer.from(
      WatchUniverseResponse.encode({
        sequence: 0n,
        initial: false,
        spreads: merged.spreads,
        addedIds: [],
        removedIds: [],
        // A symbol's counts change on every tick: only its state and error are news.
        symbols: symbols.map(({ symbol, state, error }) => ({ symbol, state, error, cacheHit: false, jobId: "", spreadsRanked: 0 })),
        marketData,
      }).finish(),
    );
    return { spreads: merged.spreads, symbols, marketData, fingerprint };
  }
}

function symbolScan(state: SymbolFeedState, spreadsRanked: number): SymbolScan {
  const common = { symbol: state.symbol, cacheHit: false, jobId: "" };
  if (state.error) return { ...common, state: SymbolScanState.SYMBOL_SCAN_STATE_FAILED, error: errorStatusOf(state.error), spreadsRanked: 0 };
  return {
    ...common,
    state: SymbolScanState.SYMBOL_SCAN_STATE_SCANNED,
    spreadsRanked,
    // Its spreads are in the merged list when they rank; its counts and chain stay.
    ...(state.result ? { result: { ...state.result, spreads: [] } } : {}),
  };
}

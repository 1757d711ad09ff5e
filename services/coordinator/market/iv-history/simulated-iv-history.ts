// The simulated market's IV history: the market model's seeded daily path around each
// symbol's own one-month ATM IV (services/market-model/implied-volatility-history.ts), with the
// market's seed, so its history and its chains are one model.
import type { DailyImpliedVolatility } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { simulatedVolatilityHistory } from "../../../market-model/implied-volatility-history.js";
import { profileFor } from "../../../market-model/symbol-profiles.js";
import { SIMULATED_SOURCE } from "../../../market-model/synthetic-chain.js";
import { MAX_HISTORY_DAYS, type IvHistorySource } from "./iv-history-source.js";

export class SimulatedIvHistory implements IvHistorySource {
  readonly name = SIMULATED_SOURCE;

  constructor(private readonly seed: number) {}

  fetchHistory(symbol: string, before: string, signal?: AbortSignal): Promise<DailyImpliedVolatility[] | undefined> {
    return new Promise((resolve) => {
      signal?.throwIfAborted();
      const profile = profileFor(symbol);
      resolve(profile ? simulatedVolatilityHistory({ symbol, profile, seed: this.seed, before, days: MAX_HISTORY_DAYS }) : undefined);
    });
  }
}

import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";

/** A typical credit-spread screen: what most users ask. */
export const CREDIT_QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: { minDte: 7, maxDte: 45, maxShortDelta: 0.3, minPop: 0.6, maxWidth: 5 },
  limit: 10,
});

/** Every symbol the simulated market knows. */
export const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"] as const;

// The spread engine's public surface: pure functions from a chain and a query to ranked spreads.
export { EngineInputError, type InputViolation } from "./input-errors.js";
export { chainViolations, prepareChain, type PreparedChain } from "./prepared-chain.js";
export {
  backDteRange,
  effectiveDteRange,
  effectiveMinBackDte,
  effectiveMaxWidth,
  effectiveMinShortDelta,
  effectiveQuery,
  strikeIncrement,
  type ChainOutline,
  type DteRange,
  type ListedExpiration,
} from "./query-defaults.js";
export { normalizedQueryKey } from "./query-key.js";
export { KNOWN_STRATEGIES, TWO_EXPIRY_STRATEGIES, namesTwoExpiryStrategy } from "./resolved-query.js";
export { ALL_STRATEGIES, DEFAULT_LIMIT, DEFAULT_PROBABILITY_MODEL, DEFAULT_SCORE_WEIGHTS, MAX_LIMIT, MAX_VOLATILITY, resolveQuery } from "./resolved-query.js";
export { DEFAULT_WORK_BUDGET } from "./iron-search.js";
export { scanChain, scanPrepared, type ScanOptions } from "./scan-engine.js";
export { spreadId, strategyName, twoExpirySpreadId } from "./spread-description.js";

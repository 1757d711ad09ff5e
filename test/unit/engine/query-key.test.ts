// Queries that select and rank the same spreads share a result cache key; queries that rank
// under another distribution do not.
import { describe, expect, it } from "vitest";
import { ProbabilityModel, ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { normalizedQueryKey } from "../../../services/engine/query-key.js";

const keyOf = (query: Partial<ScanQuery>): string => normalizedQueryKey(ScanQuery.fromPartial(query));

describe("the result cache key and the probability model", () => {
  it("is one key for the unset model and the default it means", () => {
    expect(keyOf({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV })).toBe(keyOf({}));
    expect(normalizedQueryKey(undefined)).toBe(keyOf({}));
  });

  it("tells the other models, and the caller's volatilities, apart", () => {
    const keys = [
      keyOf({}),
      keyOf({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV }),
      keyOf({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY, volatility: 0.2 }),
      keyOf({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY, volatility: 0.25 }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

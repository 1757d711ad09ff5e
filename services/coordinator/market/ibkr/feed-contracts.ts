// Which contracts a live feed streams, in the order it takes their lines.
import type { ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { yearsToExpiry } from "../../../engine/new-york-time.js";
import type { ChainFetcher, ChainPlan } from "./chain-fetch.js";
import { compareContracts, type SelectedContract } from "./chain-selection.js";

/**
 * The plan's selection for `query`, at most `limit` contracts, nearest the money (in standard
 * deviations) first. Lines are taken in turn with the snapshots waiting for them, so a feed
 * opened during a fetch grows from the middle out as the fetch frees its lines.
 */
export function feedContracts(fetcher: ChainFetcher, plan: ChainPlan, query: ScanQuery | undefined, limit: number): SelectedContract[] {
  const chosen = fetcher.select(plan, query, limit).contracts;
  const spread = (option: SelectedContract): number =>
    Math.abs(Math.log(option.strike / plan.spot)) /
    (Math.max(plan.volatility.get(option.expiryDate) ?? 0, 1e-6) * Math.sqrt(Math.max(yearsToExpiry(plan.asOf, option.expiryDate), 1e-9)));
  return [...chosen].sort((a, b) => spread(a) - spread(b) || compareContracts(a, b));
}

// Which contracts a live feed streams, in the order it takes their lines, and the chain its
// lines make. A feed serves every query watching its symbol: it streams the union of what
// each can reach, and when that union is more than its lines allow, the queries take lines in
// turns, each its nearest-the-money contract not yet taken, so that no query starves another.
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { yearsToExpiry } from "../../../engine/new-york-time.js";
import { assembleChain, type ContractTicks } from "./chain-assembly.js";
import type { ChainFetcher, ChainPlan } from "./chain-fetch.js";
import { compareContracts, contractKey, type SelectedContract } from "./chain-selection.js";
import type { QuoteTicks } from "./quote-ticks.js";

/** What a streaming line has to show: its contract (none for the underlying's), ticks and last tick time. */
export interface StreamedLine {
  readonly option: SelectedContract | undefined;
  readonly ticks: QuoteTicks;
  readonly updatedAt: Date | undefined;
}

/**
 * The plan's selection for `query`, at most `limit` contracts, nearest the money (in standard
 * deviations) first. Lines are taken in turn with the quote requests waiting for them, so a feed
 * opened during a fetch grows from the middle out as the fetch frees its lines.
 */
export function feedContracts(fetcher: ChainFetcher, plan: ChainPlan, query: ScanQuery | undefined, limit: number): SelectedContract[] {
  const chosen = fetcher.select(plan, query, limit).contracts;
  const spread = (option: SelectedContract): number =>
    Math.abs(Math.log(option.strike / plan.spot)) /
    (Math.max(plan.volatility.get(option.expiryDate) ?? 0, 1e-6) * Math.sqrt(Math.max(yearsToExpiry(plan.asOf, option.expiryDate), 1e-9)));
  return [...chosen].sort((a, b) => spread(a) - spread(b) || compareContracts(a, b));
}

/** A contract a feed streams for one of its queries, and what that query's plan knows of it. */
export interface WantedContract {
  readonly option: SelectedContract;
  readonly plan: ChainPlan;
}

/**
 * The union of the queries' contracts (each list nearest the money first), at most `limit`:
 * taken in turns, one from each list that has any left, so that with k queries each keeps at
 * least ⌊limit / k⌋ of its nearest contracts (a contract two queries share counts for both).
 * Duplicates keep their first place, so the order is still from the middle out.
 */
export function unionContracts<Wanted extends { readonly option: SelectedContract }>(lists: readonly (readonly Wanted[])[], limit: number): Wanted[] {
  const chosen = new Map<string, Wanted>();
  const next = lists.map(() => 0);
  const max = Math.max(0, Math.floor(limit));
  for (let progressed = true; progressed && chosen.size < max;) {
    progressed = false;
    lists.forEach((list, index) => {
      if (chosen.size >= max) return;
      // Each turn takes the query's nearest contract not already chosen.
      for (let at = next[index] ?? 0; at < list.length; at++) {
        const wanted = list[at] as Wanted;
        const key = contractKey(wanted.option);
        if (chosen.has(key)) continue;
        chosen.set(key, wanted);
        next[index] = at + 1;
        progressed = true;
        return;
      }
      next[index] = list.length;
    });
  }
  return [...chosen.values()];
}

/**
 * The chain the lines make now, with the latest re-quotes of the contracts that have none.
 * Every quote keeps the time TWS last updated it (a line's latest tick, a re-quote's end).
 * Delayed and frozen per request, as TWS answered each (marketDataType, delayed tick types):
 * the options' flags are read by assembleChain, the underlying's here.
 */
export function feedChain(
  plan: ChainPlan,
  underlying: StreamedLine | undefined,
  lines: Iterable<StreamedLine>,
  asOf: Date,
  requoted: Iterable<ContractTicks> = [],
): OptionChain {
  const quotes: ContractTicks[] = [...requoted];
  for (const line of lines) {
    if (!line.option || line.ticks.empty) continue;
    quotes.push({ contract: line.option, ticks: line.ticks, quoteTime: line.updatedAt ?? plan.asOf });
  }
  return assembleChain({
    symbol: plan.symbol,
    spot: underlying?.ticks.spot ?? plan.spot,
    asOf,
    rate: plan.rate,
    dividendYield: plan.dividendYield,
    multiplier: plan.multiplier,
    delayed: underlying?.ticks.delayed ?? plan.spotDelayed,
    frozen: underlying?.ticks.frozen ?? false,
    quotes,
  });
}

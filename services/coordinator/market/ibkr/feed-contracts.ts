// Which contracts a live feed streams, in the order it takes their lines, and the chain its
// lines make.
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { yearsToExpiry } from "../../../engine/new-york-time.js";
import { assembleChain, type ContractTicks } from "./chain-assembly.js";
import type { ChainFetcher, ChainPlan } from "./chain-fetch.js";
import { compareContracts, type SelectedContract } from "./chain-selection.js";
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

/**
 * The chain the lines make now. Delayed and frozen per request, as TWS answered each
 * (marketDataType, delayed tick types): the option lines' flags are read by assembleChain, the
 * underlying's here.
 */
export function feedChain(plan: ChainPlan, underlying: StreamedLine | undefined, lines: Iterable<StreamedLine>, asOf: Date): OptionChain {
  const quotes: ContractTicks[] = [];
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

// Turns what TWS ticked for each contract into our OptionChain: one quote per contract that
// said anything, greeks from one computation record and only when it has all four (the engine
// derives missing ones from the implied volatility, which beats reading an absent figure as
// zero), open interest marked unknown where it could not be had (never read as 0).
import { Greeks, OptionChain, OptionQuote, OptionRight } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { SelectedContract } from "./chain-selection.js";
import { frozenQuoteTime } from "./frozen-quotes.js";
import type { QuoteTicks } from "./quote-ticks.js";

export const IBKR_SOURCE = "ibkr";
/** US equity options deliver 100 shares. */
export const DEFAULT_MULTIPLIER = 100;
/** An implied dividend yield beyond this is a bad pvDividend, not a dividend. */
const MAX_DIVIDEND_YIELD = 0.2;

export interface ContractTicks {
  readonly contract: SelectedContract;
  readonly ticks: QuoteTicks;
  /** When the contract's data was last complete (a quote request's end, a feed line's latest tick). */
  readonly quoteTime: Date;
  readonly conId?: number | undefined;
  /** Open interest had elsewhere (today's cache); else the ticks', else unknown. */
  readonly openInterest?: number | undefined;
}

export interface AssemblyInput {
  readonly symbol: string;
  readonly spot: number;
  readonly asOf: Date;
  readonly rate: number;
  readonly dividendYield: number;
  readonly multiplier: number;
  /** Whether the chain is delayed whatever its quotes say (e.g. its underlying's price is). */
  readonly delayed: boolean;
  /** Frozen whatever the quotes say (e.g. the underlying's request was answered frozen). */
  readonly frozen?: boolean;
  readonly quotes: Iterable<ContractTicks>;
}

export function assembleChain(input: AssemblyInput): OptionChain {
  const quotes: OptionQuote[] = [];
  let delayed = input.delayed;
  let frozen = input.frozen ?? false;
  for (const entry of input.quotes) {
    const quote = optionQuote(entry);
    if (!quote) continue;
    quotes.push(quote);
    if (entry.ticks.delayed) delayed = true;
    if (entry.ticks.frozen) frozen = true;
  }
  return OptionChain.fromPartial({
    symbol: input.symbol,
    underlyingPrice: input.spot,
    asOf: input.asOf,
    rate: input.rate,
    dividendYield: input.dividendYield,
    multiplier: input.multiplier,
    delayed,
    frozen,
    quotes,
    source: IBKR_SOURCE,
  });
}

/** The quote of one contract, or undefined when TWS gave it no price and no computation. */
export function optionQuote({ contract, ticks, quoteTime, conId, openInterest }: ContractTicks): OptionQuote | undefined {
  const record = ticks.computationRecord;
  const impliedVolatility = positiveOrUndefined(record?.impliedVolatility);
  const delta = finiteOrUndefined(record?.delta);
  const gamma = finiteOrUndefined(record?.gamma);
  const vega = finiteOrUndefined(record?.vega);
  const theta = finiteOrUndefined(record?.theta);
  const { bid, ask, last } = ticks;
  if (bid === 0 && ask === 0 && last === 0 && impliedVolatility === undefined && delta === undefined) return undefined;
  const greeks =
    delta !== undefined && gamma !== undefined && vega !== undefined && theta !== undefined ? Greeks.fromPartial({ delta, gamma, vega, theta }) : undefined;
  const interest = openInterest ?? ticks.openInterest(contract.right);
  return OptionQuote.fromPartial({
    expiryDate: contract.expiryDate,
    strike: contract.strike,
    right: contract.right === "C" ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    bid,
    ask,
    last,
    volume: BigInt(ticks.volume),
    openInterest: BigInt(interest ?? 0),
    openInterestUnknown: interest === undefined,
    impliedVolatility,
    greeks,
    // Frozen values were current at the close, not when they reached us.
    quoteTime: ticks.frozen ? frozenQuoteTime(quoteTime) : quoteTime,
    brokerContractId: BigInt(conId !== undefined && Number.isSafeInteger(conId) ? conId : 0),
  });
}

/**
 * The continuous dividend yield implied by the present value of the dividends to expiry that
 * TWS's option model reports: S·(1 − e^(−qT)) = PV(div). Undefined when there is nothing to go on.
 */
export function impliedDividendYield(spot: number, pvDividend: number | undefined, years: number): number | undefined {
  if (pvDividend === undefined || !(pvDividend >= 0) || !(spot > 0) || !(years > 0)) return undefined;
  if (pvDividend >= spot) return undefined;
  const yieldRate = -Math.log(1 - pvDividend / spot) / years;
  return Number.isFinite(yieldRate) && yieldRate <= MAX_DIVIDEND_YIELD ? yieldRate : undefined;
}

function positiveOrUndefined(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

function finiteOrUndefined(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

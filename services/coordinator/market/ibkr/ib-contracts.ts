// The contracts we ask TWS about, spelt the way it wants them: US stocks and ETFs routed
// SMART in dollars, and their options identified by expiry, strike, right, trading class and
// multiplier (enough for TWS to resolve one contract without a conId).
import { OptionType, SecType, type Contract } from "@stoqey/ib";
import { dateToIbExpiry, type SelectedContract } from "./chain-selection.js";

export const SMART = "SMART";
export const USD = "USD";

/** The underlying, before its conId is known. */
export function stockContract(symbol: string): Contract {
  return { symbol, secType: SecType.STK, exchange: SMART, currency: USD };
}

/** The underlying, once contract details gave its conId (which removes any ambiguity). */
export function resolvedStockContract(symbol: string, conId: number, primaryExchange?: string): Contract {
  return {
    conId,
    symbol,
    secType: SecType.STK,
    exchange: SMART,
    currency: USD,
    ...(primaryExchange ? { primaryExch: primaryExchange } : {}),
  };
}

/** Where TWS lists a group of an underlying's options (one securityDefinitionOptionParameter). */
export interface OptionClass {
  readonly exchange: string;
  readonly tradingClass: string;
  readonly multiplier: number;
}

export function optionContract(symbol: string, option: SelectedContract, optionClass: OptionClass): Contract {
  return {
    symbol,
    secType: SecType.OPT,
    lastTradeDateOrContractMonth: dateToIbExpiry(option.expiryDate),
    strike: option.strike,
    right: option.right === "C" ? OptionType.Call : OptionType.Put,
    exchange: optionClass.exchange,
    currency: USD,
    multiplier: optionClass.multiplier,
    tradingClass: optionClass.tradingClass,
  };
}

// One quote of the dense one-expiry chains the iron property tests build: a Black–Scholes
// price at the contract's own volatility, a bid and ask around it on a cent grid, and a delta
// that moves linearly across the strikes (`deltaSpan` dollars from 0.5 to 0 or 1).
import { OptionQuote, OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { CALL, optionPrice, PUT } from "../../services/engine/black-scholes.js";

export const DENSE_AS_OF = new Date("2026-11-20T15:00:00Z");
export const DENSE_EXPIRY = "2026-12-18";

export interface DenseContract {
  readonly spot: number;
  readonly strike: number;
  readonly isCall: boolean;
  readonly volatility: number;
  readonly halfSpread: number;
  readonly deltaSpan: number;
}

export function denseQuote({ spot, strike, isCall, volatility, halfSpread, deltaSpan }: DenseContract): OptionQuote {
  const years = (Date.parse(`${DENSE_EXPIRY}T21:00:00Z`) - DENSE_AS_OF.getTime()) / (365 * 86_400_000);
  const price = optionPrice(isCall ? CALL : PUT, strike, volatility, { spot, rate: 0.04, dividendYield: 0.01, years });
  const bid = Math.max(0.01, Math.round((price - halfSpread) * 100) / 100);
  const ask = Math.max(bid + 0.01, Math.round((price + halfSpread) * 100) / 100);
  const delta = isCall ? 0.5 + (spot - strike) / deltaSpan : -0.5 + (spot - strike) / deltaSpan;
  return OptionQuote.fromPartial({
    expiryDate: DENSE_EXPIRY,
    strike,
    right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    bid,
    ask,
    volume: 100n,
    openInterest: 1000n,
    impliedVolatility: volatility,
    greeks: { delta: Math.max(-1, Math.min(1, delta)), gamma: 0.02, theta: -0.02, vega: 0.1 },
  });
}

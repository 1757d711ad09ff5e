// Bid and ask around the model price. Market makers quote wider where hedging is harder and
// volume thinner: away from the money, at longer expiries, in less active names; and a
// cheap option cannot be quoted tighter than a tick, so its spread is wide in percent.

const TICK = 0.01;
const TICKS_PER_DOLLAR = 100;
/** Half-spread of an ATM one-month option in the most liquid market: a fixed part and a part per dollar of price. */
const BASE_HALF_SPREAD = 0.006;
const HALF_SPREAD_PER_DOLLAR = 0.002;
/** Widening per standard deviation from the money (counted up to six), and per year to expiry. */
const WIDENING_PER_DEVIATION = 0.35;
const MAX_DEVIATIONS = 6;
const WIDENING_PER_YEAR = 0.5;

export interface QuoteWidthInput {
  /** Model price, dollars per share. */
  readonly price: number;
  /** Distance from the money in standard deviations of ln(S_T), unsigned. */
  readonly deviations: number;
  readonly years: number;
  /** The profile's liquidity, 1 for SPY. */
  readonly liquidity: number;
}

export interface BidAsk {
  readonly bid: number;
  readonly ask: number;
}

/**
 * A two-sided quote in whole ticks with bid ≤ price ≤ ask and ask > bid: the half-spread is
 * at least half a tick, so rounding the bid down and the ask up always leaves a tick between
 * them. A deep out-of-the-money option worth less than its half-spread has no bid (0).
 */
export function quoteAround({ price, deviations, years, liquidity }: QuoteWidthInput): BidAsk {
  // A market a quarter as active is quoted twice as wide.
  const widening = ((1 + WIDENING_PER_DEVIATION * Math.min(deviations, MAX_DEVIATIONS)) * (1 + WIDENING_PER_YEAR * years)) / Math.sqrt(liquidity);
  const halfSpread = Math.max(TICK / 2, (BASE_HALF_SPREAD + HALF_SPREAD_PER_DOLLAR * price) * widening);
  // Whole ticks as integers, so 0.1 + 0.2 never leaks into a quote.
  const bidTicks = Math.max(0, Math.floor((price - halfSpread) * TICKS_PER_DOLLAR));
  const askTicks = Math.max(bidTicks + 1, Math.ceil((price + halfSpread) * TICKS_PER_DOLLAR));
  return { bid: bidTicks / TICKS_PER_DOLLAR, ask: askTicks / TICKS_PER_DOLLAR };
}

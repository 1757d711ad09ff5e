// What makes one underlying's synthetic option chain look like its real one: price level,
// volatility level and shape, dividend yield, strike spacing and how actively it trades.
// Figures are typical of mid-2025 markets; they set a plausible scene, not a forecast.

export interface SymbolProfile {
  /** Default underlying price, dollars per share. */
  readonly spot: number;
  /** ATM implied volatility of a one-month option, annualised fraction. */
  readonly atmVolatility: number;
  /** How ATM volatility grows per unit of sqrt(years) beyond one month, relative to it (indexes slope up). */
  readonly termSlope: number;
  /**
   * Slope of the smile at the money, relative to ATM volatility, per unit of log-moneyness
   * over sqrt(years); negative makes lower strikes richer (put skew).
   */
  readonly skew: number;
  /** Curvature of the smile's wings, relative to ATM volatility (the same units as skew). */
  readonly smile: number;
  /** Dividend yield, continuously compounded, annualised fraction. */
  readonly dividendYield: number;
  /** Risk-free rate, continuously compounded, annualised fraction. */
  readonly rate: number;
  /** Relative trading activity: 1 for SPY, the most liquid option market there is. */
  readonly liquidity: number;
  /** Strike spacing near the money and in the wings, dollars; absent to derive it from the price. */
  readonly strikeSteps?: StrikeSteps;
}

export interface StrikeSteps {
  readonly near: number;
  readonly far: number;
}

const RATE = 0.045;
/** Index ETFs list $1 strikes near the money whatever their price. */
const INDEX_STRIKES: StrikeSteps = { near: 1, far: 5 };

export const SYMBOL_PROFILES: Readonly<Record<string, SymbolProfile>> = {
  SPY: { spot: 600, atmVolatility: 0.16, termSlope: 0.12, skew: -0.9, smile: 1.2, dividendYield: 0.013, rate: RATE, liquidity: 1, strikeSteps: INDEX_STRIKES },
  QQQ: { spot: 520, atmVolatility: 0.2, termSlope: 0.1, skew: -0.8, smile: 1.1, dividendYield: 0.006, rate: RATE, liquidity: 0.8, strikeSteps: INDEX_STRIKES },
  IWM: {
    spot: 230,
    atmVolatility: 0.22,
    termSlope: 0.08,
    skew: -0.7,
    smile: 1.0,
    dividendYield: 0.012,
    rate: RATE,
    liquidity: 0.55,
    strikeSteps: INDEX_STRIKES,
  },
  AAPL: { spot: 230, atmVolatility: 0.26, termSlope: 0.04, skew: -0.45, smile: 0.8, dividendYield: 0.0045, rate: RATE, liquidity: 0.6 },
  MSFT: { spot: 430, atmVolatility: 0.24, termSlope: 0.04, skew: -0.45, smile: 0.8, dividendYield: 0.0075, rate: RATE, liquidity: 0.4 },
  NVDA: { spot: 140, atmVolatility: 0.48, termSlope: -0.03, skew: -0.3, smile: 0.6, dividendYield: 0.0003, rate: RATE, liquidity: 0.75 },
  TSLA: { spot: 330, atmVolatility: 0.55, termSlope: -0.04, skew: -0.25, smile: 0.6, dividendYield: 0, rate: RATE, liquidity: 0.65 },
  AMZN: { spot: 210, atmVolatility: 0.3, termSlope: 0.03, skew: -0.4, smile: 0.75, dividendYield: 0, rate: RATE, liquidity: 0.5 },
};

/** A plain, moderately volatile, thinly traded single stock at the given price. */
export function genericProfile(spot: number): SymbolProfile {
  return { spot, atmVolatility: 0.3, termSlope: 0.02, skew: -0.4, smile: 0.8, dividendYield: 0.01, rate: RATE, liquidity: 0.15 };
}

/**
 * The profile of `symbol` (any case), at `spot` when given. An unknown symbol gets the
 * generic profile only when a spot is given, since we have no price to assume for it.
 */
export function profileFor(symbol: string, spot?: number): SymbolProfile | undefined {
  const key = symbol.toUpperCase();
  const known = Object.hasOwn(SYMBOL_PROFILES, key) ? SYMBOL_PROFILES[key] : undefined;
  if (known) return spot === undefined ? known : { ...known, spot };
  return spot === undefined ? undefined : genericProfile(spot);
}

// The synthetic option chain: which contracts are listed, and what each is quoted at a
// given spot and instant. Listing and pricing are separate so a live feed can list once and
// reprice the same contracts on every tick; the seed fixes each contract's volume and
// open-interest noise, so the same inputs give the same chain, byte for byte.
import { Greeks, OptionChain, OptionQuote, OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { CALL, PUT, optionGreeks, optionPrice, type MarketInputs, type OptionGreeks } from "../engine/black-scholes.js";
import { contractActivity } from "./contract-activity.js";
import { ContractRandom } from "./contract-random.js";
import { listExpirations } from "./expiration-calendar.js";
import { daysToExpiry, yearsToExpiry } from "../engine/new-york-time.js";
import { quoteAround } from "./quote-width.js";
import { listStrikes, strikeStepsForPrice } from "./strike-grid.js";
import { profileFor, type SymbolProfile } from "./symbol-profiles.js";
import { atmVolatility, forwardPrice, smileVolatility } from "./volatility-smile.js";

export const SIMULATED_SOURCE = "simulated";
const MULTIPLIER = 100;
/**
 * Strikes are listed out to a number of standard deviations at their own volatility, so the
 * rich put wing reaches further down than the call wing up; capping that volatility at this
 * multiple of ATM keeps the far wings of very short or very volatile expiries within reason.
 */
const LISTING_VOLATILITY_CAP = 1.5;

export type ListedRight = OptionRight.OPTION_RIGHT_CALL | OptionRight.OPTION_RIGHT_PUT;

/** One listed contract, identified as an exchange would: expiry, strike and right. */
export interface ListedContract {
  readonly expiryDate: string;
  readonly strike: number;
  readonly right: ListedRight;
}

export interface ListingInput {
  readonly profile: SymbolProfile;
  readonly spot: number;
  readonly asOf: Date;
}

/** Every contract listed at `asOf` with the underlying at `spot`: by expiry, then strike, call before put. */
export function listSyntheticContracts({ profile, spot, asOf }: ListingInput): ListedContract[] {
  assertPositive("spot", spot);
  assertInstant(asOf);
  const steps = profile.strikeSteps ?? strikeStepsForPrice(spot);
  const contracts: ListedContract[] = [];
  for (const expiryDate of listExpirations(asOf)) {
    const years = yearsToExpiry(asOf, expiryDate);
    const forward = forwardPrice(profile, spot, years);
    const atm = atmVolatility(profile, years);
    const deviationsAt = (strike: number): number => {
      const logMoneyness = Math.log(strike / forward);
      const volatility = Math.min(smileVolatility(profile, logMoneyness, years), LISTING_VOLATILITY_CAP * atm);
      return Math.abs(logMoneyness) / (volatility * Math.sqrt(years));
    };
    for (const strike of listStrikes({ spot, steps, deviationsAt })) {
      contracts.push({ expiryDate, strike, right: OptionRight.OPTION_RIGHT_CALL });
      contracts.push({ expiryDate, strike, right: OptionRight.OPTION_RIGHT_PUT });
    }
  }
  return contracts;
}

export interface PricingInput extends ListingInput {
  /** Upper-case ticker; part of each contract's random identity. */
  readonly symbol: string;
  readonly seed: number;
  readonly contracts: readonly ListedContract[];
}

/**
 * The chain quoting `contracts` at `spot` and `asOf`. Contracts that have expired by `asOf`
 * are left out. Each quote carries the model's implied volatility and greeks, as a broker
 * feed does, and is timestamped `asOf`.
 */
export function priceSyntheticChain({ symbol, profile, spot, asOf, seed, contracts }: PricingInput): OptionChain {
  assertPositive("spot", spot);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  assertInstant(asOf);
  // One copy of the instant for the chain and its quotes, safe from the caller's later changes.
  const quoteTime = new Date(asOf.getTime());
  const greeks: OptionGreeks = { delta: 0, gamma: 0, theta: 0, vega: 0 };
  const quotes: OptionQuote[] = [];
  let expiry: ExpiryTerms | undefined;
  for (const contract of contracts) {
    if (expiry?.date !== contract.expiryDate) expiry = expiryTerms(profile, spot, asOf, contract.expiryDate);
    if (!(expiry.market.years > 0)) continue;
    const sign = contract.right === OptionRight.OPTION_RIGHT_CALL ? CALL : PUT;
    const logMoneyness = Math.log(contract.strike / expiry.forward);
    const volatility = smileVolatility(profile, logMoneyness, expiry.market.years);
    const price = optionPrice(sign, contract.strike, volatility, expiry.market);
    optionGreeks(sign, contract.strike, volatility, expiry.market, greeks);
    const deviations = Math.abs(logMoneyness) / expiry.deviation;
    const { bid, ask } = quoteAround({ price, deviations, years: expiry.market.years, liquidity: profile.liquidity });
    const random = new ContractRandom(seed, `${symbol}|${contract.expiryDate}|${contract.strike}|${sign === CALL ? "C" : "P"}`);
    const activity = contractActivity(
      { strike: contract.strike, deviations, daysToExpiry: expiry.daysToExpiry, liquidity: profile.liquidity, bid, ask },
      random,
    );
    quotes.push(
      OptionQuote.fromPartial({
        expiryDate: contract.expiryDate,
        strike: contract.strike,
        right: contract.right,
        bid,
        ask,
        last: activity.last,
        volume: activity.volume,
        openInterest: activity.openInterest,
        impliedVolatility: volatility,
        greeks: Greeks.fromPartial(greeks),
        quoteTime,
        brokerContractId: 0n,
      }),
    );
  }
  return OptionChain.fromPartial({
    symbol,
    underlyingPrice: spot,
    asOf: quoteTime,
    rate: profile.rate,
    dividendYield: profile.dividendYield,
    multiplier: MULTIPLIER,
    delayed: false,
    quotes,
    source: SIMULATED_SOURCE,
  });
}

/** What every contract of one expiry shares. */
interface ExpiryTerms {
  readonly date: string;
  readonly market: MarketInputs;
  readonly forward: number;
  /** ATM standard deviation of ln(S_T): the yardstick of "far from the money". */
  readonly deviation: number;
  readonly daysToExpiry: number;
}

function expiryTerms(profile: SymbolProfile, spot: number, asOf: Date, date: string): ExpiryTerms {
  const years = yearsToExpiry(asOf, date);
  return {
    date,
    market: { spot, rate: profile.rate, dividendYield: profile.dividendYield, years },
    forward: forwardPrice(profile, spot, years),
    deviation: atmVolatility(profile, years) * Math.sqrt(Math.max(years, 0)),
    daysToExpiry: daysToExpiry(asOf, date),
  };
}

export interface SyntheticChainInput {
  /** Ticker, any case. */
  readonly symbol: string;
  /** Underlying price; defaults to the profile's. Required for a symbol without a profile. */
  readonly spot?: number;
  /** Any safe integer; the same seed and inputs give the same chain. */
  readonly seed: number;
  readonly asOf: Date;
  /** Overrides the symbol's own profile. */
  readonly profile?: SymbolProfile;
}

/** A complete synthetic chain: the contracts listed at `spot`, priced there at `asOf`. */
export function generateSyntheticChain({ symbol, spot, seed, asOf, profile }: SyntheticChainInput): OptionChain {
  const ticker = symbol.toUpperCase();
  const resolved = profile ?? profileFor(ticker, spot);
  if (!resolved) throw new RangeError(`no market profile for ${ticker}: give its spot price`);
  const price = spot ?? resolved.spot;
  const contracts = listSyntheticContracts({ profile: resolved, spot: price, asOf });
  return priceSyntheticChain({ symbol: ticker, profile: resolved, spot: price, asOf, seed, contracts });
}

function assertPositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
}

function assertInstant(asOf: Date): void {
  if (Number.isNaN(asOf.getTime())) throw new RangeError("asOf is not a valid instant");
}

// Volume, open interest and last trade of one contract. Activity concentrates at the money
// and in the front expiries; open interest spreads wider than volume (positions outlive the
// day they were opened) and collects on round strikes. Seeded log-normal noise makes
// neighbouring strikes differ as they do in a real chain.
import type { ContractRandom } from "./contract-random.js";

/** Open interest and session volume of an ATM front-month contract in SPY. */
const PEAK_OPEN_INTEREST = 60_000;
const PEAK_VOLUME = 40_000;
/** How far from the money, in standard deviations of ln(S_T), activity reaches. */
const OPEN_INTEREST_REACH = 1.5;
const VOLUME_REACH = 1;
/** Strikes at multiples of this many dollars are where traders cluster. */
const ROUND_STRIKE = 5;
const ROUND_STRIKE_BONUS = 1.5;
/** Dispersion of the log-normal noise. */
const NOISE_SIGMA = 0.6;

export interface ActivityInput {
  readonly strike: number;
  /** Distance from the money in standard deviations of ln(S_T), unsigned. */
  readonly deviations: number;
  /** Calendar days to expiry. */
  readonly daysToExpiry: number;
  readonly liquidity: number;
  readonly bid: number;
  readonly ask: number;
}

export interface Activity {
  readonly volume: bigint;
  readonly openInterest: bigint;
  /** Last trade, dollars per share; 0 when nothing traded this session. */
  readonly last: number;
}

/** Mean-one log-normal noise. */
function noise(random: ContractRandom): number {
  return Math.exp(NOISE_SIGMA * random.normal() - (NOISE_SIGMA * NOISE_SIGMA) / 2);
}

export function contractActivity(input: ActivityInput, random: ContractRandom): Activity {
  const { strike, deviations, daysToExpiry, liquidity, bid, ask } = input;
  const roundness = strike % ROUND_STRIKE === 0 ? ROUND_STRIKE_BONUS : 1;
  const openInterestMean =
    (PEAK_OPEN_INTEREST * liquidity * roundness * Math.exp(-0.5 * (deviations / OPEN_INTEREST_REACH) ** 2)) / Math.sqrt(1 + daysToExpiry / 30);
  const volumeMean = (PEAK_VOLUME * liquidity * roundness * Math.exp(-0.5 * (deviations / VOLUME_REACH) ** 2)) / (1 + daysToExpiry / 10);
  const openInterest = Math.floor(openInterestMean * noise(random));
  const volume = Math.floor(volumeMean * noise(random));
  // The last trade happened somewhere inside today's market, on a whole tick.
  const last = volume > 0 ? Math.max(1, Math.round((bid + (ask - bid) * random.uniform()) * 100)) / 100 : 0;
  return { volume: BigInt(volume), openInterest: BigInt(openInterest), last };
}

// The simulated underlying's price path: geometric Brownian motion in whole steps. The step
// itself is a pure function so its statistics can be checked apart from any random source.
import { MS_PER_YEAR } from "../../engine/new-york-time.js";

export interface SpotStep {
  /** Annualised volatility σ of the log price. */
  readonly volatility: number;
  /** Annualised drift μ of the price (r − q under the risk-neutral measure, or 0). */
  readonly drift: number;
  /** Length of the step, years of 365 days. */
  readonly years: number;
  /** A standard normal draw. */
  readonly normal: number;
}

/**
 * The spot one step of `years` after `spot`: S·exp((μ − σ²/2)·t + σ·√t·Z), the exact GBM
 * transition, so a step of any length has the right distribution and k steps of t equal one
 * step of k·t in law.
 */
export function nextSpot(spot: number, { volatility, drift, years, normal }: SpotStep): number {
  if (!(spot > 0) || !Number.isFinite(spot)) throw new RangeError(`spot must be a positive number, got ${spot}`);
  if (!(volatility >= 0) || !Number.isFinite(volatility)) throw new RangeError(`volatility must be a non-negative number, got ${volatility}`);
  if (!Number.isFinite(drift)) throw new RangeError(`drift must be a finite number, got ${drift}`);
  if (!(years >= 0) || !Number.isFinite(years)) throw new RangeError(`years must be a non-negative number, got ${years}`);
  if (!Number.isFinite(normal)) throw new RangeError(`normal must be a finite number, got ${normal}`);
  return spot * Math.exp((drift - (volatility * volatility) / 2) * years + volatility * Math.sqrt(years) * normal);
}

/** Where the path's randomness comes from; seeded in production, anything in tests. */
export interface NormalSource {
  normal(): number;
}

export interface PricePathOptions {
  readonly spot: number;
  /** The instant of `spot`, epoch milliseconds. */
  readonly time: number;
  readonly volatility: number;
  readonly drift: number;
  /** Simulated time per step, milliseconds. */
  readonly stepMs: number;
  readonly random: NormalSource;
}

/** One underlying's path: its spot and the instant it holds at, moved forward only in whole steps. */
export class PricePath {
  private currentSpot: number;
  private currentTime: number;
  private readonly volatility: number;
  private readonly drift: number;
  private readonly stepMs: number;
  private readonly random: NormalSource;

  constructor({ spot, time, volatility, drift, stepMs, random }: PricePathOptions) {
    if (!(stepMs > 0) || !Number.isFinite(stepMs)) throw new RangeError(`stepMs must be a positive number, got ${stepMs}`);
    if (!Number.isFinite(time)) throw new RangeError(`time must be a finite instant, got ${time}`);
    // Validates the parameters once, here, rather than on the first step.
    nextSpot(spot, { volatility, drift, years: 0, normal: 0 });
    this.currentSpot = spot;
    this.currentTime = time;
    this.volatility = volatility;
    this.drift = drift;
    this.stepMs = stepMs;
    this.random = random;
  }

  get spot(): number {
    return this.currentSpot;
  }

  /** Epoch milliseconds. */
  get time(): number {
    return this.currentTime;
  }

  /**
   * Moves `steps` whole steps forward with a single draw: exact for GBM, and it keeps catching
   * up after a long idle spell as cheap as one step.
   */
  advance(steps = 1): void {
    if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
    const elapsedMs = steps * this.stepMs;
    this.currentSpot = nextSpot(this.currentSpot, {
      volatility: this.volatility,
      drift: this.drift,
      years: elapsedMs / MS_PER_YEAR,
      normal: this.random.normal(),
    });
    this.currentTime += elapsedMs;
  }

  /** Whole steps between the path's instant and `time` (0 when `time` is not a full step ahead). */
  stepsUntil(time: number): number {
    return Math.max(0, Math.floor((time - this.currentTime) / this.stepMs));
  }
}

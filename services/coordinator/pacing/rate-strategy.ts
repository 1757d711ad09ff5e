// What every pacing strategy answers, so the pacer's queue and timer work the same whichever
// one is configured. Strategies hold no timers: they are asked "how long until" and the pacer
// keeps the one timer.

export { GRANT_SLACK_MS } from "../../common/rate/token-bucket.js";

/** How a granted request went, as far as a strategy cares. */
export interface StrategyOutcome {
  readonly durationMs: number;
  readonly success: boolean;
}

export interface RateStrategy {
  /** Grants per second the strategy allows now (moves only under the adaptive strategy). */
  readonly rate: number;
  /**
   * Milliseconds from now until `count` more grants could all have been made, if nothing else
   * takes in between; 0 when they can all be granted now. `delayFor(1)` paces the head of the
   * queue; larger counts tell a newcomer how long its place in the queue will take.
   */
  delayFor(count: number): number;
  /** Records one grant. Only called when `delayFor(1)` is 0. */
  take(): void;
  /** Lets a strategy steer by the responses to what it granted. */
  onResult?(outcome: StrategyOutcome): void;
}

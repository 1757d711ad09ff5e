// A clock that moves only when a test moves it, for code that paces itself by a WatchClock:
// a sleep settles when the test has advanced the time past its end, and every sleep asked
// for is reported, so that a test can wait for the code to start waiting.
import type { WatchClock } from "../../services/scanner/spread-scanner.js";

export class ManualClock implements WatchClock {
  private nowMs: number;
  private sleepers: { readonly until: number; readonly wake: () => void }[] = [];

  /** `onSleep` hears of every sleep as it is asked for, with its length. */
  constructor(
    startMs: number,
    private readonly onSleep: (ms: number) => void = () => undefined,
  ) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ until: this.nowMs + ms, wake: resolve });
      this.onSleep(ms);
    });
  }

  /** Moves the time on, waking the sleeps that end by then. */
  advance(ms: number): void {
    this.nowMs += ms;
    const due = this.sleepers.filter((sleeper) => sleeper.until <= this.nowMs);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.until > this.nowMs);
    for (const sleeper of due) sleeper.wake();
  }
}

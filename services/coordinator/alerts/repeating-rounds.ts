// A round of work run again and again, one at a time, a pause between the end of one and the
// start of the next: the alert checker's and the webhook deliverer's. A round that fails is
// logged and the next one tries again; closing stops the rounds and waits for the one under way.
import type { Logger } from "../../common/logger.js";

export class RepeatingRounds {
  /** Aborted by close(): a round reads it to stop early. */
  readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly pauseMs: number,
    private readonly logger: Logger,
    /** The warning logged when a round fails. */
    private readonly failure: string,
  ) {}

  /** Runs the first round at once, then each next one a pause after the last ended. */
  start(): void {
    const loop = (): void => {
      this.running = this.round()
        .catch((error: unknown) => this.logger.warn({ err: error }, this.failure))
        .finally(() => {
          if (!this.stopping.signal.aborted) this.timer = setTimeout(loop, this.pauseMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
  }
}

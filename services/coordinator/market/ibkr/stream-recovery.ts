// Streams TWS stopped, and bringing them back. While another session of the same username
// takes the account's market data (error 10197, "No market data during competing live
// session"), TWS answers each stream with 10197 and then sends nothing, and it sends nothing
// either when the other session ends: a stopped stream stays silent until it is cancelled and
// requested again. Requesting every line again on a timer would cost two messages a line per
// attempt while the other session lasts, so one stopped line probes instead: it is requested
// again after a backoff (doubling while TWS keeps refusing it), and once data flows on it every
// other stopped line is requested again.
import { BackoffSequence } from "../../../common/backoff.js";

export interface StreamRecoveryOptions<Line> {
  /** The first wait before a probe, ms; doubles per refused probe up to maxDelayMs. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Which stopped line probes (e.g. the underlying's: one line that ticks often). */
  readonly pickProbe: (stopped: readonly Line[]) => Line;
  /** Sends a fresh streaming request for the line (its old one is already cancelled). */
  readonly request: (line: Line) => void;
  /** Data flows again: the episode is over. */
  readonly onRecovered?: () => void;
}

export class StreamRecovery<Line> {
  private readonly options: StreamRecoveryOptions<Line>;
  private readonly backoff: BackoffSequence;
  private readonly stoppedLines = new Set<Line>();
  private probe: Line | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probes = 0;

  constructor(options: StreamRecoveryOptions<Line>) {
    this.options = options;
    this.backoff = new BackoffSequence({ initialDelayMs: options.initialDelayMs, maxDelayMs: options.maxDelayMs, jitter: "none" });
  }

  /** Whether some line is stopped, or a probe is out: the feed is not getting data. */
  get active(): boolean {
    return this.stoppedLines.size > 0 || this.probe !== undefined;
  }

  /** Lines waiting to be requested again (the probe not included). */
  get stopped(): number {
    return this.stoppedLines.size;
  }

  /** Probes sent since the feed began. */
  get probesSent(): number {
    return this.probes;
  }

  /**
   * TWS stopped `line` (its request already cancelled by the caller). True when this begins an
   * episode, so the caller tells its listeners once rather than once per line.
   */
  stop(line: Line): boolean {
    const began = !this.active;
    if (this.probe === line) this.probe = undefined;
    this.stoppedLines.add(line);
    this.schedule();
    return began;
  }

  /** Data came on `line`. When it is the probe's, every stopped line is requested again. */
  flowing(line: Line): void {
    if (this.probe !== line) return;
    this.probe = undefined;
    this.backoff.reset();
    const lines = [...this.stoppedLines];
    this.stoppedLines.clear();
    for (const stopped of lines) this.options.request(stopped);
    this.options.onRecovered?.();
  }

  /** The line is gone for good. */
  forget(line: Line): void {
    this.stoppedLines.delete(line);
    if (this.probe === line) {
      this.probe = undefined;
      this.schedule();
    }
  }

  /** Every line is being requested again anyway (a new session): the episode is over. */
  reset(): void {
    this.clearTimer();
    this.stoppedLines.clear();
    this.probe = undefined;
    this.backoff.reset();
  }

  close(): void {
    this.reset();
  }

  /** One probe at a time, and one timer for it. */
  private schedule(): void {
    if (this.timer !== undefined || this.probe !== undefined || this.stoppedLines.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.probe !== undefined || this.stoppedLines.size === 0) return;
      const probe = this.options.pickProbe([...this.stoppedLines]);
      this.stoppedLines.delete(probe);
      this.probe = probe;
      this.probes++;
      this.options.request(probe);
    }, this.backoff.next());
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

// Log lines written in batches instead of one write each: a write per line costs more than the
// line itself (a system call, or a trip through libuv's thread pool for an asynchronous one).
// A line waits at most `maxDelayMs` before it is written, a batch is written as soon as it
// reaches `batchBytes`, and whatever waits is written synchronously when the process exits,
// also when it exits on an uncaught error (Node emits "exit" then too).
//
// What this gives up: a process killed outright (SIGKILL, Node itself crashing) loses the lines
// of its last `maxDelayMs`; and a destination that stops reading (a full pipe) holds the process
// up while a batch is written, as any synchronous logger would, rather than filling memory.
import { pino } from "pino";

/** The timer functions a batch waits on; the global ones unless a test injects its own clock. */
export interface BatchTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BatchedLinesOptions {
  /** The file descriptor lines are written to. */
  readonly fd: number;
  /** Longest a line waits before it is written, milliseconds. */
  readonly maxDelayMs?: number;
  /** A batch this long (in characters) is written at once. */
  readonly batchBytes?: number;
  readonly timers?: BatchTimers;
}

export const DEFAULT_MAX_DELAY_MS = 100;
const DEFAULT_BATCH_BYTES = 16 * 1024;

const globalTimers: BatchTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Every batch not yet closed, written out on exit. */
const open = new Set<BatchedLines>();
let flushesOnExit = false;

/** A pino destination that writes its lines in batches (see the top of this file). */
export class BatchedLines {
  private pending = "";
  private timer: unknown;
  private readonly maxDelayMs: number;
  private readonly batchBytes: number;
  private readonly timers: BatchTimers;
  /** Writes synchronously, retrying a busy pipe and going quiet on a closed one (pino's own). */
  private readonly out: ReturnType<typeof pino.destination>;

  constructor({ fd, maxDelayMs = DEFAULT_MAX_DELAY_MS, batchBytes = DEFAULT_BATCH_BYTES, timers = globalTimers }: BatchedLinesOptions) {
    this.maxDelayMs = maxDelayMs;
    this.batchBytes = batchBytes;
    this.timers = timers;
    this.out = pino.destination({ fd, sync: true });
    open.add(this);
    if (!flushesOnExit) {
      flushesOnExit = true;
      process.on("exit", () => {
        for (const batch of open) batch.flush();
      });
    }
  }

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= this.batchBytes) this.flush();
    else if (this.timer === undefined) {
      const timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.maxDelayMs);
      // A waiting batch must not keep the process alive: exit writes it.
      (timer as { unref?: () => void } | undefined)?.unref?.();
      this.timer = timer;
    }
  }

  /** Writes whatever waits, now; `done` (as pino's `logger.flush` passes it) once written. */
  flush(done?: (error?: Error) => void): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending !== "") {
      const batch = this.pending;
      this.pending = "";
      this.out.write(batch);
    }
    done?.();
  }

  /** Writes whatever waits and stops flushing on exit; the descriptor stays open. */
  close(): void {
    this.flush();
    open.delete(this);
  }
}

// Events per second over the last few seconds (GetMetrics' `backpressure.current_qps`), counted in per-second
// buckets so the memory stays fixed however fast requests come.

const BUCKET_MS = 1000;
/** Ten one-second buckets: steady enough for a dashboard, recent enough to show a change. */
const BUCKETS = 10;

export class RecentRate {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  /** Start time of the bucket each slot currently counts for. */
  private readonly starts = new Array<number>(BUCKETS).fill(Number.NEGATIVE_INFINITY);
  private readonly since: number;

  constructor(private readonly now: () => number) {
    this.since = now();
  }

  record(): void {
    const start = bucketStart(this.now());
    const slot = slotOf(start);
    if (this.starts[slot] !== start) {
      this.starts[slot] = start;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
  }

  perSecond(): number {
    const at = this.now();
    const oldest = bucketStart(at) - (BUCKETS - 1) * BUCKET_MS;
    let count = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      if ((this.starts[slot] ?? Number.NEGATIVE_INFINITY) >= oldest) {
        count += this.counts[slot] ?? 0;
      }
    }
    // The counted span runs from the oldest bucket's start to now, but not from before this
    // counter existed: a coordinator up for 2 s has not been idle for the other 8. One second
    // at least, so the first few requests do not read as a huge rate.
    const spanMs = Math.max(BUCKET_MS, Math.min(at - oldest, at - this.since));
    return (count * 1000) / spanMs;
  }
}

function bucketStart(at: number): number {
  return Math.floor(at / BUCKET_MS) * BUCKET_MS;
}

function slotOf(start: number): number {
  // Non-negative modulo: an injected clock may start below zero.
  return (((start / BUCKET_MS) % BUCKETS) + BUCKETS) % BUCKETS;
}

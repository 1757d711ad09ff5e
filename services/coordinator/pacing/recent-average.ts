// The mean of the last `size` values: "recent" response times, forgetting old ones in fixed
// memory however many requests pass.

export class RecentAverage {
  private readonly values: number[] = [];
  private next = 0;
  private sum = 0;

  constructor(private readonly size: number) {}

  add(value: number): void {
    if (this.values.length < this.size) {
      this.values.push(value);
      this.sum += value;
      return;
    }
    this.sum += value - (this.values[this.next] ?? 0);
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.size;
    // A running sum drifts in floating point; recompute it once per lap of the ring.
    if (this.next === 0) {
      this.sum = this.values.reduce((total, each) => total + each, 0);
    }
  }

  /** 0 before any value. */
  get value(): number {
    return this.values.length === 0 ? 0 : this.sum / this.values.length;
  }
}

// Waiters in the order they are served: higher priority first, first come first served within
// a priority. Kept sorted on insert, since grants take from the head far more often than a
// waiter arrives out of order.

export interface Waiter {
  readonly priority: number;
}

export class WaiterQueue<W extends Waiter> {
  private readonly waiters: W[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /** How many waiters would be served before a newcomer of this priority. */
  placeFor(priority: number): number {
    // Binary search for the first waiter of strictly lower priority.
    let low = 0;
    let high = this.waiters.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.waiters[middle]?.priority ?? Number.NEGATIVE_INFINITY) >= priority) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  add(waiter: W): void {
    this.waiters.splice(this.placeFor(waiter.priority), 0, waiter);
  }

  peek(): W | undefined {
    return this.waiters[0];
  }

  shift(): W | undefined {
    return this.waiters.shift();
  }

  /** Takes a waiter out wherever it is; false when it was not queued (already served). */
  remove(waiter: W): boolean {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) {
      return false;
    }
    this.waiters.splice(index, 1);
    return true;
  }

  /** Empties the queue, returning who was in it, in order. */
  drain(): W[] {
    return this.waiters.splice(0, this.waiters.length);
  }
}

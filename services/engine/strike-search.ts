// Binary searches over a side's strikes, which are sorted ascending.

/** First index in [from, count) whose value is >= target. */
export function lowerBound(values: Float64Array, count: number, target: number, from: number): number {
  let low = from;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First index in [from, count) whose value is > target. */
export function upperBound(values: Float64Array, count: number, target: number, from: number): number {
  let low = from;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}

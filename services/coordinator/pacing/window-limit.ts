// Window strategies count whole grants, while REQUESTS_PER_SECOND may be fractional (it accepts
// 0.001 and up). Rounding down keeps every 1000 ms window at or under the configured rate; below
// one per second the window stretches instead, so 0.5/s means one grant per 2000 ms.

export interface WindowLimit {
  /** Grants allowed per window. */
  readonly limit: number;
  readonly windowMs: number;
}

export function windowLimit(requestsPerSecond: number): WindowLimit {
  if (requestsPerSecond >= 1) {
    return { limit: Math.floor(requestsPerSecond), windowMs: 1000 };
  }
  return { limit: 1, windowMs: 1000 / requestsPerSecond };
}

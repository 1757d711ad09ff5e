// A time limit on a Redis reply that a stalled event loop does not trip. When the loop is
// blocked (a large chain decoded, the process not scheduled on a busy machine) for longer
// than the limit, the timer and the reply are both due when it turns again, and timers run
// before I/O is read: a plain setTimeout would fail a command whose answer is already
// waiting in the socket. So an expired limit first lets the loop read pending I/O (one
// setImmediate: the check phase runs after the poll phase) and fails the command only if
// its reply still has not come.

export class TimeLimitExceeded extends Error {
  override readonly name = "TimeLimitExceeded";
}

/** `work`, or a rejection with TimeLimitExceeded when it has not settled `limitMs` after now (and after pending I/O was read). */
export function withinTimeLimit<T>(work: Promise<T>, limitMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new TimeLimitExceeded(`no reply within ${limitMs} ms`));
      });
    }, limitMs);
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

// Whether TWS's market data farms can serve requests now. TWS reports each farm on the session
// without a request id: 2119 "Market data farm is connecting:usfarm" when it opens before the
// farm is up, 2103 "... connection is broken:usfarm" when it drops, 2104 "... connection is
// OK:usfarm" (or 2108 "... inactive but should be available upon demand") when it can serve.
// A market data request sent while a farm connects is not refused: TWS answers it once the
// farm is up. Its clock, though, would run out on that silence (a quote request's wait, a fetch's
// whole budget), so new requests wait for the farms instead, and their clocks start then. A farm
// that breaks mid-session silences requests already out the same way: their waits pause until
// it is back (watch()), and start again then.
import { unavailable, type RpcError } from "../../../common/errors.js";
import { RETRY_DELAY_MS } from "./ib-errors.js";

export type FarmNotice = "farm-connecting" | "farm-broken" | "farm-ok";

export class MarketDataFarms {
  /** Farms TWS said are connecting or broken, by name, with the code it said it with. */
  private readonly down = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly watchers = new Set<(ready: boolean) => void>();

  /** Whether every farm TWS told us about can serve (true until TWS says otherwise). */
  get ready(): boolean {
    return this.down.size === 0;
  }

  /** The farms not serving now, e.g. "usfarm (2119)". */
  describe(): string {
    return [...this.down].map(([farm, code]) => `${farm || "unnamed farm"} (${code})`).join(", ");
  }

  /**
   * A farm notice: `message` is TWS's text, the farm's name after its last colon. Only the farms
   * that serve US stocks and options count (see servesUsEquities): a forex or overseas farm left
   * broken must not hold every fetch.
   */
  notice(kind: FarmNotice, code: number, message: string): void {
    const farm = farmName(message);
    if (!servesUsEquities(farm)) return;
    const wasReady = this.ready;
    if (kind === "farm-ok") {
      this.down.delete(farm);
      if (this.ready) this.wake();
    } else {
      this.down.set(farm, code);
    }
    if (this.ready !== wasReady) this.tellWatchers();
  }

  /** A new session (or none): TWS reports its farms again, so what it said before no longer holds. */
  reset(): void {
    const wasReady = this.ready;
    this.down.clear();
    this.wake();
    if (!wasReady) this.tellWatchers();
  }

  /** Calls `listener` on every change between serving and not (`ready`); returns what stops it. */
  watch(listener: (ready: boolean) => void): () => void {
    this.watchers.add(listener);
    return () => {
      this.watchers.delete(listener);
    };
  }

  /** Resolves true once every farm is ready, false when `timeoutMs` passes or the signal aborts first. */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ready: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(onReady);
        signal?.removeEventListener("abort", onAbort);
        resolve(ready);
      };
      const onReady = (): void => finish(true);
      const onAbort = (): void => finish(false);
      const timer = setTimeout(onAbort, timeoutMs);
      timer.unref();
      this.waiters.add(onReady);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The UNAVAILABLE a request fails with after waiting `waitedMs` for the farms in vain. */
  notReady(waitedMs: number): RpcError {
    return unavailable(
      `TWS's market data farm is not serving after ${Math.round(waitedMs / 1000)} s: ${this.describe()}; requests were held until it reports OK (2104)`,
      RETRY_DELAY_MS,
    );
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private tellWatchers(): void {
    for (const watcher of [...this.watchers]) watcher(this.ready);
  }
}

/** "Market data farm is connecting:usfarm.nj" → "usfarm.nj"; "" when the text names none. */
export function farmName(message: string): string {
  const colon = message.lastIndexOf(":");
  return colon < 0 ? "" : message.slice(colon + 1).trim();
}

/**
 * Whether a farm serves what spreadscan asks for: US stocks, ETFs and options. TWS names those
 * farms usfarm and usopt, with a data centre suffix (usfarm.nj, usopt.nj); cashfarm (forex),
 * eufarm, jfarm, hfarm and the like serve other markets, and an account can keep one of them
 * broken for a whole session. A notice that names no farm counts, to be safe.
 */
export function servesUsEquities(farm: string): boolean {
  return farm === "" || /^us(farm|opt)\b/i.test(farm);
}

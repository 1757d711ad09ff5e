// The spans of a chain fetch: the wait for the pacer's grant, with the place the fetch took in
// its queue, and the fetch from the market data provider (IBKR's requests are counted on it
// and its error codes added as events, see market/ibkr/request-spans.ts). Only while tracing is on.
import { inSpan, tracingIsOn } from "../common/tracing/tracer.js";

/** `acquire` inside a `pacing.wait` span; the grant's queue position and wait become its attributes. */
export function pacedFetch<Grant extends { queueTimeMs: number; queuePosition?: number }>(acquire: () => Promise<Grant>): Promise<Grant> {
  if (!tracingIsOn()) return acquire();
  return inSpan("pacing.wait", async (span) => {
    const grant = await acquire();
    span?.setAttributes({ "pacing.queue_position": grant.queuePosition ?? 0, "pacing.queue_time_ms": grant.queueTimeMs });
    return grant;
  });
}

/** `fetch` inside a `market.fetch` span naming the provider (simulated or ibkr) and the symbol. */
export function marketFetch<T>(source: string, symbol: string, fetch: () => Promise<T>): Promise<T> {
  if (!tracingIsOn()) return fetch();
  return inSpan("market.fetch", fetch, { attributes: () => ({ "market.source": source, "market.symbol": symbol }) });
}

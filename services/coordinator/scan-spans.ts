// The spans of how the coordinator answers a scan: a lookup in each cache tier with its
// outcome, and the wait of a caller whose scan another is already computing. Made only while
// tracing is on (tracer.ts); each is a child of the span active where it starts.
import type { Span } from "@opentelemetry/api";
import { inSpan, recordFailure, tracer, tracingIsOn } from "../common/tracing/tracer.js";

export type CacheTier = "local" | "shared";

export interface CacheLookupSpan {
  /** Ends the span with the outcome `found` says (a value: hit, undefined: miss), and returns it. */
  end<T>(found: T | undefined): T | undefined;
  fail(error: unknown): never;
}

/** A `cache.lookup` span of `tier`, or undefined while tracing is off. */
export function cacheLookupSpan(tier: CacheTier): CacheLookupSpan | undefined {
  if (!tracingIsOn()) return undefined;
  const span: Span = tracer.startSpan("cache.lookup", { attributes: { "cache.tier": tier } });
  return {
    end(found) {
      span.setAttribute("cache.outcome", found === undefined ? "miss" : "hit");
      span.end();
      return found;
    },
    fail(error) {
      recordFailure(span, error);
      span.end();
      throw error;
    },
  };
}

/**
 * Runs `wait` as a `singleflight.wait` span: a caller waiting for a computation another caller
 * started, on this coordinator (`local`) or on another of the fleet (`fleet`).
 */
export function singleFlightWait<T>(scope: "local" | "fleet", wait: () => Promise<T>): Promise<T> {
  if (!tracingIsOn()) return wait();
  return inSpan("singleflight.wait", wait, { attributes: () => ({ "singleflight.scope": scope }) });
}

// Limits on what one client may ask of a service: calls per second (a token bucket per
// client, and one for everyone) and server streams open at once. A client is who the call
// observer identifies: its API key's client when keys are on, else the host it connects from;
// no header a caller writes moves a call to another client's allowance. Past a limit:
// RESOURCE_EXHAUSTED with RetryInfo. Runs after the API key check, so a refused key spends
// nothing.
import { LRUCache } from "lru-cache";
import type { AdmissionCheck } from "./call-admission.js";
import { callerName } from "./call-identity.js";
import { resourceExhausted, type RpcError } from "./errors.js";
import { TokenBucket } from "./rate/token-bucket.js";

export interface CallLimits {
  /** Calls per second each client may make; 0: no limit. */
  readonly perClientRate: number;
  /** Calls a client may make at once after an idle spell. */
  readonly perClientBurst: number;
  /** Calls per second all clients together may make; 0: no limit. */
  readonly globalRate: number;
  readonly globalBurst: number;
  /** Server streams (watches) each client may hold open; 0: no limit. */
  readonly maxStreamsPerClient: number;
}

export interface LimitCheckOptions extends CallLimits {
  /** Services exempt from the limits (health, reflection). */
  readonly exemptServices: ReadonlySet<string>;
  readonly now?: () => number;
}

/** Clients remembered at once: an address-keyed limiter must not grow with every peer ever seen. */
const MAX_CLIENTS = 10_000;

export function limitsAreOff(limits: CallLimits): boolean {
  return limits.perClientRate === 0 && limits.globalRate === 0 && limits.maxStreamsPerClient === 0;
}

/** The call limits, run by the call observer after the API key check. */
export function createLimitCheck(options: LimitCheckOptions): AdmissionCheck {
  const now = options.now ?? (() => performance.now());
  const buckets = new LRUCache<string, TokenBucket>({ max: MAX_CLIENTS });
  const global = options.globalRate > 0 ? new TokenBucket(options.globalRate, Math.max(1, options.globalBurst), now) : undefined;
  const openStreams = new Map<string, number>();

  /** Takes a token from `bucket`, or the error to answer with, its retry delay the wait for the next one. */
  const take = (bucket: TokenBucket, who: string): RpcError | undefined => {
    const delay = bucket.tryTake();
    return delay > 0 ? resourceExhausted(`${who} past its limit of ${bucket.rate} calls a second; retry shortly`, Math.ceil(delay)) : undefined;
  };

  return (call, identity) => {
    if (options.exemptServices.has(call.service)) return undefined;
    const client = callerName(identity.caller);
    if (options.perClientRate > 0) {
      let bucket = buckets.get(client);
      if (!bucket) {
        bucket = new TokenBucket(options.perClientRate, Math.max(1, options.perClientBurst), now);
        buckets.set(client, bucket);
      }
      const refusal = take(bucket, client);
      if (refusal) return { refusal };
    }
    if (global) {
      const refusal = take(global, "this service is");
      if (refusal) return { refusal };
    }
    if (!call.responseStream || options.maxStreamsPerClient === 0) return undefined;
    const open = openStreams.get(client) ?? 0;
    if (open >= options.maxStreamsPerClient) {
      return { refusal: resourceExhausted(`${client} already holds ${open} streams, the most allowed; close one first`, 1000) };
    }
    openStreams.set(client, open + 1);
    return {
      release: () => {
        const left = (openStreams.get(client) ?? 1) - 1;
        if (left <= 0) openStreams.delete(client);
        else openStreams.set(client, left);
      },
    };
  };
}

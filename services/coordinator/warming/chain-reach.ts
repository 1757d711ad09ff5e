// What of a chain a scan result can depend on, as a digest per query: two chains with the same
// digest for a query give the same scan result for it (timings aside). A chain update whose new
// chain has the cached result's digest therefore cannot change that result, and the result is
// kept; any other update drops it (docs/scaling.md, "Predictive invalidation", states the rule
// and why each part is in it). The digest is conservative: it leaves out only what provably
// cannot reach the result, the volume and open interest of quotes outside the query's DTE window.
import { createHash } from "node:crypto";
import { OptionChain, type OptionQuote } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { namesTwoExpiryStrategy, resolveQuery } from "../../engine/index.js";
import { epochDay, newYorkDate } from "../../engine/new-york-time.js";

const EMPTY_CHAIN = OptionChain.fromPartial({});

interface ExpiryDigests {
  /** Every field of every quote of the expiration, in chain order. */
  readonly whole: string;
  /** The same without volume and open interest. */
  readonly withoutActivity: string;
}

// The quotes' digests by the array that holds them. A live symbol's chain reaches the coordinator
// as several objects around one quotes array (the feed's tick, each fetch of the same step with
// its events attached), and every result computed on it is stored with its digest: without this,
// each of them hashed the whole chain again (21 ms on SPY), so a tick that dropped twenty asked-for
// results cost some 0.4 s of the event loop (21 ms each) in their refreshes alone. Keyed by identity, which holds
// because no provider changes a chain's quotes once it has handed the chain out (each builds a
// new array per chain: chain-assembly.ts, the simulated market's pricing, protobuf decoding).
const quoteDigestsByArray = new WeakMap<readonly OptionQuote[], ReadonlyMap<string, ExpiryDigests>>();
let quoteDigestsComputed = 0;

/** How many quote arrays this process has hashed: what the identity cache above saves is the rest. */
export function quoteDigestsComputedSoFar(): number {
  return quoteDigestsComputed;
}

/** A chain's digests, computed once, from which each query's reach digest is put together. */
export class ChainReach {
  private readonly chainFields: string;
  private readonly expiries: ReadonlyMap<string, ExpiryDigests>;
  private readonly asOfDay: number;

  constructor(chain: OptionChain) {
    // Everything but the quotes: the clock, the underlying, rates, IV history, events, flags.
    this.chainFields = digest([OptionChain.encode({ ...chain, quotes: [] }).finish()]);
    this.asOfDay = chain.asOf ? epochDay(newYorkDate(chain.asOf)) : Number.NaN;
    let expiries = quoteDigestsByArray.get(chain.quotes);
    if (!expiries) {
      expiries = digestQuotes(chain.quotes);
      quoteDigestsByArray.set(chain.quotes, expiries);
    }
    this.expiries = expiries;
  }

  /**
   * The digest of what a scan of `query` reads of the chain; undefined for a query the engine
   * refuses (nothing is cached for it anyway).
   */
  of(query: ScanQuery | undefined): string | undefined {
    let window: ((expiry: string) => boolean) | undefined;
    try {
      const resolved = resolveQuery(query);
      // A calendar's back leg may lie anywhere after its front: every expiration is within reach.
      if (!namesTwoExpiryStrategy(resolved.strategies)) {
        window = (expiry) => {
          const dte = epochDay(expiry) - this.asOfDay;
          // A date that does not parse (a row the engine skips) is kept whole: its skip reason may read anything.
          return !Number.isFinite(dte) || (dte >= resolved.minDte && dte <= resolved.maxDte);
        };
      }
    } catch {
      return undefined;
    }
    const parts: string[] = [this.chainFields];
    for (const [expiry, digests] of this.expiries) {
      const inWindow = window === undefined || window(expiry);
      parts.push(expiry, inWindow ? `w${digests.whole}` : `a${digests.withoutActivity}`);
    }
    return digest(parts.map((part) => Buffer.from(part)));
  }
}

/** Each expiration's digests, whole and without activity, in chain order. */
function digestQuotes(chainQuotes: readonly OptionQuote[]): ReadonlyMap<string, ExpiryDigests> {
  quoteDigestsComputed++;
  const byExpiry = new Map<string, OptionQuote[]>();
  for (const quote of chainQuotes) {
    const group = byExpiry.get(quote.expiryDate);
    if (group) group.push(quote);
    else byExpiry.set(quote.expiryDate, [quote]);
  }
  // One encoding per expiration (a chain holding only its quotes, in chain order) rather than one per quote: a writer per
  // quote made the digest of a 17,442-quote SPY chain cost 88 ms, this 21 ms (fastest of 15, on this machine).
  const expiries = new Map<string, ExpiryDigests>();
  for (const [expiry, quotes] of byExpiry) {
    const withoutActivity = quotes.map((quote) => ({ ...quote, volume: 0n, openInterest: 0n }));
    expiries.set(expiry, {
      whole: digest([OptionChain.encode({ ...EMPTY_CHAIN, quotes }).finish()]),
      withoutActivity: digest([OptionChain.encode({ ...EMPTY_CHAIN, quotes: withoutActivity }).finish()]),
    });
  }
  return expiries;
}

function digest(parts: readonly Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    // Length-prefixed: two different splits of the same bytes must not collide.
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.byteLength);
    hash.update(length).update(part);
  }
  return hash.digest("base64url");
}

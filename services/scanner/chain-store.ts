// The latest chain of each symbol, expiring after CACHE_TTL without an update, with its
// prepared form in shared memory so that scan workers read it without a copy. Updates are
// idempotent: sending what is already stored changes nothing, not even the version. An
// update is planned (merged, compared), then its preparation committed: SpreadScanner
// prepares it on the pool in between.
import { EventEmitter } from "node:events";
import NodeCache from "node-cache";
import { OptionChain, type OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { aliveOn, newYorkDateOrUndefined } from "../engine/new-york-time.js";
import { chainViolations, EngineInputError } from "../engine/index.js";
import type { SharedPreparedChain } from "../engine/shared-prepared-chain.js";

export interface StoredChain {
  readonly symbol: string;
  /** Rises by 1 with every change of the symbol's chain, never reused (not even after expiry). */
  readonly version: bigint;
  readonly chain: OptionChain;
  /**
   * Bytes equal for a repeat of the same chain: the chain's bytes as sent for a replacement
   * (no encoding of our own), its encoding after a merge.
   */
  readonly fingerprint: Uint8Array;
  /** Prepared once, in shared memory: what the workers scan. */
  readonly prepared: SharedPreparedChain;
}

/** What an update would store: the stored chain when it changes nothing, else the new one to prepare. */
export type PlannedUpdate = { readonly unchanged: StoredChain } | PlannedChange;

/** A change an update would make: the chain to prepare and store. */
export interface PlannedChange {
  readonly symbol: string;
  readonly chain: OptionChain;
  readonly fingerprint: Uint8Array;
}

/** A quote's contract: expiry, strike and right. */
function contractKey(quote: OptionQuote): string {
  return `${quote.expiryDate}|${quote.strike}|${quote.right}`;
}

/**
 * A merge: the sent quotes merged into the stored ones by contract, the sent chain-level fields;
 * but a merge without the underlying's IV history or event calendar keeps the stored chain's, so
 * that a tick sent before the coordinator had them (or by a sender that never attaches them)
 * does not make the symbol's IV rank and events unknown (scanner_service.proto, UpdateChainRequest).
 */
function mergedChain(symbol: string, stored: OptionChain, sent: OptionChain): OptionChain {
  return {
    ...sent,
    symbol,
    quotes: mergeQuotes(stored.quotes, sent.quotes, newYorkDateOrUndefined(sent.asOf)),
    impliedVolatilityHistory: sent.impliedVolatilityHistory ?? stored.impliedVolatilityHistory,
    events: sent.events ?? stored.events,
  };
}

/**
 * The stored quotes with the sent ones in place of the same contracts, and the sent new ones
 * added. Stored contracts that expired before `asOfDate` (New York) are dropped: a feed merges
 * for days, and its chain would otherwise grow by every expiry it ever saw, up to the quote limit.
 */
function mergeQuotes(stored: readonly OptionQuote[], sent: readonly OptionQuote[], asOfDate: string | undefined): OptionQuote[] {
  const sentByContract = new Map(sent.map((quote) => [contractKey(quote), quote]));
  // Every replica of a fleet makes this merge for every tick of a feed, on chains of ~10,000
  // quotes: a stored quote's key is made only when a sent quote has its strike (a number in a
  // Set matches as its string in a key would), and each expiry is checked once.
  const sentStrikes = new Set(sent.map((quote) => quote.strike));
  const keptExpiries = new Map<string, boolean>();
  const kept = (expiryDate: string): boolean => {
    let keep = keptExpiries.get(expiryDate);
    if (keep === undefined) {
      keep = aliveOn(expiryDate, asOfDate);
      keptExpiries.set(expiryDate, keep);
    }
    return keep;
  };
  const merged: OptionQuote[] = [];
  for (const quote of stored) {
    const key = sentStrikes.has(quote.strike) ? contractKey(quote) : undefined;
    const replacement = key === undefined ? undefined : sentByContract.get(key);
    if (key !== undefined && replacement) {
      sentByContract.delete(key);
      merged.push(replacement);
    } else if (kept(quote.expiryDate)) {
      merged.push(quote);
    }
  }
  return [...merged, ...sentByContract.values()];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export class ChainStore {
  /** Emits "updated" with the StoredChain after every change. */
  readonly events = new EventEmitter();
  private readonly chains: NodeCache;
  private readonly lastVersion = new Map<string, bigint>();

  constructor(ttlMs: number) {
    // Chains are large and read-only once stored: cloning them on every get would cost
    // more than the scan.
    this.chains = new NodeCache({ stdTTL: ttlMs / 1000, checkperiod: Math.max(1, Math.ceil(ttlMs / 2000)), useClones: false });
    // Watchers of every symbol listen here; their number is bounded by the service, not by this emitter.
    this.events.setMaxListeners(0);
  }

  get(symbol: string): StoredChain | undefined {
    return this.chains.get<StoredChain>(symbol);
  }

  /** The symbols with a chain stored now. */
  symbols(): string[] {
    return this.chains.keys();
  }

  /** Symbols with a chain stored now. */
  get size(): number {
    return this.chains.keys().length;
  }

  /**
   * The chain an update would store: the sent one, or the stored one with the sent quotes
   * merged in by contract. `sentBytes`, the chain's bytes as they arrived, spare encoding a
   * replacement again to tell a repeat. Throws EngineInputError (fields under "chain.") when
   * the chain as a whole cannot be scanned; bad quotes are the engine's to skip and count.
   */
  plan(symbol: string, sent: OptionChain, mode: UpdateMode, sentBytes?: Uint8Array): PlannedUpdate {
    const current = this.get(symbol);
    const merging = mode === UpdateMode.UPDATE_MODE_MERGE && current !== undefined;
    const chain: OptionChain = merging ? mergedChain(symbol, current.chain, sent) : { ...sent, symbol };
    // Checked before encoding: a chain with a time past JavaScript's dates does not encode.
    const violations = chainViolations(chain);
    if (violations.length > 0) throw new EngineInputError(violations).under("chain.");
    const fingerprint = !merging && sentBytes ? sentBytes : OptionChain.encode(chain).finish();
    if (current && sameBytes(current.fingerprint, fingerprint)) {
      // A repeat still shows the source is alive: keep the chain for another TTL.
      this.chains.ttl(symbol);
      return { unchanged: current };
    }
    return { symbol, chain, fingerprint };
  }

  /** The symbol's latest version, stored or expired since; 0 when it never had one. */
  latestVersion(symbol: string): bigint {
    return this.lastVersion.get(symbol) ?? 0n;
  }

  /**
   * Stores a planned chain with its preparation as the symbol's next version, or as `version`
   * when another replica assigned it (the chain bus), and tells watchers. Versions only rise:
   * a given version at or below the latest is refused, so that none is ever applied twice.
   */
  commit(planned: PlannedChange, prepared: SharedPreparedChain, given?: bigint): StoredChain {
    return this.stored({ ...planned, version: this.nextVersion(planned.symbol, given), prepared });
  }

  /**
   * Stores a version another replica published, in its wire form, prepared already (on a
   * thread): the chain is decoded only when something here needs it (a merge sent to this
   * replica), so that following the bus costs this thread almost nothing.
   */
  commitEncoded(symbol: string, version: bigint, chainBytes: Uint8Array, prepared: SharedPreparedChain): StoredChain {
    let decoded: OptionChain | undefined;
    return this.stored({
      symbol,
      version: this.nextVersion(symbol, version),
      fingerprint: chainBytes,
      prepared,
      get chain() {
        decoded ??= { ...OptionChain.decode(chainBytes), symbol };
        return decoded;
      },
    });
  }

  /**
   * The chain a merge another replica published makes of this replica's chain, when this
   * replica holds exactly the merge's base version (the chain bus's deltas): the same merge
   * its publisher made, on the same chain, so the same result. Undefined without that base
   * (a version missed, or the chain expired here): the replica then waits for a whole chain.
   */
  mergedOnto(symbol: string, base: bigint, sent: OptionChain): OptionChain | undefined {
    const current = this.get(symbol);
    if (!current || current.version !== base) return undefined;
    const chain = mergedChain(symbol, current.chain, sent);
    const violations = chainViolations(chain);
    if (violations.length > 0) throw new EngineInputError(violations).under("chain.");
    return chain;
  }

  /**
   * Stores a merge another replica published (see mergedOnto) under its version. The chain is
   * encoded only when something here needs its bytes (a repeat to tell, a republication):
   * following the bus's merges costs this thread the merge and the preparation, no more.
   */
  commitMerged(symbol: string, version: bigint, chain: OptionChain, prepared: SharedPreparedChain): StoredChain {
    let encoded: Uint8Array | undefined;
    return this.stored({
      symbol,
      version: this.nextVersion(symbol, version),
      chain,
      prepared,
      get fingerprint() {
        encoded ??= OptionChain.encode(chain).finish();
        return encoded;
      },
    });
  }

  private nextVersion(symbol: string, given: bigint | undefined): bigint {
    const latest = this.latestVersion(symbol);
    const version = given ?? latest + 1n;
    if (version <= latest) throw new RangeError(`version ${version} of ${symbol} is not after the latest, ${latest}`);
    return version;
  }

  private stored(stored: StoredChain): StoredChain {
    this.lastVersion.set(stored.symbol, stored.version);
    this.chains.set(stored.symbol, stored);
    this.events.emit("updated", stored);
    return stored;
  }

  close(): void {
    this.chains.close();
    this.events.removeAllListeners();
  }
}

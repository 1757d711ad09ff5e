// The first pass of chain preparation: each quote judged alone (its right, expiry, strike and
// prices) and assigned a bucket, an (expiration, side) pair, in typed arrays indexed by its
// place in the chain. In a one-shot process this loop runs before V8 has optimised anything,
// so it lives in a small function of its own (V8 compiles a running loop sooner the smaller
// its function) and makes no call per quote but one.
import { OptionRight, type OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SkipReason } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { epochDay, expiryInstant } from "./new-york-time.js";
import type { SkipCounts } from "./skip-reasons.js";

/** `reason` is a SkipReason value, as the counts and QuoteFacts.marketProblem hold it. */
export function countSkip(counts: SkipCounts, reason: number): void {
  counts[reason] = (counts[reason] as number) + 1;
}

/** What the first pass learnt of each quote, indexed by its place in the chain. */
export interface QuoteFacts {
  /** expiry group × 2 + (0 calls, 1 puts); -1 for a quote skipped before duplicates are judged. */
  readonly bucket: Int32Array;
  readonly strike: Float64Array;
  readonly quoteTimeMs: Float64Array;
  /** The SkipReason of a market problem (a bad or one-sided price), 0 when none. */
  readonly marketProblem: Uint8Array;
  /** Quotes per bucket. */
  readonly bucketSizes: Int32Array;
  /** Per bucket, 1 when one of its quotes lacks implied volatility or greeks (they are then solved, or the quote skipped, as its table is built). */
  readonly bucketIncomplete: Uint8Array;
  /** Indices of the quotes whose time is out of google.protobuf.Timestamp's range, at most the number asked for. */
  readonly badQuoteTimes: readonly number[];
}

/** The expirations the quotes name, each dated once. */
export class ExpiryGroups {
  readonly dates: string[] = [];
  /** Days since 1970-01-01 of each expiry date; NaN when the date is not a real one. */
  readonly epochDays: number[] = [];
  /** 16:00 New York on each expiry date, epoch milliseconds (NaN for a bad date). */
  readonly closeMs: number[] = [];
  private readonly byDate = new Map<string, number>();

  groupOf(date: string): number {
    let group = this.byDate.get(date);
    if (group === undefined) {
      group = this.dates.length;
      const day = epochDay(date);
      this.dates.push(date);
      this.epochDays.push(day);
      this.closeMs.push(Number.isNaN(day) ? Number.NaN : expiryInstant(date).getTime());
      this.byDate.set(date, group);
    }
    return group;
  }
}

/** The range google.protobuf.Timestamp defines: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. */
const EARLIEST_TIMESTAMP_MS = -62_135_596_800_000;
const LATEST_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Any int64 of seconds is valid on the wire; one past JavaScript's dates decodes to an Invalid Date (NaN), which fails this too. */
export function withinTimestampRange(ms: number): boolean {
  return ms >= EARLIEST_TIMESTAMP_MS && ms <= LATEST_TIMESTAMP_MS;
}

/**
 * Why a quote cannot be a leg whatever its strike's place, or UNSPECIFIED when it can. Inline
 * arithmetic, no calls: a value is finite and at least 0 when `value >= 0 && value < Infinity`
 * (NaN fails both), finite when `value - value === 0` (NaN for NaN and the infinities).
 */
function marketProblem(quote: OptionQuote): SkipReason {
  const bid = quote.bid;
  const ask = quote.ask;
  if (!(bid >= 0 && bid < Infinity && ask >= 0 && ask < Infinity)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  const volatility = quote.impliedVolatility;
  if (volatility !== undefined && !(volatility >= 0 && volatility < Infinity)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  const greeks = quote.greeks;
  if (greeks !== undefined) {
    const { delta, gamma, theta, vega } = greeks;
    if (!(delta - delta === 0 && gamma - gamma === 0 && theta - theta === 0 && vega - vega === 0)) return SkipReason.SKIP_REASON_INVALID_PRICE;
  }
  if (bid === 0) return SkipReason.SKIP_REASON_NO_BID;
  if (ask === 0) return SkipReason.SKIP_REASON_NO_ASK;
  if (bid > ask) return SkipReason.SKIP_REASON_CROSSED;
  if (bid === ask) return SkipReason.SKIP_REASON_LOCKED;
  return SkipReason.SKIP_REASON_UNSPECIFIED;
}

/**
 * Judges every quote alone and buckets the ones that may become legs; counts the others in
 * `skipped`. A quote's expiry is looked up once per run of quotes of one expiry, as chains
 * list them. Stops noting bad quote times at `maxBadQuoteTimes` (the caller refuses the chain).
 */
export function judgeQuotes(
  quotes: readonly OptionQuote[],
  groups: ExpiryGroups,
  asOfDay: number,
  asOfMs: number,
  skipped: SkipCounts,
  maxBadQuoteTimes: number,
): QuoteFacts {
  const count = quotes.length;
  const bucket = new Int32Array(count);
  const strikes = new Float64Array(count);
  const quoteTimes = new Float64Array(count);
  const problems = new Uint8Array(count);
  const badQuoteTimes: number[] = [];
  let sizes = new Int32Array(64);
  let incomplete = new Uint8Array(64);
  let lastDate: string | undefined;
  let group = -1;
  let validDate = false;
  let alive = false;
  for (let index = 0; index < count; index++) {
    const quote = quotes[index] as OptionQuote;
    const quoteTime = quote.quoteTime;
    let quoteTimeMs = Number.NaN;
    if (quoteTime !== undefined) {
      quoteTimeMs = quoteTime.getTime();
      if (!withinTimestampRange(quoteTimeMs) && badQuoteTimes.length < maxBadQuoteTimes) badQuoteTimes.push(index);
    }
    quoteTimes[index] = quoteTimeMs;
    const date = quote.expiryDate;
    if (date !== lastDate) {
      lastDate = date;
      group = groups.groupOf(date);
      const day = groups.epochDays[group] as number;
      validDate = !Number.isNaN(day);
      alive = !(day < asOfDay || (groups.closeMs[group] as number) <= asOfMs);
      if (2 * group + 2 > sizes.length) {
        const grown = new Int32Array(2 * sizes.length);
        grown.set(sizes);
        sizes = grown;
        const grownIncomplete = new Uint8Array(2 * incomplete.length);
        grownIncomplete.set(incomplete);
        incomplete = grownIncomplete;
      }
    }
    const right = quote.right;
    const strike = quote.strike;
    strikes[index] = strike;
    bucket[index] = -1;
    if (right !== OptionRight.OPTION_RIGHT_CALL && right !== OptionRight.OPTION_RIGHT_PUT) countSkip(skipped, SkipReason.SKIP_REASON_UNKNOWN_RIGHT);
    else if (!validDate) countSkip(skipped, SkipReason.SKIP_REASON_INVALID_EXPIRY_DATE);
    else if (!(strike > 0 && strike < Infinity)) countSkip(skipped, SkipReason.SKIP_REASON_INVALID_STRIKE);
    else if (!alive) countSkip(skipped, SkipReason.SKIP_REASON_EXPIRED);
    else {
      const of = right === OptionRight.OPTION_RIGHT_CALL ? 2 * group : 2 * group + 1;
      bucket[index] = of;
      sizes[of] = (sizes[of] as number) + 1;
      problems[index] = marketProblem(quote);
      if (!((quote.impliedVolatility ?? 0) > 0 && quote.greeks !== undefined)) incomplete[of] = 1;
    }
  }
  return {
    bucket,
    strike: strikes,
    quoteTimeMs: quoteTimes,
    marketProblem: problems,
    bucketSizes: sizes.subarray(0, 2 * groups.dates.length),
    bucketIncomplete: incomplete.subarray(0, 2 * groups.dates.length),
    badQuoteTimes,
  };
}

// What the fuzz suite sends: for every RPC of both services, request bodies drawn by
// fast-check from a fixed seed (so a run can be repeated byte for byte) in four kinds:
// random bytes, valid requests with their bytes mutated, well-formed messages full of
// extreme values (non-finite and huge numbers, out-of-range enums, long and odd unicode),
// and messages stuffed to just under and just over MAX_REQUEST_SIZE.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import {
  CancelJobRequest,
  CoordinatorServiceService,
  GetJobRequest,
  GetMetricsRequest as CoordinatorGetMetricsRequest,
  ListJobsRequest,
  ScanBatchRequest,
  ScanRequest as CoordinatorScanRequest,
  SubmitScanRequest,
  WatchJobEventsRequest,
  WatchSpreadsRequest as CoordinatorWatchSpreadsRequest,
} from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import {
  GetMetricsRequest as ScannerGetMetricsRequest,
  ScannerServiceService,
  ScanRequest as ScannerScanRequest,
  UpdateChainRequest,
  UpdateMode,
  WatchSpreadsRequest as ScannerWatchSpreadsRequest,
} from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { CREDIT_QUERY } from "./queries.js";

export type FuzzKind = "random bytes" | "mutated valid" | "extreme values" | "near size limit";

export interface FuzzCall {
  readonly target: FuzzTarget;
  readonly kind: FuzzKind;
  readonly body: Buffer;
}

export interface FuzzTarget {
  readonly service: "coordinator" | "scanner";
  readonly method: string;
  readonly path: string;
  readonly responseStream: boolean;
}

interface TargetSpec extends FuzzTarget {
  /** Valid requests, encoded: what the mutations start from. */
  readonly valid: readonly Uint8Array[];
  /** Well-formed messages full of extreme values, encoded. */
  readonly extreme: fc.Arbitrary<Uint8Array>;
  /** A request carrying `count` repeated entries (or filler bytes), encoded: for the size limit. */
  readonly stuffed: (count: number) => Uint8Array;
}

// ---- values that break things ---------------------------------------------------------------

const option = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arbitrary, { nil: undefined, freq: 3 });

const oddStrings = fc.constantFrom(
  "",
  " ",
  "SPY",
  "spy",
  "  iwm  ",
  "BRK.B",
  "ZZZZ",
  "SPY\u0000",
  "\u202eYPS",
  "ＳＰＹ",
  "S\u0301PY",
  "😀",
  "\ud800",
  "\udfff\ud800",
  "A".repeat(11),
  "../../etc/passwd",
  "%s%s%n",
  "' OR 1=1 --",
  "\u0000\u0001\u0002\u007f",
  "\r\n\t",
  "null",
  "NaN",
  "-1",
);

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: oddStrings },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  // Lone surrogates and control characters: what TextEncoder turns into U+FFFD.
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1000, maxLength: 20_000 }) },
);

export const nastyDouble = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 2 ** 53, -(2 ** 53), 1e308, -1e-308),
  fc.double(),
  fc.double({ min: -10, max: 10, noNaN: true }),
);

const uint32 = fc.oneof(fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1), fc.nat({ max: 1000 }), fc.nat({ max: 2 ** 32 - 1 }));
const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const int64 = fc.oneof(fc.constantFrom(-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
/** Any int32: the defined values and far outside them. */
const enumValue = fc.oneof(fc.integer({ min: -1, max: 10 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 99, 1000));
const instant = fc.oneof(fc.date({ noInvalidDate: true }), fc.constantFrom(new Date(0), new Date(-8.64e15), new Date(8.64e15), new Date("2026-11-20T15:00:00Z")));

const scanQuery = fc
  .record({
    strategies: fc.array(enumValue, { maxLength: 12 }),
    filters: option(
      fc.record({
        minDte: option(uint32),
        maxDte: option(uint32),
        minShortDelta: option(nastyDouble),
        maxShortDelta: option(nastyDouble),
        maxLongDelta: option(nastyDouble),
        minWidth: option(nastyDouble),
        maxWidth: option(nastyDouble),
        minCredit: option(nastyDouble),
        maxDebit: option(nastyDouble),
        minCreditToWidth: option(nastyDouble),
        maxMaxLoss: option(nastyDouble),
        minPop: option(nastyDouble),
        minExpectedValue: option(nastyDouble),
        maxProbabilityOfTouch: option(nastyDouble),
        minReturnOnRisk: option(nastyDouble),
        minOpenInterest: option(uint64),
        minVolume: option(uint64),
        maxLegBidAskWidth: option(nastyDouble),
        maxLegBidAskWidthFraction: option(nastyDouble),
        minShortImpliedVolatility: option(nastyDouble),
        maxShortImpliedVolatility: option(nastyDouble),
        shortStrikesOutOfTheMoney: option(fc.boolean()),
        maxWingWidthDifference: option(nastyDouble),
        maxPerExpiry: option(uint32),
        maxQuoteAge: option(fc.record({ seconds: int64, nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) })),
      }),
    ),
    sort: enumValue,
    pricing: enumValue,
    limit: option(uint32),
    scoreWeights: option(fc.record({ expectedValuePerRisk: option(nastyDouble), pop: option(nastyDouble), liquidity: option(nastyDouble) })),
  })
  .map((query) => ScanQuery.fromPartial(query));

const expiryString = fc.oneof(fc.constantFrom("2026-12-18", "2027-01-15", "1970-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "", "tomorrow"), nastyString);

const quote = fc.record({
  expiryDate: expiryString,
  strike: nastyDouble,
  right: enumValue,
  bid: nastyDouble,
  ask: nastyDouble,
  last: nastyDouble,
  volume: uint64,
  openInterest: uint64,
  impliedVolatility: option(nastyDouble),
  greeks: option(fc.record({ delta: nastyDouble, gamma: nastyDouble, theta: nastyDouble, vega: nastyDouble })),
  quoteTime: option(instant),
  brokerContractId: int64,
});

const chain = fc
  .record({
    symbol: fc.oneof(fc.constantFrom("AAPL", "IWM", "Q", "ZZZZZZZZZZ"), nastyString),
    underlyingPrice: nastyDouble,
    asOf: option(instant),
    rate: nastyDouble,
    dividendYield: nastyDouble,
    multiplier: uint32,
    delayed: fc.boolean(),
    quotes: fc.array(quote, { maxLength: 20 }),
    source: nastyString,
  })
  .map((fields) => OptionChain.fromPartial(fields));

const symbol = fc.oneof(fc.constantFrom("SPY", "IWM", "AAPL", "qqq", "NOPE"), nastyString);
const jobId = fc.oneof(fc.uuid(), nastyString);

// ---- valid requests and the size limit ------------------------------------------------------

/** A valid chain small enough to mutate and send by the thousand: the nearest expirations of AAPL. */
function smallChain(): OptionChain {
  const full = generateSyntheticChain({ symbol: "AAPL", seed: 7, asOf: new Date() });
  return { ...full, quotes: full.quotes.slice(0, 300) };
}

const encode = <T>(codec: { encode(message: T): BinaryWriter }, message: T): Uint8Array => codec.encode(message).finish();

/** `base` with an unknown length-delimited field of `count` bytes appended: every decoder must skip it. */
function withFiller(base: Uint8Array, count: number): Uint8Array {
  const filler = new BinaryWriter().tag(999, WireType.LengthDelimited).bytes(new Uint8Array(count)).finish();
  return Buffer.concat([base, filler]);
}

/** `count` unknown varint fields of one byte each (two with their tag): decoders skip them one by one. */
function unknownFields(count: number): Uint8Array {
  const bytes = new Uint8Array(count * 3);
  for (let index = 0; index < bytes.length; index += 3) {
    // Field 1000, varint: tag 8000 as a varint (0xc0 0x3e), then the value 1.
    bytes[index] = 0xc0;
    bytes[index + 1] = 0x3e;
    bytes[index + 2] = 1;
  }
  return bytes;
}

/** A packed repeated enum field `field` of `count` entries of `value` (under 128: one byte each). */
export function packedEnums(field: number, value: number, count: number): Uint8Array {
  return new BinaryWriter().tag(field, WireType.LengthDelimited).bytes(new Uint8Array(count).fill(value)).finish();
}

/**
 * A body of `stuffed(n)` within a few bytes under `targetBytes`: n estimated from the size of
 * one entry, corrected until it fits, then topped up with filler bytes.
 */
function stuffTo(stuffed: (count: number) => Uint8Array, targetBytes: number): Uint8Array {
  const one = stuffed(1).length;
  const unit = Math.max(1, stuffed(2).length - one);
  let count = Math.max(0, Math.floor((targetBytes - (one - unit)) / unit));
  let body = stuffed(count);
  while (body.length > targetBytes && count > 0) {
    count = Math.max(0, count - Math.max(1, Math.ceil((body.length - targetBytes) / unit)));
    body = stuffed(count);
  }
  const gap = targetBytes - body.length;
  // A filler field costs its tag and length (up to 6 bytes) on top of its bytes.
  return gap > 8 ? withFiller(body, gap - 6) : body;
}

export function targetsOf(context: { readonly jobId: string }): TargetSpec[] {
  const small = smallChain();
  const coordinator = CoordinatorServiceService;
  const scanner = ScannerServiceService;
  const condor = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxDte: 30, maxWidth: 5 }, limit: 5 });
  return [
    {
      service: "coordinator",
      method: "Scan",
      path: coordinator.scan.path,
      responseStream: false,
      valid: [encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY })), encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial({ symbol: "aapl", query: condor, bypassCache: true }))],
      extreme: fc.record({ symbol, query: option(scanQuery), bypassCache: fc.boolean() }).map((request) => encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial(request))),
      // Millions of small unknown fields. (Millions of strategies are defects KD-3 and KD-5: see defects.fault.ts.)
      stuffed: (count) => Buffer.concat([encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY })), unknownFields(count)]),
    },
    {
      service: "coordinator",
      method: "SubmitScan",
      path: coordinator.submitScan.path,
      responseStream: false,
      valid: [encode(SubmitScanRequest, SubmitScanRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY })), encode(SubmitScanRequest, SubmitScanRequest.fromPartial({ symbol: "MSFT", query: condor }))],
      extreme: fc.record({ symbol, query: option(scanQuery), bypassCache: fc.boolean() }).map((request) => encode(SubmitScanRequest, SubmitScanRequest.fromPartial(request))),
      stuffed: (count) => Buffer.concat([encode(SubmitScanRequest, SubmitScanRequest.fromPartial({ symbol: "MSFT", query: CREDIT_QUERY })), unknownFields(count)]),
    },
    {
      service: "coordinator",
      method: "GetJob",
      path: coordinator.getJob.path,
      responseStream: false,
      valid: [encode(GetJobRequest, GetJobRequest.fromPartial({ jobId: context.jobId }))],
      extreme: fc.record({ jobId }).map((request) => encode(GetJobRequest, GetJobRequest.fromPartial(request))),
      stuffed: (count) => encode(GetJobRequest, GetJobRequest.fromPartial({ jobId: "j".repeat(count) })),
    },
    {
      service: "coordinator",
      method: "ListJobs",
      path: coordinator.listJobs.path,
      responseStream: false,
      valid: [encode(ListJobsRequest, ListJobsRequest.fromPartial({ states: [1, 2], pageSize: 10 })), encode(ListJobsRequest, ListJobsRequest.fromPartial({}))],
      extreme: fc.record({ states: fc.array(enumValue, { maxLength: 20 }), pageSize: uint32, pageToken: nastyString }).map((request) => encode(ListJobsRequest, ListJobsRequest.fromPartial(request))),
      // One state, millions of times. (Millions of unknown ones were defect KD-3: see defects.fault.ts.)
      stuffed: (count) => packedEnums(1, 1, count),
    },
    {
      service: "coordinator",
      method: "CancelJob",
      path: coordinator.cancelJob.path,
      responseStream: false,
      valid: [encode(CancelJobRequest, CancelJobRequest.fromPartial({ jobId: context.jobId }))],
      extreme: fc.record({ jobId }).map((request) => encode(CancelJobRequest, CancelJobRequest.fromPartial(request))),
      stuffed: (count) => encode(CancelJobRequest, CancelJobRequest.fromPartial({ jobId: "j".repeat(count) })),
    },
    {
      service: "coordinator",
      method: "WatchJobEvents",
      path: coordinator.watchJobEvents.path,
      responseStream: true,
      valid: [encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial({ jobId: context.jobId })), encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial({}))],
      extreme: fc.record({ jobId }).map((request) => encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial(request))),
      stuffed: (count) => encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial({ jobId: "j".repeat(count) })),
    },
    {
      service: "coordinator",
      method: "ScanBatch",
      path: coordinator.scanBatch.path,
      responseStream: true,
      valid: [encode(ScanBatchRequest, ScanBatchRequest.fromPartial({ symbols: ["IWM", "AAPL", "NOPE"], query: CREDIT_QUERY }))],
      extreme: fc.record({ symbols: fc.array(symbol, { maxLength: 120 }), query: option(scanQuery), bypassCache: fc.boolean() }).map((request) => encode(ScanBatchRequest, ScanBatchRequest.fromPartial(request))),
      stuffed: (count) => encode(ScanBatchRequest, ScanBatchRequest.fromPartial({ symbols: Array.from({ length: count }, () => "SPY"), query: CREDIT_QUERY })),
    },
    {
      service: "coordinator",
      method: "WatchSpreads",
      path: coordinator.watchSpreads.path,
      responseStream: true,
      valid: [encode(CoordinatorWatchSpreadsRequest, CoordinatorWatchSpreadsRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY, minIntervalMs: 100 }))],
      extreme: fc.record({ symbol, query: option(scanQuery), minIntervalMs: uint32 }).map((request) => encode(CoordinatorWatchSpreadsRequest, CoordinatorWatchSpreadsRequest.fromPartial(request))),
      stuffed: (count) => Buffer.concat([encode(CoordinatorWatchSpreadsRequest, CoordinatorWatchSpreadsRequest.fromPartial({ symbol: "IWM" })), new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(packedEnums(1, Strategy.STRATEGY_BULL_PUT, count)).finish()]),
    },
    {
      service: "coordinator",
      method: "GetMetrics",
      path: coordinator.getMetrics.path,
      responseStream: false,
      valid: [encode(CoordinatorGetMetricsRequest, {})],
      extreme: fc.constant(encode(CoordinatorGetMetricsRequest, {})),
      stuffed: (count) => withFiller(new Uint8Array(0), count),
    },
    {
      service: "scanner",
      method: "Scan",
      path: scanner.scan.path,
      responseStream: false,
      valid: [encode(ScannerScanRequest, ScannerScanRequest.fromPartial({ symbol: "AAPL", query: CREDIT_QUERY, chain: small })), encode(ScannerScanRequest, ScannerScanRequest.fromPartial({ symbol: "AAPL", query: condor }))],
      extreme: fc.record({ symbol, query: option(scanQuery), chain: option(chain) }).map((request) => encode(ScannerScanRequest, ScannerScanRequest.fromPartial(request))),
      // A chain of one quote repeated: every copy a duplicate contract for the engine to skip.
      stuffed: (count) => encode(ScannerScanRequest, ScannerScanRequest.fromPartial({ symbol: "AAPL", query: CREDIT_QUERY, chain: { ...small, quotes: Array.from({ length: count }, () => small.quotes[0]!) } })),
    },
    {
      service: "scanner",
      method: "WatchSpreads",
      path: scanner.watchSpreads.path,
      responseStream: true,
      valid: [encode(ScannerWatchSpreadsRequest, ScannerWatchSpreadsRequest.fromPartial({ symbol: "AAPL", query: CREDIT_QUERY, minIntervalMs: 100 }))],
      extreme: fc.record({ symbol, query: option(scanQuery), minIntervalMs: uint32 }).map((request) => encode(ScannerWatchSpreadsRequest, ScannerWatchSpreadsRequest.fromPartial(request))),
      stuffed: (count) => encode(ScannerWatchSpreadsRequest, ScannerWatchSpreadsRequest.fromPartial({ symbol: "A".repeat(count) })),
    },
    {
      service: "scanner",
      method: "UpdateChain",
      path: scanner.updateChain.path,
      responseStream: false,
      valid: [encode(UpdateChainRequest, UpdateChainRequest.fromPartial({ chain: small, mode: UpdateMode.UPDATE_MODE_REPLACE })), encode(UpdateChainRequest, UpdateChainRequest.fromPartial({ chain: { ...small, quotes: small.quotes.slice(0, 20) }, mode: UpdateMode.UPDATE_MODE_MERGE }))],
      extreme: fc.record({ chain: option(chain), mode: enumValue }).map((request) => encode(UpdateChainRequest, UpdateChainRequest.fromPartial(request))),
      stuffed: (count) => encode(UpdateChainRequest, UpdateChainRequest.fromPartial({ chain: { ...small, symbol: "FUZZ", quotes: Array.from({ length: count }, (_, index) => ({ ...small.quotes[0]!, strike: 1 + index / 100 })) }, mode: UpdateMode.UPDATE_MODE_REPLACE })),
    },
    {
      service: "scanner",
      method: "GetMetrics",
      path: scanner.getMetrics.path,
      responseStream: false,
      valid: [encode(ScannerGetMetricsRequest, {})],
      extreme: fc.constant(encode(ScannerGetMetricsRequest, {})),
      stuffed: (count) => withFiller(new Uint8Array(0), count),
    },
  ];
}

// ---- mutations ---------------------------------------------------------------------------

type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "set"; readonly at: number; readonly value: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number }
  | { readonly kind: "field"; readonly field: number; readonly wireType: number; readonly value: bigint };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  // A field the message may or may not have, with any wire type (some invalid) and value.
  fc.record({ kind: fc.constant("field" as const), field: fc.integer({ min: 1, max: 2 ** 29 - 1 }), wireType: fc.nat({ max: 7 }), value: uint64 }),
);

function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let body = Array.from(bytes);
  for (const each of mutations) {
    const at = body.length === 0 ? 0 : each.kind === "field" ? 0 : each.at % (body.length + 1);
    switch (each.kind) {
      case "flip":
        if (at < body.length) body[at] = (body[at] ?? 0) ^ (1 << each.bit);
        break;
      case "set":
        if (at < body.length) body[at] = each.value;
        break;
      case "insert":
        body.splice(at, 0, ...each.bytes);
        break;
      case "delete":
        body.splice(at, each.length);
        break;
      case "truncate":
        body = body.slice(0, at);
        break;
      case "duplicate":
        body.splice(at, 0, ...body.slice(at, at + each.length));
        break;
      case "field":
        body.push(...varint(BigInt(each.field) * 8n + BigInt(each.wireType)), ...varint(each.value));
        break;
    }
  }
  return Uint8Array.from(body);
}

// ---- the corpus ---------------------------------------------------------------------------

/**
 * `perTarget` calls for every target, drawn from `seed`, plus four near the size limit (two
 * just under, two just over: a long string or filler, and many repeated entries).
 */
export function fuzzCorpus(targets: readonly TargetSpec[], { seed, perTarget, maxRequestBytes }: { seed: number; perTarget: number; maxRequestBytes: number }): FuzzCall[] {
  const calls: FuzzCall[] = [];
  targets.forEach((target, index) => {
    const kinds = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((body) => ({ kind: "random bytes" as const, body })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom(...target.valid), fc.array(mutation, { minLength: 1, maxLength: 4 }))
          .map(([valid, mutations]) => ({ kind: "mutated valid" as const, body: mutate(valid, mutations) })),
      },
      { weight: 2, arbitrary: target.extreme.map((body) => ({ kind: "extreme values" as const, body })) },
    );
    for (const { kind, body } of fc.sample(kinds, { seed: seed + index, numRuns: perTarget })) calls.push({ target, kind, body: Buffer.from(body) });
    const filler = (count: number): Uint8Array => withFiller(target.valid[0] ?? new Uint8Array(0), count);
    for (const targetBytes of [maxRequestBytes - 32, maxRequestBytes + 32]) {
      calls.push({ target, kind: "near size limit", body: Buffer.from(stuffTo(target.stuffed, targetBytes)) });
      calls.push({ target, kind: "near size limit", body: Buffer.from(stuffTo(filler, targetBytes)) });
    }
  });
  // Interleaved, in an order fixed by the seed, so that no service sees one RPC at a time.
  return fc.sample(fc.shuffledSubarray(calls, { minLength: calls.length, maxLength: calls.length }), { seed, numRuns: 1 })[0] ?? calls;
}

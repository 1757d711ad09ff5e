// Every RPC of both services as the fuzz suite reaches it: its path, whether it streams its
// answer, valid requests to mutate, well-formed requests full of extreme values, and a request
// of n repeated entries to stuff up to the size limit.
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
import { packedEnums, unknownFields, withFiller } from "./fuzz-bodies.js";
import { chain, enumValue, jobId, nastyString, option, scanQuery, symbol, uint32 } from "./fuzz-values.js";
import { CREDIT_QUERY } from "./queries.js";

export interface FuzzTarget {
  readonly service: "coordinator" | "scanner";
  readonly method: string;
  readonly path: string;
  readonly responseStream: boolean;
}

export interface TargetSpec extends FuzzTarget {
  /** Valid requests, encoded: what the mutations start from. */
  readonly valid: readonly Uint8Array[];
  /** Well-formed messages full of extreme values, encoded. */
  readonly extreme: fc.Arbitrary<Uint8Array>;
  /** A request carrying `count` repeated entries (or filler bytes), encoded: for the size limit. */
  readonly stuffed: (count: number) => Uint8Array;
}
/** A valid chain small enough to mutate and send by the thousand: the nearest expirations of AAPL. */
function smallChain(): OptionChain {
  const full = generateSyntheticChain({ symbol: "AAPL", seed: 7, asOf: new Date() });
  return { ...full, quotes: full.quotes.slice(0, 300) };
}

const encode = <T>(codec: { encode(message: T): BinaryWriter }, message: T): Uint8Array => codec.encode(message).finish();

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
      valid: [
        encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY })),
        encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial({ symbol: "aapl", query: condor, bypassCache: true })),
      ],
      extreme: fc
        .record({ symbol, query: option(scanQuery), bypassCache: fc.boolean() })
        .map((request) => encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial(request))),
      // Millions of small unknown fields. (Millions of strategies are defects KD-3 and KD-5: see defects.fault.ts.)
      stuffed: (count) =>
        Buffer.concat([encode(CoordinatorScanRequest, CoordinatorScanRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY })), unknownFields(count)]),
    },
    {
      service: "coordinator",
      method: "SubmitScan",
      path: coordinator.submitScan.path,
      responseStream: false,
      valid: [
        encode(SubmitScanRequest, SubmitScanRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY })),
        encode(SubmitScanRequest, SubmitScanRequest.fromPartial({ symbol: "MSFT", query: condor })),
      ],
      extreme: fc
        .record({ symbol, query: option(scanQuery), bypassCache: fc.boolean() })
        .map((request) => encode(SubmitScanRequest, SubmitScanRequest.fromPartial(request))),
      stuffed: (count) =>
        Buffer.concat([encode(SubmitScanRequest, SubmitScanRequest.fromPartial({ symbol: "MSFT", query: CREDIT_QUERY })), unknownFields(count)]),
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
      extreme: fc
        .record({ states: fc.array(enumValue, { maxLength: 20 }), pageSize: uint32, pageToken: nastyString })
        .map((request) => encode(ListJobsRequest, ListJobsRequest.fromPartial(request))),
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
      valid: [
        encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial({ jobId: context.jobId })),
        encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial({})),
      ],
      extreme: fc.record({ jobId }).map((request) => encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial(request))),
      stuffed: (count) => encode(WatchJobEventsRequest, WatchJobEventsRequest.fromPartial({ jobId: "j".repeat(count) })),
    },
    {
      service: "coordinator",
      method: "ScanBatch",
      path: coordinator.scanBatch.path,
      responseStream: true,
      valid: [encode(ScanBatchRequest, ScanBatchRequest.fromPartial({ symbols: ["IWM", "AAPL", "NOPE"], query: CREDIT_QUERY }))],
      extreme: fc
        .record({ symbols: fc.array(symbol, { maxLength: 120 }), query: option(scanQuery), bypassCache: fc.boolean() })
        .map((request) => encode(ScanBatchRequest, ScanBatchRequest.fromPartial(request))),
      stuffed: (count) => encode(ScanBatchRequest, ScanBatchRequest.fromPartial({ symbols: Array.from({ length: count }, () => "SPY"), query: CREDIT_QUERY })),
    },
    {
      service: "coordinator",
      method: "WatchSpreads",
      path: coordinator.watchSpreads.path,
      responseStream: true,
      valid: [encode(CoordinatorWatchSpreadsRequest, CoordinatorWatchSpreadsRequest.fromPartial({ symbol: "IWM", query: CREDIT_QUERY, minIntervalMs: 100 }))],
      extreme: fc
        .record({ symbol, query: option(scanQuery), minIntervalMs: uint32 })
        .map((request) => encode(CoordinatorWatchSpreadsRequest, CoordinatorWatchSpreadsRequest.fromPartial(request))),
      stuffed: (count) =>
        Buffer.concat([
          encode(CoordinatorWatchSpreadsRequest, CoordinatorWatchSpreadsRequest.fromPartial({ symbol: "IWM" })),
          new BinaryWriter()
            .tag(2, WireType.LengthDelimited)
            .bytes(packedEnums(1, Strategy.STRATEGY_BULL_PUT, count))
            .finish(),
        ]),
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
      valid: [
        encode(ScannerScanRequest, ScannerScanRequest.fromPartial({ symbol: "AAPL", query: CREDIT_QUERY, chain: small })),
        encode(ScannerScanRequest, ScannerScanRequest.fromPartial({ symbol: "AAPL", query: condor })),
      ],
      extreme: fc
        .record({ symbol, query: option(scanQuery), chain: option(chain) })
        .map((request) => encode(ScannerScanRequest, ScannerScanRequest.fromPartial(request))),
      // A chain of one quote repeated: every copy a duplicate contract for the engine to skip.
      stuffed: (count) =>
        encode(
          ScannerScanRequest,
          ScannerScanRequest.fromPartial({
            symbol: "AAPL",
            query: CREDIT_QUERY,
            chain: { ...small, quotes: Array.from({ length: count }, () => small.quotes[0]!) },
          }),
        ),
    },
    {
      service: "scanner",
      method: "WatchSpreads",
      path: scanner.watchSpreads.path,
      responseStream: true,
      valid: [encode(ScannerWatchSpreadsRequest, ScannerWatchSpreadsRequest.fromPartial({ symbol: "AAPL", query: CREDIT_QUERY, minIntervalMs: 100 }))],
      extreme: fc
        .record({ symbol, query: option(scanQuery), minIntervalMs: uint32 })
        .map((request) => encode(ScannerWatchSpreadsRequest, ScannerWatchSpreadsRequest.fromPartial(request))),
      stuffed: (count) => encode(ScannerWatchSpreadsRequest, ScannerWatchSpreadsRequest.fromPartial({ symbol: "A".repeat(count) })),
    },
    {
      service: "scanner",
      method: "UpdateChain",
      path: scanner.updateChain.path,
      responseStream: false,
      valid: [
        encode(UpdateChainRequest, UpdateChainRequest.fromPartial({ chain: small, mode: UpdateMode.UPDATE_MODE_REPLACE })),
        encode(
          UpdateChainRequest,
          UpdateChainRequest.fromPartial({ chain: { ...small, quotes: small.quotes.slice(0, 20) }, mode: UpdateMode.UPDATE_MODE_MERGE }),
        ),
      ],
      extreme: fc.record({ chain: option(chain), mode: enumValue }).map((request) => encode(UpdateChainRequest, UpdateChainRequest.fromPartial(request))),
      stuffed: (count) =>
        encode(
          UpdateChainRequest,
          UpdateChainRequest.fromPartial({
            chain: { ...small, symbol: "FUZZ", quotes: Array.from({ length: count }, (_, index) => ({ ...small.quotes[0]!, strike: 1 + index / 100 })) },
            mode: UpdateMode.UPDATE_MODE_REPLACE,
          }),
        ),
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

// spreadscan.scanner.v1.ScannerService over gRPC: each handler checks what only the wire can
// get wrong (symbols, presence, enum values), then hands the rest to the SpreadScanner.
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import {
  ScannerServiceService,
  ScanResponse,
  UpdateMode,
  type GetMetricsResponse,
  type ScannerServiceServer,
  type ScanRequest,
  type UpdateChainRequest,
  type UpdateChainResponse,
  type WatchSpreadsRequest,
  WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { invalidArgument, type FieldViolation } from "../common/errors.js";
import { serverStreamHandler, unaryHandler, type HandlerOptions, type StreamSink } from "../common/handlers.js";
import type { ScannerMetrics } from "./scanner-metrics.js";
import type { SpreadScanner } from "./spread-scanner.js";

const SYMBOL = /^[A-Z][A-Z0-9.]{0,9}$/;
const MAX_WATCH_INTERVAL_MS = 3_600_000;
const UPDATE_MODES = new Set([UpdateMode.UPDATE_MODE_UNSPECIFIED, UpdateMode.UPDATE_MODE_REPLACE, UpdateMode.UPDATE_MODE_MERGE]);

/** The request's symbol, upper-cased; throws INVALID_ARGUMENT naming `field` when it is not a ticker. */
function tickerOf(raw: string, field = "symbol"): string {
  const symbol = raw.trim().toUpperCase();
  if (!SYMBOL.test(symbol)) {
    throw invalidArgument([{ field, description: `must be a ticker of 1 to 10 letters, digits or dots, starting with a letter; got ${JSON.stringify(raw.slice(0, 40))}` }]);
  }
  return symbol;
}

/** The symbol a chain is for: the request's, which the chain must not contradict. */
function chainSymbol(requestSymbol: string | undefined, chain: OptionChain, chainField: string): string {
  const violations: FieldViolation[] = [];
  const fromRequest = requestSymbol === undefined || requestSymbol.trim() === "" ? undefined : tickerOf(requestSymbol);
  const fromChain = chain.symbol.trim() === "" ? undefined : tickerOf(chain.symbol, `${chainField}.symbol`);
  if (fromRequest && fromChain && fromRequest !== fromChain) {
    violations.push({ field: `${chainField}.symbol`, description: `is ${fromChain}, but the request is for ${fromRequest}` });
  }
  const symbol = fromRequest ?? fromChain;
  if (!symbol) violations.push({ field: `${chainField}.symbol`, description: "must name the underlying (or the request's symbol must)" });
  if (violations.length > 0 || symbol === undefined) throw invalidArgument(violations);
  return symbol;
}

// A cached result is answered many times: its response message, and the bytes grpc-js
// sends for it, are made once per result object.
const responses = new WeakMap<ScanResult, ScanResponse>();
const encodedResponses = new WeakMap<ScanResponse, Buffer>();

function responseFor(result: ScanResult): ScanResponse {
  let response = responses.get(result);
  if (!response) {
    response = { result };
    responses.set(result, response);
  }
  return response;
}

const encodedResults = new WeakMap<ScanResult, Uint8Array>();

/** A result's wire form, made once however many watchers are sent it. */
function encodedResult(result: ScanResult): Uint8Array {
  let encoded = encodedResults.get(result);
  if (!encoded) {
    encoded = ScanResult.encode(result).finish();
    encodedResults.set(result, encoded);
  }
  return encoded;
}

/**
 * A WatchSpreadsResponse in its wire form, byte for byte what WatchSpreadsResponse.encode
 * writes, but with the result (the bulk of it, shared by every watcher of a query) spliced
 * in from its cached encoding: an embedded message is written exactly as bytes are.
 */
export function encodeWatchResponse(response: WatchSpreadsResponse): Buffer {
  const update = response.update;
  if (!update?.result) return Buffer.from(WatchSpreadsResponse.encode(response).finish());
  const writer = new BinaryWriter();
  writer.uint32(10).fork();
  if (update.sequence !== 0n) writer.uint32(8).uint64(update.sequence);
  if (update.initial) writer.uint32(16).bool(true);
  writer.uint32(26).bytes(encodedResult(update.result));
  for (const id of update.addedIds) writer.uint32(34).string(id);
  for (const id of update.removedIds) writer.uint32(42).string(id);
  writer.join();
  return Buffer.from(writer.finish());
}

/** ScannerService's definition, serializing each Scan response object once and each watch result once. */
export const scannerServiceDefinition = {
  ...ScannerServiceService,
  scan: {
    ...ScannerServiceService.scan,
    responseSerialize: (response: ScanResponse): Buffer => {
      let encoded = encodedResponses.get(response);
      if (!encoded) {
        encoded = Buffer.from(ScanResponse.encode(response).finish());
        encodedResponses.set(response, encoded);
      }
      return encoded;
    },
  },
  watchSpreads: { ...ScannerServiceService.watchSpreads, responseSerialize: encodeWatchResponse },
} as const;

export function scannerService(scanner: SpreadScanner, metrics: ScannerMetrics, options: HandlerOptions): ScannerServiceServer {
  return {
    scan: unaryHandler(
      "Scan",
      async (request: ScanRequest, context): Promise<ScanResponse> => {
        const result = request.chain
          ? await scanner.scanInline(chainSymbol(request.symbol, request.chain, "chain"), request.chain, request.query, context.signal)
          : await scanner.scanStored(tickerOf(request.symbol), request.query);
        return responseFor(result);
      },
      options,
    ),

    updateChain: unaryHandler(
      "UpdateChain",
      async (request: UpdateChainRequest): Promise<UpdateChainResponse> => {
        if (!request.chain) throw invalidArgument([{ field: "chain", description: "must be set: the chain, or for a merge the quotes to merge" }]);
        if (!UPDATE_MODES.has(request.mode)) throw invalidArgument([{ field: "mode", description: `unknown update mode ${request.mode}` }]);
        const symbol = chainSymbol(undefined, request.chain, "chain");
        const { stored, changed } = await scanner.update(symbol, request.chain, request.mode);
        return { symbol, version: stored.version, changed, quoteCount: BigInt(stored.chain.quotes.length) };
      },
      options,
    ),

    getMetrics: unaryHandler("GetMetrics", (): Promise<GetMetricsResponse> => Promise.resolve(metrics.snapshot()), options),

    watchSpreads: serverStreamHandler(
      "WatchSpreads",
      async (request: WatchSpreadsRequest, sink: StreamSink<WatchSpreadsResponse>, context) => {
        const symbol = tickerOf(request.symbol);
        if (request.minIntervalMs > MAX_WATCH_INTERVAL_MS) {
          throw invalidArgument([{ field: "min_interval_ms", description: `must be at most ${MAX_WATCH_INTERVAL_MS} milliseconds; got ${request.minIntervalMs}` }]);
        }
        await scanner.watch(symbol, request.query, request.minIntervalMs, context.signal, (update) => sink.send({ update }));
      },
      options,
    ),
  };
}

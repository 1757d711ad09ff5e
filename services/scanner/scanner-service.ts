// spreadscan.scanner.v1.ScannerService over gRPC: each handler checks what only the wire can
// get wrong (symbols, presence, enum values), then hands the rest to the SpreadScanner.
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import {
  ScannerServiceService,
  ScanResponse,
  UpdateMode,
  type GetMetricsResponse,
  type ScannerServiceServer,
  ScanRequest,
  UpdateChainRequest,
  type UpdateChainResponse,
  type WatchSpreadsRequest,
  WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { invalidArgument, type FieldViolation } from "../common/errors.js";
import { tickerOf } from "../common/ticker.js";
import { serverStreamHandler, unaryHandler, type HandlerOptions, type StreamSink } from "../common/handlers.js";
import { encodedScanResult } from "./encoded-results.js";
import type { ScannerMetrics } from "./scanner-metrics.js";
import type { SpreadScanner } from "./spread-scanner.js";
import { FIELDS, scanResponseBytes, sentChainBytes, watchResponseBytes } from "./wire.js";

const MAX_WATCH_INTERVAL_MS = 3_600_000;
const UPDATE_MODES = new Set([UpdateMode.UPDATE_MODE_UNSPECIFIED, UpdateMode.UPDATE_MODE_REPLACE, UpdateMode.UPDATE_MODE_MERGE]);

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
// sends for it, are made once per result object, from the bytes the result came in.
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

/** A ScanResponse in its wire form, made once per response object. */
export function encodeScanResponse(response: ScanResponse): Buffer {
  let encoded = encodedResponses.get(response);
  if (!encoded) {
    encoded = response.result ? scanResponseBytes(encodedScanResult(response.result)) : Buffer.from(ScanResponse.encode(response).finish());
    encodedResponses.set(response, encoded);
  }
  return encoded;
}

/** A WatchSpreadsResponse in its wire form, its result's bytes copied in rather than encoded again. */
export function encodeWatchResponse(response: WatchSpreadsResponse): Buffer {
  const update = response.update;
  return update?.result ? watchResponseBytes(update, encodedScanResult(update.result)) : Buffer.from(WatchSpreadsResponse.encode(response).finish());
}

// The chain of each UpdateChainRequest as it arrived: repeats are told by these bytes, so
// that a stored chain is never encoded again just to compare it.
const sentChains = new WeakMap<UpdateChainRequest, Uint8Array>();

/** Decodes an UpdateChainRequest, keeping the bytes of its chain when it came in one piece. */
export function decodeUpdateChainRequest(bytes: Buffer): UpdateChainRequest {
  const request = UpdateChainRequest.decode(bytes);
  const chain = sentChainBytes(bytes);
  if (chain) sentChains.set(request, chain);
  return request;
}

// The chain of each ScanRequest as it arrived: an inline scan sends these bytes to the pool's
// thread rather than encoding the decoded chain again on the main thread, which every inline
// scan would otherwise wait for in turn (a 2 MB chain takes 30 to 100 ms to encode).
const scannedChains = new WeakMap<ScanRequest, Uint8Array>();

/** Decodes a ScanRequest, keeping the bytes of its chain when it came in one piece. */
export function decodeScanRequest(bytes: Buffer): ScanRequest {
  const request = ScanRequest.decode(bytes);
  const chain = request.chain ? sentChainBytes(bytes, FIELDS.scanRequestChain) : undefined;
  if (chain) scannedChains.set(request, chain);
  return request;
}

/** The chain bytes `decodeScanRequest` kept for `request`, if any. */
export const scannedChainBytes = (request: ScanRequest): Uint8Array | undefined => scannedChains.get(request);

/** ScannerService's definition, sending each result's bytes as they came from the worker. */
export const scannerServiceDefinition = {
  ...ScannerServiceService,
  updateChain: { ...ScannerServiceService.updateChain, requestDeserialize: decodeUpdateChainRequest },
  scan: { ...ScannerServiceService.scan, requestDeserialize: decodeScanRequest, responseSerialize: encodeScanResponse },
  watchSpreads: { ...ScannerServiceService.watchSpreads, responseSerialize: encodeWatchResponse },
} as const;

export function scannerService(scanner: SpreadScanner, metrics: ScannerMetrics, options: HandlerOptions): ScannerServiceServer {
  return {
    scan: unaryHandler(
      "Scan",
      async (request: ScanRequest, context): Promise<ScanResponse> => {
        const result = request.chain
          ? await scanner.scanInline(
              chainSymbol(request.symbol, request.chain, "chain"),
              request.chain,
              request.query,
              context.signal,
              scannedChains.get(request),
            )
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
        const { stored, changed } = await scanner.update(symbol, request.chain, request.mode, sentChains.get(request));
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
          throw invalidArgument([
            { field: "min_interval_ms", description: `must be at most ${MAX_WATCH_INTERVAL_MS} milliseconds; got ${request.minIntervalMs}` },
          ]);
        }
        await scanner.watch(symbol, request.query, request.minIntervalMs, context.signal, (update) => sink.send({ update }));
      },
      options,
    ),
  };
}

// spreadscan.scanner.v1.ScannerService over gRPC: each handler checks what only the wire can
// get wrong (symbols, presence, enum values), then hands the rest to the SpreadScanner.
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import {
  ScannerServiceService,
  ScanResponse,
  UpdateMode,
  type GetMetricsResponse,
  type ScannerServiceServer,
  type ScanRequest,
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

/** An embedded message field's tag and length: what goes before its bytes. */
function fieldHead(writer: BinaryWriter, field: number, length: number): BinaryWriter {
  return writer.uint32((field << 3) | 2).uint32(length);
}

/** A ScanResponse in its wire form: byte for byte ScanResponse.encode, with the result spliced in. */
export function encodeScanResponse(response: ScanResponse): Buffer {
  let encoded = encodedResponses.get(response);
  if (!encoded) {
    if (response.result) {
      const result = encodedScanResult(response.result);
      encoded = Buffer.concat([fieldHead(new BinaryWriter(), 1, result.length).finish(), result]);
    } else {
      encoded = Buffer.from(ScanResponse.encode(response).finish());
    }
    encodedResponses.set(response, encoded);
  }
  return encoded;
}

const varintLength = (value: number | bigint): number => {
  let length = 1;
  for (let rest = BigInt(value) >> 7n; rest > 0n; rest >>= 7n) length++;
  return length;
};

/** Writes `value` as a base-128 varint at `offset`; returns the offset after it. */
function writeVarint(buffer: Buffer, offset: number, value: number | bigint): number {
  let rest = BigInt(value);
  while (rest >= 0x80n) {
    buffer[offset++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  buffer[offset++] = Number(rest);
  return offset;
}

/**
 * A WatchSpreadsResponse in its wire form, byte for byte what WatchSpreadsResponse.encode
 * writes, but with the result (the bulk of it, shared by every watcher of a query) copied in
 * from its wire form: an embedded message is written exactly as bytes are. One buffer per
 * message, since every watcher gets one for every change.
 */
export function encodeWatchResponse(response: WatchSpreadsResponse): Buffer {
  const update = response.update;
  if (!update?.result) return Buffer.from(WatchSpreadsResponse.encode(response).finish());
  const result = encodedScanResult(update.result);
  const ids = [...update.addedIds.map((id) => ({ tag: 34, id })), ...update.removedIds.map((id) => ({ tag: 42, id }))];
  const idLengths = ids.map(({ id }) => Buffer.byteLength(id));
  let updateLength = (update.sequence !== 0n ? 1 + varintLength(update.sequence) : 0) + (update.initial ? 2 : 0) + 1 + varintLength(result.length) + result.length;
  for (const length of idLengths) updateLength += 1 + varintLength(length) + length;
  const message = Buffer.allocUnsafe(1 + varintLength(updateLength) + updateLength);
  message[0] = 10;
  let offset = writeVarint(message, 1, updateLength);
  if (update.sequence !== 0n) {
    message[offset++] = 8;
    offset = writeVarint(message, offset, update.sequence);
  }
  if (update.initial) {
    message[offset++] = 16;
    message[offset++] = 1;
  }
  message[offset++] = 26;
  offset = writeVarint(message, offset, result.length);
  message.set(result, offset);
  offset += result.length;
  ids.forEach(({ tag, id }, index) => {
    message[offset++] = tag;
    offset = writeVarint(message, offset, idLengths[index] ?? 0);
    offset += message.write(id, offset, "utf8");
  });
  return message;
}

// The chain of each UpdateChainRequest as it arrived: repeats are told by these bytes, so
// that a stored chain is never encoded again just to compare it.
const sentChains = new WeakMap<UpdateChainRequest, Uint8Array>();

/** Decodes an UpdateChainRequest, keeping the bytes of its chain when it came in one piece. */
export function decodeUpdateChainRequest(bytes: Buffer): UpdateChainRequest {
  const request = UpdateChainRequest.decode(bytes);
  const reader = new BinaryReader(bytes);
  const chains: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) chains.push(reader.bytes());
    else reader.skip(wireType, field);
  }
  // A chain sent in several pieces is merged by the decoder; its pieces are not its bytes.
  if (chains.length === 1 && chains[0]) sentChains.set(request, chains[0]);
  return request;
}

/** ScannerService's definition, sending each result's bytes as they came from the worker. */
export const scannerServiceDefinition = {
  ...ScannerServiceService,
  updateChain: { ...ScannerServiceService.updateChain, requestDeserialize: decodeUpdateChainRequest },
  scan: { ...ScannerServiceService.scan, responseSerialize: encodeScanResponse },
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
          throw invalidArgument([{ field: "min_interval_ms", description: `must be at most ${MAX_WATCH_INTERVAL_MS} milliseconds; got ${request.minIntervalMs}` }]);
        }
        await scanner.watch(symbol, request.query, request.minIntervalMs, context.signal, (update) => sink.send({ update }));
      },
      options,
    ),
  };
}

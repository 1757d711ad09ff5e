// The servers bench/bootstrap-overhead.ts compares: a bare grpc-js server, and the bootstrap's
// GrpcServer with every layer on (as a service builds it), both answering one fixed Scan
// response; the last one's handler reads its signal, as a handler that waits on anything does.
import { Server, ServerCredentials, type handleUnaryCall } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { unimplemented } from "../../services/common/errors.js";
import { GrpcServer } from "../../services/common/grpc-server.js";
import { unaryHandler, type CallContext } from "../../services/common/handlers.js";
import { createLogger } from "../../services/common/logger.js";
import { ScannerServiceService, ScanRequest, type ScanResponse, type ScannerServiceServer } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { GENEROUS_LIMITS } from "./production-layers.js";

export const OVERHEAD_SERVERS = {
  bare: "bare grpc-js server",
  bootstrap: "bootstrap, every layer on",
  "bootstrap-signal": "bootstrap, every layer on, the handler reading its signal",
} as const;
export type OverheadServerKind = keyof typeof OVERHEAD_SERVERS;

export const REQUEST = ScanRequest.fromPartial({ symbol: "SPY" });
const RESPONSE: ScanResponse = {
  result: {
    symbol: "SPY",
    spreads: [],
    expiryDistributions: [],
    candidatesEvaluated: 123_456n,
    candidatesPassed: 42n,
    candidatesConsidered: 123_456n,
    candidatesRejectedByLegFilters: 100_000n,
    candidatesRejectedBySpreadFilters: 23_414n,
    rejectionsByFilter: [],
    candidatesRankedOut: 0n,
    candidatesFullyEvaluated: 42n,
    candidatesBoundedOut: 0n,
    workBudgetExhausted: false,
    candidatesUnexplored: 0n,
    skippedQuotes: [],
    quotesWithComputedGreeks: 0n,
    chainAsOf: new Date("2026-11-20T21:00:00Z"),
    chainVersion: 7n,
    underlyingPrice: 600,
    rate: 0,
    dividendYield: 0,
    delayed: false,
    frozen: false,
  },
};
const notServed = (): never => {
  throw unimplemented("not part of this benchmark");
};

export interface OverheadServer {
  readonly port: number;
  /** Stops the server and writes out the lines its logger holds. */
  close(): Promise<void>;
}

async function bareServer(): Promise<OverheadServer> {
  const server = new Server();
  const scan: handleUnaryCall<ScanRequest, ScanResponse> = (_call, callback) => callback(null, RESPONSE);
  server.addService(ScannerServiceService, { scan, watchSpreads: notServed, updateChain: notServed, getMetrics: notServed });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    close: () => {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}

async function bootstrapServer(logFd: number, handle: (request: ScanRequest, context: CallContext) => Promise<ScanResponse>): Promise<OverheadServer> {
  const logger = createLogger({ service: "bench", level: "info", format: "json", fd: logFd });
  const server = new GrpcServer({
    logger,
    registry: new Registry(),
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    keepaliveTimeMs: 30_000,
    keepaliveTimeoutMs: 10_000,
    limits: GENEROUS_LIMITS,
  });
  const implementation: ScannerServiceServer = {
    scan: unaryHandler("Scan", handle, { logger, requestTimeoutMs: 30_000 }),
    watchSpreads: notServed,
    updateChain: notServed,
    getMetrics: notServed,
  };
  server.addService(ScannerServiceService, implementation);
  const port = await server.listen("127.0.0.1", 0);
  server.setServing(true);
  return {
    port,
    async close() {
      await server.shutdown(0);
      logger.flush();
    },
  };
}

/** Starts a server of `kind` on a loopback port; the bootstrap's log to `logFd`. */
export function startOverheadServer(kind: OverheadServerKind, logFd: number): Promise<OverheadServer> {
  switch (kind) {
    case "bare":
      return bareServer();
    case "bootstrap":
      return bootstrapServer(logFd, () => Promise.resolve(RESPONSE));
    case "bootstrap-signal":
      return bootstrapServer(logFd, (_request, context) => {
        context.signal.throwIfAborted();
        return Promise.resolve(RESPONSE);
      });
  }
}

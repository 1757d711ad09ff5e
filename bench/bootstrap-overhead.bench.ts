// What the bootstrap costs per call: the same unary handler served by a bare grpc-js server
// and by the bootstrap's server (call observer interceptor, handler wrapper with time limit
// and error mapping), each called sequentially over loopback by a generated client.
import { credentials, Server, ServerCredentials, type handleUnaryCall } from "@grpc/grpc-js";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { GrpcServer } from "../services/common/grpc-server.js";
import { unaryHandler } from "../services/common/handlers.js";
import {
  ScannerServiceClient,
  ScannerServiceService,
  ScanRequest,
  type ScanResponse,
  type ScannerServiceServer,
} from "../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { unimplemented } from "../services/common/errors.js";

const RESPONSE: ScanResponse = {
  result: {
    symbol: "SPY",
    spreads: [],
    candidatesEvaluated: 123_456n,
    candidatesPassed: 42n,
    candidatesConsidered: 123_456n,
    candidatesRejectedByLegFilters: 100_000n,
    candidatesRejectedBySpreadFilters: 23_414n,
    candidatesRankedOut: 0n,
    candidatesFullyEvaluated: 42n,
    expiryDistributions: [],
    skippedQuotes: [],
    quotesWithComputedGreeks: 0n,
    chainAsOf: new Date("2026-11-20T21:00:00Z"),
    chainVersion: 7n,
    underlyingPrice: 600,
    delayed: false,
  },
};
const REQUEST = ScanRequest.fromPartial({ symbol: "SPY" });
const notServed = (): never => {
  throw unimplemented("not part of this benchmark");
};

let bareServer: Server;
let bootstrapServer: GrpcServer;
let bareClient: ScannerServiceClient;
let bootstrapClient: ScannerServiceClient;

function call(client: ScannerServiceClient): Promise<ScanResponse> {
  return new Promise((resolve, reject) => {
    client.scan(REQUEST, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

beforeAll(async () => {
  bareServer = new Server();
  const bareScan: handleUnaryCall<ScanRequest, ScanResponse> = (_call, callback) => callback(null, RESPONSE);
  bareServer.addService(ScannerServiceService, {
    scan: bareScan,
    watchSpreads: notServed,
    updateChain: notServed,
    getMetrics: notServed,
  });
  const barePort = await new Promise<number>((resolve, reject) =>
    bareServer.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );

  const logger = pino({ level: "silent" });
  bootstrapServer = new GrpcServer({
    logger,
    registry: new Registry(),
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    keepaliveTimeMs: 30_000,
    keepaliveTimeoutMs: 10_000,
  });
  const options = { logger, requestTimeoutMs: 30_000 };
  const implementation: ScannerServiceServer = {
    scan: unaryHandler("Scan", () => Promise.resolve(RESPONSE), options),
    watchSpreads: notServed,
    updateChain: notServed,
    getMetrics: notServed,
  };
  bootstrapServer.addService(ScannerServiceService, implementation);
  const bootstrapPort = await bootstrapServer.listen("127.0.0.1", 0);

  bareClient = new ScannerServiceClient(`127.0.0.1:${barePort}`, credentials.createInsecure());
  bootstrapClient = new ScannerServiceClient(`127.0.0.1:${bootstrapPort}`, credentials.createInsecure());
  await Promise.all([call(bareClient), call(bootstrapClient)]);
});

afterAll(async () => {
  bareClient.close();
  bootstrapClient.close();
  bareServer.forceShutdown();
  await bootstrapServer.shutdown(0);
});

describe("unary call round trip over loopback", () => {
  bench("bare grpc-js server", () => call(bareClient).then(() => undefined), { time: 3_000 });
  bench("bootstrap server (observer + handler wrapper)", () => call(bootstrapClient).then(() => undefined), { time: 3_000 });
});

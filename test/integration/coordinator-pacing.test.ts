// The coordinator's shared pacing of market data requests under the adaptive strategy, read
// through GetMetrics: only failures of the market data provider itself lower the rate, never
// a caller's scans of a symbol the market does not know. The coordinator is assembled in this
// process (on the simulated market, whose fault switch a process does not expose) and called
// over loopback by the generated client; the scanner is a real one too.
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, GetMetricsRequest, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { startInProcessCoordinator, type InProcessCoordinator } from "../faults/support/in-process-coordinator.js";
import { callUnary, failureOf } from "../support/echo-server.js";
import { startInProcessScanner, type InProcessScanner } from "../support/in-process-scanner.js";

const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 30, maxWidth: 5 }, limit: 3 });

let scanner: InProcessScanner;
let coordinator: InProcessCoordinator;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  scanner = await startInProcessScanner();
  coordinator = await startInProcessCoordinator({
    SCANNER_ADDR: `127.0.0.1:${scanner.port}`,
    BACKPRESSURE_STRATEGY: "adaptive",
    REQUESTS_PER_SECOND: "10",
    BURST_SIZE: "20",
    SCANNER_MAX_RETRIES: "0",
    LOG_LEVEL: "warn",
  });
  client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await coordinator.close();
  await scanner.close();
});

async function adaptiveRate(): Promise<number | undefined> {
  const { response } = await callUnary(client.getMetrics.bind(client), GetMetricsRequest.fromPartial({}));
  return response?.backpressure?.adaptiveRate;
}

const scan = (symbol: string) => callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query: QUERY, bypassCache: true }));

describe("the adaptive rate of market data requests", () => {
  it("stays where it was after twenty scans of a symbol the market does not know", async () => {
    expect((await scan("SPY")).error).toBeUndefined();
    const before = await adaptiveRate();
    expect(before).toBe(10);
    for (let call = 0; call < 20; call++) failureOf(await scan("ZZZZ"), status.NOT_FOUND);
    expect(await adaptiveRate()).toBe(before);
  });

  it("drops when the market itself fails", async () => {
    const before = (await adaptiveRate()) ?? 0;
    coordinator.market.setAvailable(false);
    try {
      failureOf(await scan("SPY"), status.UNAVAILABLE);
    } finally {
      coordinator.market.setAvailable(true);
    }
    expect(await adaptiveRate()).toBe(before / 2);
  });
});

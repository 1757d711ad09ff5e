// Issue 16's "done when" for a closed market, end to end: the coordinator process with
// MARKET_DATA=ibkr, the scanner process, and the fake TWS with its market closed. A scan answers
// spreads marked frozen (the close's quotes, via frozen market data), never an empty OK result.
import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary } from "../support/echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { FakeTws } from "../fixtures/fake-tws/index.js";

/** Bull puts with short deltas 0.20–0.30 and $1 wings, 20 to 35 days out. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});

let fake: FakeTws;
let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let client: CoordinatorServiceClient;

beforeAll(async () => {
  fake = await FakeTws.start({ seed: 5, marketClosed: true });
  scanner = spawnService("services/scanner/main.ts", freePorts("SCANNER"));
  const scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    MARKET_DATA: "ibkr",
    IB_HOST: "127.0.0.1",
    IB_PORT: String(fake.port),
    IB_CLIENT_ID: "4",
    SCAN_CACHE_TTL: "0",
    STALE_RESULT_MAX_AGE: "0",
  });
  const listening = await coordinator.waitForLog((line) => line.msg === "listening");
  client = new CoordinatorServiceClient(`127.0.0.1:${listening.grpcPort as number}`, credentials.createInsecure());
  await coordinator.waitForLog((line) => line.msg === "coordinator ready");
});

afterAll(async () => {
  client.close();
  coordinator.kill();
  scanner.kill();
  await fake.close();
});

describe("a scan while the market is closed", () => {
  it("answers spreads marked frozen, priced from the close's quotes", async () => {
    const scanned = await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }), { deadlineMs: 60_000 });
    expect(scanned.error).toBeUndefined();
    const result = scanned.response?.result;
    expect(result?.frozen).toBe(true);
    expect(result?.spreads.length).toBe(5);
    for (const spread of result?.spreads ?? []) {
      expect(spread.netCredit).toBeGreaterThan(0);
      for (const leg of spread.legs) {
        expect(leg.bid).toBeGreaterThan(0);
        expect(leg.bid).toBeLessThanOrEqual(leg.ask);
      }
    }
    expect(fake.stats.error100).toBe(0);
  });
});

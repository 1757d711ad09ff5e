// CACHE_TTL: a stored chain expires after the TTL without an update, and Scan then answers
// NOT_FOUND for its symbol; every update, a repeat of the stored chain included, keeps it
// for another TTL. The store reads the time from Date (node-cache does), so the test fakes
// Date alone and moves it; the server, its timers and its worker threads run as ever.
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, ScanRequest, UpdateChainRequest, UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { callUnary } from "../support/echo-server.js";
import { startInProcessScanner, type InProcessScanner } from "../support/in-process-scanner.js";

const TTL_MS = 60_000;
const START = new Date("2026-11-20T15:00:00Z");
const chainAt = (spot: number) => generateSyntheticChain({ symbol: "IWM", spot, seed: 7, asOf: START });
const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 20, maxDte: 45, maxWidth: 5 }, limit: 5 });

let service: InProcessScanner;
let client: ScannerServiceClient;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"], now: START });
  service = await startInProcessScanner({ cacheTtlMs: TTL_MS });
  client = new ScannerServiceClient(`127.0.0.1:${service.port}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });
});

afterAll(async () => {
  client.close();
  await service.close();
  vi.useRealTimers();
});

const at = (msAfterStart: number): void => {
  vi.setSystemTime(START.getTime() + msAfterStart);
};
const update = (spot: number) =>
  callUnary(client.updateChain.bind(client), UpdateChainRequest.fromPartial({ chain: chainAt(spot), mode: UpdateMode.UPDATE_MODE_REPLACE }));
const scan = () => callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "IWM", query: QUERY }));

describe("a stored chain", () => {
  it("expires CACHE_TTL after its last update, a repeat included, and is then NOT_FOUND", async () => {
    at(0);
    expect((await update(230)).response).toMatchObject({ version: 1n, changed: true });
    // Kept to the end of the TTL.
    at(TTL_MS);
    expect((await scan()).response?.result?.chainVersion).toBe(1n);

    // A new chain at that moment keeps the symbol for another TTL from now.
    expect((await update(232)).response).toMatchObject({ version: 2n, changed: true });
    // And so does a repeat of it, which changes nothing else: had the TTL not been renewed by
    // the update before, the chain would be gone by now and this would store a new version.
    at(TTL_MS + 50_000);
    expect((await update(232)).response).toMatchObject({ version: 2n, changed: false });

    at(TTL_MS + 50_000 + TTL_MS);
    expect((await scan()).response?.result?.chainVersion).toBe(2n);
    at(TTL_MS + 50_000 + TTL_MS + 1);
    const { error } = await scan();
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toMatch(/no chain is stored for IWM/);
    expect(service.store.size).toBe(0);

    // A chain sent after it expired is stored again under a version never used before.
    expect((await update(232)).response).toMatchObject({ version: 3n, changed: true });
    expect((await scan()).response?.result?.chainVersion).toBe(3n);
  });
});

// The coordinator on SIGTERM, with a scanner process behind it (test/support/coordinator-pair.ts):
// live watches end with UNAVAILABLE, a scan in flight still finishes, the process exits 0.
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ScanRequest, WatchSpreadsRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { metricsJson, QUERY, startPair } from "../support/coordinator-pair.js";
import { callUnary } from "../support/echo-server.js";

describe("the coordinator on SIGTERM", () => {
  it("ends live watches with UNAVAILABLE, finishes a scan in flight, and exits 0", async () => {
    // Market data paced to one request a second: after the first scan, the next one waits
    // about a second for its turn, long enough to be in flight when SIGTERM comes.
    const pair = await startPair({ REQUESTS_PER_SECOND: "1", BURST_SIZE: "1" });
    try {
      const { client } = pair;
      expect((await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }))).error).toBeUndefined();
      const watch = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY, minIntervalMs: 1 }));
      await new Promise((resolve) => watch.once("data", resolve));
      const ended = new Promise<{ code: number; details: string }>((resolve) => watch.on("error", resolve));
      const inFlight = callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: "TSLA", query: QUERY }));
      await expect.poll(async () => (await metricsJson(pair)).active_jobs).toBe(1);
      pair.coordinator.child.kill("SIGTERM");
      const error = await ended;
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(error.details).toContain("shutting down");
      const scanned = await inFlight;
      expect(scanned.error).toBeUndefined();
      expect(scanned.response?.result?.symbol).toBe("TSLA");
      expect(await pair.coordinator.exited).toEqual({ code: 0, signal: null });
    } finally {
      pair.close();
    }
  });
});

// The pool's warm-up (services/scanner/warm-up.ts, what the scanner runs before it listens):
// every thread scans once, however fast the first finishes, and a chain or query the engine
// refuses fails the warm-up rather than passing unnoticed.
import { availableParallelism } from "node:os";
import { status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { RpcError } from "../../../services/common/errors.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { ScanPool } from "../../../services/scanner/scan-pool.js";
import { warmUpPool } from "../../../services/scanner/warm-up.js";

const pools: ScanPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

function pool(maxConcurrentScans: number): ScanPool {
  const made = new ScanPool({ maxConcurrentScans, maxQueuedScans: 0, retryAfterMs: 1000 });
  pools.push(made);
  return made;
}

describe("warming up the scan pool", () => {
  it("scans once on every thread", async () => {
    const { threads, quotes } = await warmUpPool(pool(2));
    expect(threads).toBe(Math.min(2, availableParallelism()));
    expect(quotes).toBeGreaterThan(0);
  });

  it("fails on a query the engine refuses, with its violations", async () => {
    const chain = OptionChain.encode(generateSyntheticChain({ symbol: "IWM", seed: 3, asOf: new Date("2026-11-20T15:00:00Z") })).finish();
    const refused = await pool(1)
      .warmUp(chain, [ScanQuery.fromPartial({ filters: { minDte: 40, maxDte: 30 } })])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).code).toBe(status.INVALID_ARGUMENT);
  });
});

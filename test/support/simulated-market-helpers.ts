// What the simulated market's tests share: a clock that stands still, a digest to compare
// chains by their wire bytes, sample statistics, and the gRPC code of a rejection.
import { createHash } from "node:crypto";
import type { status as GrpcStatus } from "@grpc/grpc-js";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { RpcError } from "../../services/common/errors.js";
import { SimulatedMarket } from "../../services/coordinator/market/simulated-market.js";

export const START = new Date("2025-06-02T14:30:00Z"); // a Monday, 10:30 in New York
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const YEAR_MS = 365 * DAY;
export const SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"];

/** A market whose clock stands still at `at`, so only explicit ticks move it. */
export function stillMarket(seed: number, tickIntervalMs = MINUTE, at = START): SimulatedMarket {
  return new SimulatedMarket({ seed, tickIntervalMs, now: () => new Date(at) });
}

/** A digest of the chain's wire bytes: equal digests, byte-identical chains (and cheap to compare). */
export function bytesOf(chain: OptionChain): string {
  return createHash("sha256").update(OptionChain.encode(chain).finish()).digest("hex");
}

export function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

export function rpcCodeOf(error: unknown): GrpcStatus | undefined {
  return error instanceof RpcError ? error.code : undefined;
}

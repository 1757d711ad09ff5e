import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { OptionChain, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { closedMarketError } from "../../../services/coordinator/market/ibkr/closed-market.js";

const quote = (bid: number, ask: number, last = 1.25) => ({ expiryDate: "2026-04-10", strike: 560, right: OptionRight.OPTION_RIGHT_PUT, bid, ask, last });

describe("closedMarketError", () => {
  it("fails FAILED_PRECONDITION naming the closed market when no contract has a bid or an ask", () => {
    const chain = OptionChain.fromPartial({ symbol: "SPY", quotes: [quote(0, 0), quote(0, 0, 0.4)] });
    const error = closedMarketError(chain);
    expect(error?.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error?.message).toContain("SPY");
    expect(error?.message).toMatch(/closed/);
    expect(error?.message).toContain("2 option contracts");
  });

  it("lets a chain with one quote on either side through", () => {
    expect(closedMarketError(OptionChain.fromPartial({ symbol: "SPY", quotes: [quote(0, 0), quote(0, 0.05)] }))).toBeUndefined();
    expect(closedMarketError(OptionChain.fromPartial({ symbol: "SPY", quotes: [quote(1.1, 1.2)] }))).toBeUndefined();
  });

  it("leaves an empty chain alone (nothing was quoted at all: another failure's to report)", () => {
    expect(closedMarketError(OptionChain.fromPartial({ symbol: "SPY", quotes: [] }))).toBeUndefined();
  });
});

import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { RpcError } from "../../../services/common/errors.js";
import type { OptionParameters } from "../../../services/coordinator/market/ibkr/ib-connection.js";
import { classesByExpiry, nonStandardReason, standardClasses } from "../../../services/coordinator/market/ibkr/option-classes.js";

const line = (exchange: string, tradingClass: string, expirations: string[], multiplier = "100", strikes = [100, 105, 110]): OptionParameters => ({
  exchange,
  underlyingConId: 1,
  tradingClass,
  multiplier,
  expirations,
  strikes,
});

describe("standardClasses", () => {
  it("keeps the standard class on SMART of every line TWS lists, whatever their order", () => {
    const spy = line("SMART", "SPY", ["20260410", "20260417"]);
    const lines = [
      line("CBOE", "2SPY", ["20260417"], "100", [99.63]),
      line("CBOE", "SPY", ["20260410", "20260417"]),
      line("SMART", "2SPY", ["20260417", "20260424"], "100", [99.63]),
      spy,
      line("SMART", "SPY", ["20260410"], "10"),
    ];
    expect(standardClasses("SPY", lines)).toEqual([spy]);
  });

  it("keeps an index's standard classes: SPX monthlies and SPXW weeklies", () => {
    const spx = line("SMART", "SPX", ["20260417"]);
    const spxw = line("SMART", "SPXW", ["20260410", "20260417"]);
    expect(standardClasses("SPX", [spx, spxw])).toEqual([spx, spxw]);
  });

  it("answers NOT_FOUND naming what TWS listed when no line is standard on SMART", () => {
    const result = standardClasses("SPY", [line("SMART", "2SPY", ["20260417"]), line("CBOE", "SPY", ["20260417"])]);
    expect(result).toBeInstanceOf(RpcError);
    const error = result as RpcError;
    expect(error.code).toBe(GrpcStatus.NOT_FOUND);
    expect(error.message).toContain("2SPY on SMART (an adjusted class)");
    expect(error.message).toContain("SPY on CBOE (exchange CBOE, not SMART)");
  });

  it("says why a line is not standard; a multiplier the library decoded as a number counts too", () => {
    expect(nonStandardReason(line("SMART", "SPY", ["20260417"], ""))).toBeUndefined();
    expect(nonStandardReason({ ...line("SMART", "SPY", ["20260417"]), multiplier: 100 as unknown as string })).toBeUndefined();
    expect(nonStandardReason(line("SMART", "XSP", ["20260417"], "10"))).toBe("multiplier 10, not 100");
    expect(nonStandardReason(line("SMART", "SPY", []))).toBe("no expirations or strikes");
  });
});

describe("classesByExpiry", () => {
  it("takes each expiration from the class named like the symbol first, then the others", () => {
    const { classOf, strikesOf } = classesByExpiry("SPX", [line("SMART", "SPXW", ["20260410", "20260417"], "100", [1, 2]), line("SMART", "SPX", ["20260417"])]);
    expect(classOf.get("2026-04-17")?.tradingClass).toBe("SPX");
    expect(classOf.get("2026-04-10")?.tradingClass).toBe("SPXW");
    expect(strikesOf.get("2026-04-10")).toEqual([1, 2]);
    expect(classOf.get("2026-04-17")?.multiplier).toBe(100);
  });
});

// IBKR's message codes and what the provider does with each: the table docs/ibkr.md documents (its error codes section).
import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { RpcError } from "../../../services/common/errors.js";
import {
  IbCode,
  competingSession,
  connectionNotice,
  connectivityLost,
  notConnected,
  requestErrorAction,
  subscriptionMissing,
  symbolNotFound,
} from "../../../services/coordinator/market/ibkr/ib-errors.js";

describe("requestErrorAction", () => {
  it.each([
    [200, "no-definition"],
    [354, "not-subscribed"],
    [10089, "not-subscribed"],
    [10091, "not-subscribed"],
    [10168, "not-subscribed"],
    [10186, "not-subscribed"],
    [10167, "delayed"],
    [100, "resend"],
    [101, "requeue"],
    [10197, "competing-session"],
    [10090, "ignore"],
    [300, "ignore"],
    [2104, "ignore"],
    [2158, "ignore"],
    [322, "fail"],
    [321, "fail"],
    [504, "fail"],
    // Advisory: TWS follows these with data.
    [10276, "ignore"],
    [2119, "ignore"],
    [162, "ignore"],
    [399, "ignore"],
  ])("code %i → %s", (code, kind) => {
    expect(requestErrorAction(code).kind).toBe(kind);
  });
});

describe("connectionNotice", () => {
  it.each([
    [1100, "connectivity-lost"],
    [1101, "restored-data-lost"],
    [1102, "restored"],
    [10197, "competing-session"],
    [326, "client-id-in-use"],
    [100, "rate-exceeded"],
    [2104, "other"],
    [2106, "other"],
  ])("code %i → %s", (code, notice) => {
    expect(connectionNotice(code)).toBe(notice);
  });

  it("names the codes it knows", () => {
    expect(IbCode.CONNECTIVITY_LOST).toBe(1100);
    expect(IbCode.COMPETING_SESSION).toBe(10197);
  });
});

describe("the errors callers see", () => {
  it("NOT_FOUND names the symbol", () => {
    const error = symbolNotFound("ZZZZ");
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe(GrpcStatus.NOT_FOUND);
    expect(error.message).toContain('"ZZZZ"');
  });

  it("FAILED_PRECONDITION says which subscription is missing", () => {
    const option = subscriptionMissing("SPY", "option", "error 354: Requested market data is not subscribed");
    expect(option.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(option.message).toContain("OPRA");
    expect(option.message).toContain("SPY");
    expect(subscriptionMissing("SPY", "stock", "354").message).toMatch(/US stocks/);
  });

  it("connectivity, competing sessions and a lost socket are UNAVAILABLE with a retry delay", () => {
    for (const error of [
      connectivityLost(),
      competingSession("Trading TWS session is connected from a different IP address"),
      notConnected("127.0.0.1", 7497),
    ]) {
      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(error.details.retryDelayMs).toBeGreaterThan(0);
    }
    expect(competingSession("why").message).toContain("why");
    expect(connectivityLost().message).toContain("1100");
  });
});

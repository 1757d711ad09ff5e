import { Metadata, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { invalidArgument, notFound, resourceExhausted, unavailable } from "../../services/common/errors.js";
import { readStatusDetails, rpcErrorToStatus, STATUS_DETAILS_KEY } from "../../services/common/status-details.js";
import { BadRequest, RetryInfo } from "../../gen/ts/google/rpc/error_details.js";
import { Status } from "../../gen/ts/google/rpc/status.js";

function onlyDetail(raw: Buffer): { typeUrl: string; value: Buffer } {
  const { details } = Status.decode(raw);
  expect(details).toHaveLength(1);
  const [detail] = details;
  if (!detail) throw new Error("no detail");
  return detail;
}

describe("google.rpc status details", () => {
  it("encode field violations as a google.rpc.Status holding a BadRequest", () => {
    const violations = [
      { field: "query.filters.min_pop", description: "must be from 0 to 1" },
      { field: "symbol", description: "must not be empty" },
    ];
    const { code, details, metadata } = rpcErrorToStatus(invalidArgument(violations));
    expect(code).toBe(status.INVALID_ARGUMENT);
    expect(details).toBe("invalid request: query.filters.min_pop: must be from 0 to 1; symbol: must not be empty");
    const raw = metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
    expect(Status.decode(raw).code).toBe(status.INVALID_ARGUMENT);
    const detail = onlyDetail(raw);
    expect(detail.typeUrl).toBe("type.googleapis.com/google.rpc.BadRequest");
    const badRequest = BadRequest.decode(detail.value);
    expect(badRequest.fieldViolations.map(({ field, description }) => ({ field, description }))).toEqual(violations);
    expect(readStatusDetails({ metadata }).fieldViolations).toEqual(violations);
  });

  it("encode a retry delay as google.rpc.RetryInfo, to the millisecond", () => {
    const { metadata } = rpcErrorToStatus(resourceExhausted("queue full", 2_250));
    const detail = onlyDetail(metadata.get(STATUS_DETAILS_KEY)[0] as Buffer);
    expect(detail.typeUrl).toBe("type.googleapis.com/google.rpc.RetryInfo");
    expect(RetryInfo.decode(detail.value).retryDelay).toEqual({ seconds: 2n, nanos: 250_000_000 });
    expect(readStatusDetails({ metadata })).toEqual({ fieldViolations: [], retryDelayMs: 2_250 });
    expect(readStatusDetails({ metadata: rpcErrorToStatus(unavailable("circuit open", 30_000)).metadata }).retryDelayMs).toBe(30_000);
  });

  it("send no details trailer when there are no details", () => {
    const { code, metadata } = rpcErrorToStatus(notFound("no chain stored for ZZZZ"));
    expect(code).toBe(status.NOT_FOUND);
    expect(metadata.get(STATUS_DETAILS_KEY)).toEqual([]);
    expect(readStatusDetails({ metadata: new Metadata() })).toEqual({ fieldViolations: [] });
  });
});

describe("a request with thousands of bad entries", () => {
  it("gets at most 20 violations, the last one counting the rest, and a bounded message", () => {
    const violations = Array.from({ length: 5000 }, (_, index) => ({ field: `query.strategies[${index}]`, description: "is not a strategy" }));
    const status = rpcErrorToStatus(invalidArgument(violations));
    const decoded = readStatusDetails({ metadata: status.metadata });
    expect(decoded.fieldViolations).toHaveLength(20);
    expect(decoded.fieldViolations.at(-1)?.description).toBe("and 4981 more violations like these");
    expect(status.details.length).toBeLessThanOrEqual(2000);
  });
});

// Which ends of a chain fetch count against the market data provider (and so may lower the
// shared adaptive rate): its own failures, not answers about the request, not fetches we
// stopped ourselves.
import { describe, expect, it } from "vitest";
import {
  cancelled,
  deadlineExceeded,
  failedPrecondition,
  invalidArgument,
  internal,
  notFound,
  resourceExhausted,
  unavailable,
} from "../../../services/common/errors.js";
import { fetchFailureKind } from "../../../services/coordinator/market/provider-failures.js";

const running = new AbortController().signal;
const abortedWith = (reason: unknown): AbortSignal => {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
};

describe("a failed chain fetch", () => {
  it("counts against the provider when it is down, out of capacity, broken or buggy", () => {
    expect(fetchFailureKind(unavailable("not connected to TWS"), running)).toBe("failed");
    expect(fetchFailureKind(resourceExhausted("no market data line free", 1000), running)).toBe("failed");
    expect(fetchFailureKind(internal("garbled answer"), running)).toBe("failed");
    expect(fetchFailureKind(new TypeError("undefined is not a function"), running)).toBe("failed");
  });

  it("is an answer about the request when the symbol is unknown, the request bad or a subscription missing", () => {
    expect(fetchFailureKind(notFound("no symbol ZZZZ"), running)).toBe("answered");
    expect(fetchFailureKind(invalidArgument([{ field: "symbol", description: "bad" }]), running)).toBe("answered");
    expect(fetchFailureKind(failedPrecondition("no OPRA subscription"), running)).toBe("answered");
  });

  it("counts against the provider when the job's time ran out during it, and not at all when we cancelled it", () => {
    const late = abortedWith(deadlineExceeded("the scan ran past the coordinator's time limit"));
    expect(fetchFailureKind(late.reason, late)).toBe("failed");
    const stopped = abortedWith(cancelled("job 1 was cancelled"));
    expect(fetchFailureKind(stopped.reason, stopped)).toBe("abandoned");
    const shutdown = abortedWith(unavailable("shutting down"));
    expect(fetchFailureKind(shutdown.reason, shutdown)).toBe("abandoned");
  });
});

// Which refusals the CLI reports as the user's to fix (exit 2, like bad usage) and which as a
// failure (exit 1): a request that must change is the user's; a service that failed is not.
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { exitStatusForCode } from "../../../services/cli/coordinator-connection.js";

describe("exit status of a refused call", () => {
  it.each([
    ["INVALID_ARGUMENT", status.INVALID_ARGUMENT],
    ["NOT_FOUND", status.NOT_FOUND],
    ["ALREADY_EXISTS", status.ALREADY_EXISTS],
    ["OUT_OF_RANGE (alerts --since below what retention keeps)", status.OUT_OF_RANGE],
  ])("%s exits 2", (_name, code) => {
    expect(exitStatusForCode(code)).toBe(2);
  });

  it.each([
    ["UNAVAILABLE", status.UNAVAILABLE],
    ["DEADLINE_EXCEEDED", status.DEADLINE_EXCEEDED],
    ["RESOURCE_EXHAUSTED", status.RESOURCE_EXHAUSTED],
    ["INTERNAL", status.INTERNAL],
    ["FAILED_PRECONDITION", status.FAILED_PRECONDITION],
  ])("%s exits 1", (_name, code) => {
    expect(exitStatusForCode(code)).toBe(1);
  });
});

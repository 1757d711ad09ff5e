// One attempt's answer as it crosses the breaker and the retry layer: failures the scanner is
// not to blame for travel as values, so the breaker never sees them.
import type { FailureReason } from "cockatiel";
import { RpcError } from "../../common/errors.js";

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RpcError };

export function isFailure(result: unknown): result is Extract<Outcome<unknown>, { ok: false }> {
  return typeof result === "object" && result !== null && "ok" in result && result.ok === false && "error" in result;
}

/** The RpcError behind a failed attempt, whether it was thrown or passed as a value. */
export function failureOf(reason: FailureReason<unknown>): RpcError | undefined {
  if ("error" in reason) return reason.error instanceof RpcError ? reason.error : undefined;
  return isFailure(reason.value) ? reason.value.error : undefined;
}

// What decides, once a call is identified, whether it may go on: the API key check, then the
// call limits. Each is a plain check that the call observer runs in its own interception
// layer, in order, rather than a layer of its own: a layer of interception cost every call
// more than the checks themselves.
import type { CallIdentity } from "./call-identity.js";
import type { RpcError } from "./errors.js";

/** The call as the checks see it. */
export interface AdmittedCall {
  /** "/package.Service/Method". */
  readonly path: string;
  /** The service part of the path. */
  readonly service: string;
  /** True for a server stream (a watch). */
  readonly responseStream: boolean;
}

/** A check's verdict: refused with an error, or let through (with what to undo when it ends). */
export type Admission = { readonly refusal: RpcError } | { readonly release?: () => void } | undefined;

export type AdmissionCheck = (call: AdmittedCall, identity: CallIdentity) => Admission;

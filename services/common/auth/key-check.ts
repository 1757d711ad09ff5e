// The server's gate: every call but the open ones (health and reflection, unless configured
// otherwise) must come from a known API key's client; a call the key's scopes do not cover is
// refused. The call observer identifies the call (looking the key up) and then runs this
// check in its own layer, so a refused call is logged and counted like any other.
import type { AdmissionCheck } from "../call-admission.js";
import type { Caller } from "../call-identity.js";
import { permissionDenied, unauthenticated, type RpcError } from "../errors.js";
import type { Scope } from "./api-keys.js";

export interface AuthOptions {
  /** Services anyone may call, e.g. grpc.health.v1.Health and reflection. */
  readonly openServices: ReadonlySet<string>;
  /** Methods ("/package.Service/Method") that need the admin scope; every other needs scan. */
  readonly adminMethods: ReadonlySet<string>;
}

/** The API key check, run by the call observer after it has identified the call. */
export function createKeyCheck({ openServices, adminMethods }: AuthOptions): AdmissionCheck {
  return (call, identity) => {
    if (openServices.has(call.service)) return undefined;
    const needed: Scope = adminMethods.has(call.path) ? "admin" : "scan";
    const refusal = refusalOf(identity.caller, needed, call.path);
    return refusal ? { refusal } : undefined;
  };
}

/** Why the caller may not make the call, or undefined when it may. */
function refusalOf(caller: Caller, needed: Scope, path: string): RpcError | undefined {
  if (caller.kind !== "client") {
    return unauthenticated(
      caller.key === "unknown"
        ? "the API key is not one this service knows"
        : "this call needs an API key: send it as `authorization: Bearer <key>` or `x-api-key: <key>` metadata",
    );
  }
  if (!caller.client.scopes.has(needed)) return permissionDenied(`client ${caller.client.name} lacks the ${needed} scope that ${path} needs`);
  return undefined;
}

// The server's gate: every call but the open ones (health and reflection, unless configured
// otherwise) must come from a known API key's client; a call the key's scopes do not cover is
// refused. The call observer has already identified the call and looked the key up; this only
// enforces. It runs after the observer, so a refused call is logged and counted like any other.
import { ServerInterceptingCall, type ServerInterceptor } from "@grpc/grpc-js";
import { identityOf, type Caller } from "../call-identity.js";
import { internal, permissionDenied, unauthenticated, type RpcError } from "../errors.js";
import { rpcErrorToStatus } from "../status-details.js";
import type { Scope } from "./api-keys.js";

export interface AuthOptions {
  /** Services anyone may call, e.g. grpc.health.v1.Health and reflection. */
  readonly openServices: ReadonlySet<string>;
  /** Methods ("/package.Service/Method") that need the admin scope; every other needs scan. */
  readonly adminMethods: ReadonlySet<string>;
}

export function createAuthInterceptor({ openServices, adminMethods }: AuthOptions): ServerInterceptor {
  return (descriptor, call) => {
    const [, service = ""] = descriptor.path.split("/");
    if (openServices.has(service)) return new ServerInterceptingCall(call);
    const needed: Scope = adminMethods.has(descriptor.path) ? "admin" : "scan";
    return new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const refusal = refusalOf(identityOf(metadata)?.caller, needed, descriptor.path);
            if (refusal) {
              call.sendStatus(rpcErrorToStatus(refusal));
              return;
            }
            passOn(metadata);
          },
        });
      },
    });
  };
}

/** Why the caller may not make the call, or undefined when it may. */
function refusalOf(caller: Caller | undefined, needed: Scope, path: string): RpcError | undefined {
  // Without an identity nobody looked at the key: refuse rather than guess.
  if (!caller) return internal("the call was not identified; refusing it");
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

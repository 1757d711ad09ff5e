// The server's gate: every call but the open ones (health and reflection, unless configured
// otherwise) must carry a known API key, as `authorization: Bearer <key>` or `x-api-key`;
// a call the key's scopes do not cover is refused. It runs after the call observer, so a
// refused call is logged and counted like any other.
import { ServerInterceptingCall, status, type Metadata, type ServerInterceptor } from "@grpc/grpc-js";
import type { ApiKeys, Scope } from "./api-keys.js";

export interface AuthOptions {
  readonly keys: ApiKeys;
  /** Services anyone may call, e.g. grpc.health.v1.Health and reflection. */
  readonly openServices: ReadonlySet<string>;
  /** Methods ("/package.Service/Method") that need the admin scope; every other needs scan. */
  readonly adminMethods: ReadonlySet<string>;
}

/** Metadata the handler can read: who is calling. */
export const CLIENT_KEY = "x-spreadscan-client";

function keyOf(metadata: Metadata): string | undefined {
  const authorization = metadata.get("authorization")[0];
  if (typeof authorization === "string") {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (bearer?.[1]) return bearer[1];
  }
  const apiKey = metadata.get("x-api-key")[0];
  return typeof apiKey === "string" && apiKey.trim() !== "" ? apiKey.trim() : undefined;
}

export function createAuthInterceptor({ keys, openServices, adminMethods }: AuthOptions): ServerInterceptor {
  return (descriptor, call) => {
    const [, service = ""] = descriptor.path.split("/");
    if (openServices.has(service)) return new ServerInterceptingCall(call);
    const needed: Scope = adminMethods.has(descriptor.path) ? "admin" : "scan";
    return new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, passOn) => {
            // Never trust a client name the caller wrote itself.
            metadata.remove(CLIENT_KEY);
            const key = keyOf(metadata);
            const client = key === undefined ? undefined : keys.clientOf(key);
            if (!client) {
              call.sendStatus({
                code: status.UNAUTHENTICATED,
                details:
                  key === undefined
                    ? "this call needs an API key: send it as `authorization: Bearer <key>` or `x-api-key: <key>` metadata"
                    : "the API key is not one this service knows",
              });
              return;
            }
            if (!client.scopes.has(needed)) {
              call.sendStatus({ code: status.PERMISSION_DENIED, details: `client ${client.name} lacks the ${needed} scope that ${descriptor.path} needs` });
              return;
            }
            metadata.set(CLIENT_KEY, client.name);
            passOn(metadata);
          },
        });
      },
    });
  };
}

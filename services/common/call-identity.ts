// Which call this is and who makes it, decided once per call by the server, in the first
// interceptor (the call observer), and handed on as a typed value tied to the call: the API key check, the call
// limits and the handler adapter read it from here, never from a header. A caller shapes it
// only through what this interceptor checks: the key it presents (a client only when the key
// is one of the configured ones) and the address it connects from; its own x-request-id is
// kept for correlation and decides nothing.
import { randomUUID, timingSafeEqual } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import type { ApiClient, ApiKeys } from "./auth/api-keys.js";

/** Metadata key of the request id: taken from the caller when sane, else generated, and echoed back. */
export const REQUEST_ID_KEY = "x-request-id";

const SANE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** Who is calling, as the server sees it. */
export type Caller =
  /** The client of a known API key (keys on). */
  | { readonly kind: "client"; readonly client: ApiClient }
  /**
   * A caller known only by the host it connects from: every caller while keys are off, and
   * one without a known key while they are on (`key` says which, for the refusal).
   */
  | {
      readonly kind: "peer";
      readonly host: string;
      readonly key: "not checked" | "absent" | "unknown";
      /** Set when the host is the one a trusted gateway saw, not the connection's own (see `GatewayTrust`). */
      readonly via?: "gateway";
    };

/** Metadata key of the client address a gateway saw, trusted only with the gateway's secret. */
export const FORWARDED_FOR_KEY = "x-spreadscan-forwarded-for";
/** Metadata key of the secret a gateway proves itself with. */
export const GATEWAY_SECRET_KEY = "x-spreadscan-gateway-secret";

/**
 * The secret shared with the browser gateway (GATEWAY_SECRET): a call carrying it may name the
 * address of the client the gateway serves, which then stands for the caller wherever a peer
 * address would (limits, logs, refusals). Without it, or with another, that name is ignored.
 */
export interface GatewayTrust {
  readonly secret: Buffer;
}

export interface CallIdentity {
  /** Correlates the call's log lines and is echoed to the caller; it decides nothing. */
  readonly requestId: string;
  /** True when the id is the caller's own (sane) `x-request-id`, false when the server made it. */
  readonly requestIdFromCaller: boolean;
  readonly caller: Caller;
}

/**
 * The calls' identities, keyed by the metadata object grpc-js hands from interceptor to
 * interceptor and on to the handler: the same object travels the whole chain of one call,
 * and a caller can send strings but never an object of ours.
 */
const identities = new WeakMap<Metadata, CallIdentity>();

/** The call's identity; undefined only when the identifier did not run first (a wiring bug). */
export function identityOf(metadata: Metadata): CallIdentity | undefined {
  return identities.get(metadata);
}

/** How a caller is named in limits and refusals: "client alice", "address 127.0.0.1". */
export function callerName(caller: Caller): string {
  // A host is one caller whether it comes through the gateway or not: one name, one budget.
  return caller.kind === "client" ? `client ${caller.client.name}` : `address ${caller.host}`;
}

/** The host part of a grpc-js peer ("127.0.0.1:5123", "[::1]:5123"): the port changes per connection. */
export function hostOf(peer: string): string {
  // Most peers are IPv4; only a bracketed IPv6 one needs the pattern.
  const bracketed = peer.startsWith("[") ? /^\[([^\]]+)\]:\d+$/.exec(peer) : null;
  if (bracketed?.[1]) return bracketed[1];
  const index = peer.lastIndexOf(":");
  return index > 0 ? peer.slice(0, index) : peer;
}

/** The key a call presents, as `authorization: Bearer <key>` or `x-api-key: <key>`. */
function presentedKey(metadata: Metadata): string | undefined {
  const authorization = metadata.get("authorization")[0];
  if (typeof authorization === "string") {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (bearer?.[1]) return bearer[1];
  }
  const apiKey = metadata.get("x-api-key")[0];
  return typeof apiKey === "string" && apiKey.trim() !== "" ? apiKey.trim() : undefined;
}

/** An address as a gateway names it: an IPv4 or IPv6 literal, nothing longer. */
const FORWARDED_ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:.]{2,45})$/;

/** The client address a trusted gateway forwarded, or undefined when the call does not prove it came from one. */
function forwardedHost(metadata: Metadata, gateway: GatewayTrust | undefined): string | undefined {
  if (!gateway) return undefined;
  const forwarded = metadata.get(FORWARDED_FOR_KEY)[0];
  const secret = metadata.get(GATEWAY_SECRET_KEY)[0];
  if (typeof forwarded !== "string" || typeof secret !== "string" || !FORWARDED_ADDRESS.test(forwarded)) return undefined;
  const presented = Buffer.from(secret);
  return presented.length === gateway.secret.length && timingSafeEqual(presented, gateway.secret) ? forwarded : undefined;
}

function callerOf(metadata: Metadata, peer: string, keys: ApiKeys | undefined, gateway: GatewayTrust | undefined): Caller {
  const forwarded = forwardedHost(metadata, gateway);
  const host = forwarded ?? hostOf(peer);
  const via = forwarded === undefined ? {} : { via: "gateway" as const };
  if (!keys) return { kind: "peer", host, key: "not checked", ...via };
  const key = presentedKey(metadata);
  if (key === undefined) return { kind: "peer", host, key: "absent", ...via };
  const client = keys.clientOf(key);
  return client ? { kind: "client", client } : { kind: "peer", host, key: "unknown", ...via };
}

/**
 * Identifies a call from its metadata and its peer, and ties the identity to the metadata
 * object for every piece after it. It refuses nothing: refusing is for the interceptors after
 * the first, which calls this before it passes the metadata on.
 */
export function identifyCall(metadata: Metadata, peer: string, keys: ApiKeys | undefined, gateway?: GatewayTrust): CallIdentity {
  const given = metadata.get(REQUEST_ID_KEY)[0];
  const requestIdFromCaller = typeof given === "string" && SANE_REQUEST_ID.test(given);
  const requestId = requestIdFromCaller ? given : randomUUID();
  const identity = { requestId, requestIdFromCaller, caller: callerOf(metadata, peer, keys, gateway) };
  identities.set(metadata, identity);
  return identity;
}

// Which headers cross the gateway. Towards the coordinator: the caller's credentials and
// correlation ids, and, with the secret the coordinator shares, the address the gateway saw
// the caller at (the coordinator then counts limits per browser, not per gateway); never the
// protocol's own headers (content type, encodings, timeouts), which each side sets for its
// own wire. Back: the coordinator's request id.
import { FORWARDED_FOR_KEY, GATEWAY_SECRET_KEY } from "../common/call-identity.js";

/** Request headers a browser's call carries on to the coordinator. */
const FORWARDED_REQUEST_HEADERS = ["authorization", "x-api-key", "x-request-id", "traceparent", "tracestate"] as const;

/** Response headers of the coordinator that reach the browser. */
const RETURNED_RESPONSE_HEADERS = ["x-request-id"] as const;

/** The caller as the gateway saw it, and the secret that makes the coordinator believe it. */
export interface ForwardedClient {
  readonly address: string;
  readonly secret: Buffer;
}

export function forwardedHeaders(request: Headers, client: ForwardedClient | undefined): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (client) {
    headers.set(FORWARDED_FOR_KEY, client.address);
    headers.set(GATEWAY_SECRET_KEY, client.secret.toString());
  }
  return headers;
}

export function copyResponseHeaders(from: Headers, to: Headers): void {
  for (const name of RETURNED_RESPONSE_HEADERS) {
    const value = from.get(name);
    if (value !== null) to.set(name, value);
  }
}

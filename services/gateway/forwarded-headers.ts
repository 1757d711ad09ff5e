// Which headers cross the gateway. Towards the coordinator: the caller's credentials and
// correlation ids; never the protocol's own
// headers (content type, encodings, timeouts), which each side sets for its own wire. Back:
// the coordinator's request id.

/** Request headers a browser's call carries on to the coordinator. */
const FORWARDED_REQUEST_HEADERS = ["authorization", "x-api-key", "x-request-id", "traceparent", "tracestate"] as const;

/** Response headers of the coordinator that reach the browser. */
const RETURNED_RESPONSE_HEADERS = ["x-request-id"] as const;

export function forwardedHeaders(request: Headers): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

export function copyResponseHeaders(from: Headers, to: Headers): void {
  for (const name of RETURNED_RESPONSE_HEADERS) {
    const value = from.get(name);
    if (value !== null) to.set(name, value);
  }
}

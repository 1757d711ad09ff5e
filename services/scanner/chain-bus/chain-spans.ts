// The chain bus's spans: publishing a version is a PRODUCER span (`chain.publish`) whose W3C
// trace context rides in each chunk's NATS headers, and applying it on another replica a
// CONSUMER span (`chain.apply`), a child of that publication. Only while tracing is on.
import type { MsgHdrs } from "@nats-io/transport-node";
import { context, propagation, ROOT_CONTEXT, SpanKind, type Span, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import { inSpan, tracer, tracingIsOn } from "../../common/tracing/tracer.js";

const natsGetter: TextMapGetter<MsgHdrs> = {
  get: (headers, key) => (headers.has(key) ? headers.get(key) : undefined),
  keys: (headers) => headers.keys(),
};

const natsSetter: TextMapSetter<MsgHdrs> = {
  set: (headers, key, value) => headers.set(key, value),
};

/** Writes the active trace context into a chunk's headers, when tracing is on. */
export function injectTraceContext(headers: MsgHdrs): void {
  if (tracingIsOn()) propagation.inject(context.active(), headers, natsSetter);
}

function attributesOf(symbol: string, subject: string, version: bigint): Record<string, string> {
  return { "messaging.system": "nats", "messaging.destination.name": subject, "chain.symbol": symbol, "chain.version": String(version) };
}

/** Runs `publish` as a `chain.publish` PRODUCER span. */
export function publishSpan<T>(symbol: string, subject: string, version: bigint, publish: () => Promise<T>): Promise<T> {
  if (!tracingIsOn()) return publish();
  return inSpan("chain.publish", publish, { kind: SpanKind.PRODUCER, attributes: () => attributesOf(symbol, subject, version) });
}

/** A `chain.apply` CONSUMER span, a child of the publication the message's headers name; undefined when they name none. */
export function applySpan(headers: MsgHdrs | undefined, symbol: string, subject: string, version: bigint): Span | undefined {
  if (!tracingIsOn() || !headers?.has("traceparent")) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers, natsGetter);
  return tracer.startSpan("chain.apply", { kind: SpanKind.CONSUMER, attributes: attributesOf(symbol, subject, version) }, parent);
}

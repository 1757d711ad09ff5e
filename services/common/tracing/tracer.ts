// The one tracer every span of ours comes from, and whether tracing is on in this process.
// Only @opentelemetry/api is loaded here: while tracing is off the SDK is never imported, the
// API's no-op tracer answers, and the call sites below skip even that (see `tracingIsOn`).
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from "@opentelemetry/api";

/** A proxy: it reaches the SDK's tracer once start-tracing.ts has registered one. */
export const tracer = trace.getTracer("spreadscan");

let on = false;

/**
 * True once this process exports traces. Hot paths test it before building a span's name or
 * attributes: with tracing off they pay one boolean read.
 */
export function tracingIsOn(): boolean {
  return on;
}

/** Set by start-tracing.ts when it registers the SDK, and again when it shuts it down. */
export function setTracingOn(value: boolean): void {
  on = value;
}

/** Marks a span failed with the error's message; a span's failure is the error status plus an exception event. */
export function recordFailure(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (error instanceof Error) span.recordException(error);
}

/**
 * Runs `work` inside an INTERNAL span (or one of `kind`), ended when its promise settles, failed
 * when it rejects. With tracing off it runs `work` as it is; `attributes` is a function so that
 * nothing is built for a span nobody records.
 */
export async function inSpan<T>(
  name: string,
  work: (span: Span | undefined) => Promise<T> | T,
  { attributes, kind = SpanKind.INTERNAL, parent, links }: { attributes?: () => Attributes; kind?: SpanKind; parent?: Context; links?: Link[] } = {},
): Promise<T> {
  if (!on) return work(undefined);
  const span = tracer.startSpan(name, { kind, links }, parent ?? context.active());
  if (attributes && span.isRecording()) span.setAttributes(attributes());
  try {
    return await context.with(trace.setSpan(parent ?? context.active(), span), () => work(span));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Runs `work` as the root span of a trace of its own, linked to the span active now: for work a
 * call sets off but does not wait for (a refresh ahead of a cached result's expiry), which would
 * otherwise hang under a call that has already answered.
 */
export async function inDetachedSpan<T>(name: string, work: () => Promise<T>, attributes?: () => Attributes): Promise<T> {
  if (!on) return work();
  const cause = trace.getSpanContext(context.active());
  return inSpan(name, work, { attributes, parent: ROOT_CONTEXT, links: cause ? [{ context: cause }] : [] });
}

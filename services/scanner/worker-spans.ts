// The scan threads' spans. A scan's trace context travels to its thread with the task (the
// W3C fields, as a plain object: tasks cross threads by structured clone), and the thread
// makes `engine.prepare` and `engine.evaluate` spans under it, exported by a tracer of the
// thread's own (start-tracing.ts, started in each thread when the pool's threads are told
// tracing is on). Nothing of this runs while tracing is off.
import { context, propagation, ROOT_CONTEXT, trace, type Attributes, type Span } from "@opentelemetry/api";
import { recordFailure, tracer, tracingIsOn } from "../common/tracing/tracer.js";

/** A scan's trace context as it crosses to a thread: `traceparent`, and `tracestate` when there is one. */
export type TraceCarrier = Record<string, string>;

/** The active trace context as a carrier for a task, or undefined when there is none to carry. */
export function activeTraceCarrier(): TraceCarrier | undefined {
  if (!tracingIsOn()) return undefined;
  const active = context.active();
  if (!trace.getSpan(active)?.isRecording()) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(active, carrier);
  return carrier;
}

/** The span a thread's work runs in, when it is traced. */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}

/**
 * Runs `work` inside a span named `name`, a child of the span `carrier` names; `describe`
 * gives the attributes of its result. Without a carrier (or tracing) `work` runs as it is.
 * Synchronous, as a thread's work is; the main thread uses it too, for the chains it prepares
 * itself (stored by UpdateChain), with the carrier of its active span.
 */
export function inWorkerSpan<T>(name: string, carrier: TraceCarrier | undefined, work: () => T, describe?: (result: T) => Attributes): T {
  if (!carrier || !tracingIsOn()) return work();
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  const span: Span = tracer.startSpan(name, {}, parent);
  try {
    const result = context.with(trace.setSpan(parent, span), work);
    if (describe && span.isRecording()) span.setAttributes(describe(result));
    return result;
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

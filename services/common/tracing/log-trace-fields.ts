// The trace_id and span_id of the span active where a log line is written, for pino's
// `mixin`: a line of a traced call can be found from its trace, and the trace from the line.
import { context, trace } from "@opentelemetry/api";
import { tracingIsOn } from "./tracer.js";

/** pino's mixin: a fresh object each time, since pino merges the line's own fields into it. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  if (!tracingIsOn()) return {};
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

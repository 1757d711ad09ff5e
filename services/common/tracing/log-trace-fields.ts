// The trace_id and span_id of the span active where a log line is written, for pino's
// `mixin`: a line of a traced call can be found from its trace, and the trace from the line.
import { context, trace } from "@opentelemetry/api";
import { tracingIsOn } from "./tracer.js";

const NONE = {};

export function traceFields(): { trace_id?: string; span_id?: string } {
  // Off, or with no span active: no fields, and no object made per line.
  if (!tracingIsOn()) return NONE;
  const span = trace.getSpan(context.active());
  if (!span) return NONE;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

// IBKR's part of a `market.fetch` span: each request sent to TWS counted on the span active
// when it is registered (`ibkr.requests`), and each error TWS answers one with added as an
// `ibkr.error` event carrying its code. Only while tracing is on.
import { trace, type Span } from "@opentelemetry/api";
import { tracingIsOn } from "../../../common/tracing/tracer.js";

const requestCounts = new WeakMap<Span, number>();

export class RequestSpans {
  private readonly spans = new Map<number, Span>();

  /** Counts request `reqId` on the active span, and remembers the span for its errors. */
  sent(reqId: number): void {
    if (!tracingIsOn()) return;
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    const count = (requestCounts.get(span) ?? 0) + 1;
    requestCounts.set(span, count);
    span.setAttribute("ibkr.requests", count);
    this.spans.set(reqId, span);
  }

  errored(reqId: number, code: number, message: string): void {
    this.spans.get(reqId)?.addEvent("ibkr.error", { "ibkr.error.code": code, "ibkr.error.message": message, "ibkr.request_id": reqId });
  }

  done(reqId: number): void {
    this.spans.delete(reqId);
  }
}

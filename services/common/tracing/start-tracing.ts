// Turns tracing on for a process when the standard OpenTelemetry variables ask for it:
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set means spans are
// exported over OTLP/HTTP protobuf; unset, nothing is loaded or registered and every span
// call site of ours is skipped (tracer.ts).
import { setTracingOn } from "./tracer.js";

/** What a process that traces holds: flushed and shut down last, with the process. */
export interface Tracing {
  /** Exports the spans still waiting. */
  forceFlush(): Promise<void>;
  /** Exports what waits and stops the exporter; spans started after are dropped. */
  shutdown(): Promise<void>;
}

/** The services' default names (resource service.name), which OTEL_SERVICE_NAME overrides. */
export type TracedService = "coordinator" | "scanner" | "gateway" | "cli";

/** True when the environment asks for traces to be exported. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const present = (name: string): boolean => (env[name] ?? "").trim() !== "";
  return present("OTEL_EXPORTER_OTLP_ENDPOINT") || present("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
}

let started: Promise<Tracing | undefined> | undefined;

/**
 * Registers the SDK once per process (the first service to ask names it), when the
 * environment asks for traces; undefined otherwise. The SDK is imported only then.
 */
export function startTracing(service: TracedService): Promise<Tracing | undefined> {
  started ??= start(service);
  return started;
}

async function start(service: TracedService): Promise<Tracing | undefined> {
  if (!tracingRequested()) return undefined;
  const { registerTracingSdk } = await import("./tracing-sdk.js");
  const sdk = registerTracingSdk(`spreadscan-${service}`);
  setTracingOn(true);
  let shutting: Promise<void> | undefined;
  return {
    forceFlush: () => sdk.forceFlush(),
    shutdown: () => {
      shutting ??= sdk.shutdown().finally(() => setTracingOn(false));
      return shutting;
    },
  };
}

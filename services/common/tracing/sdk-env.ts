// The SDK environment variables the v3 trace SDK leaves to its caller (its TracerProvider and
// BatchSpanProcessor take options only): OTEL_TRACES_SAMPLER with OTEL_TRACES_SAMPLER_ARG,
// and OTEL_BSP_*, read with the meanings and defaults the OpenTelemetry specification gives them.
import { diag } from "@opentelemetry/api";
import { getNumberFromEnv, getStringFromEnv } from "@opentelemetry/core";
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from "@opentelemetry/sdk-trace";

function ratio(): number {
  const value = getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG");
  if (value === undefined) return 1;
  if (value < 0 || value > 1) {
    diag.warn(`OTEL_TRACES_SAMPLER_ARG ${value} is not within [0, 1]; sampling everything`);
    return 1;
  }
  return value;
}

/** The sampler OTEL_TRACES_SAMPLER names; the specification's default, parentbased_always_on, when unset. */
export function samplerFromEnv(): Sampler {
  const name = getStringFromEnv("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on";
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio());
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      if (name !== "parentbased_always_on") diag.warn(`OTEL_TRACES_SAMPLER ${name} is not one this SDK offers; using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, where set. */
export function batchOptionsFromEnv(): {
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
} {
  const entries = [
    ["scheduledDelayMillis", getNumberFromEnv("OTEL_BSP_SCHEDULE_DELAY")],
    ["exportTimeoutMillis", getNumberFromEnv("OTEL_BSP_EXPORT_TIMEOUT")],
    ["maxQueueSize", getNumberFromEnv("OTEL_BSP_MAX_QUEUE_SIZE")],
    ["maxExportBatchSize", getNumberFromEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")],
  ] as const;
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined && value >= 0));
}

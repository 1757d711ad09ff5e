// The Prometheus metrics of every call (grpc_server_started_total, grpc_server_handled_total,
// grpc_server_handling_seconds), kept as plain numbers per method and turned into
// prom-client's shape only when the metrics are read. prom-client's own Counter and
// Histogram build, check and hash a label object on every update, which cost more than the
// rest of a call's bookkeeping together; here a call costs a few additions.
import type { Registry } from "prom-client";

/** Upper bounds of the handling-time buckets, seconds. */
export const HANDLING_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** The counts of one method ("/package.Service/Method"). */
export class MethodCalls {
  readonly labels: { readonly grpc_service: string; readonly grpc_method: string };
  started = 0;
  /** Calls ended, by status code name. */
  readonly handled = new Map<string, number>();
  /** Calls ended within each bucket's bound (not cumulative; made cumulative when read). */
  readonly buckets = new Float64Array(HANDLING_SECONDS_BUCKETS.length + 1);
  count = 0;
  sum = 0;

  constructor(service: string, method: string) {
    this.labels = { grpc_service: service, grpc_method: method };
  }

  finished(code: string, seconds: number): void {
    this.handled.set(code, (this.handled.get(code) ?? 0) + 1);
    let bucket = 0;
    while (bucket < HANDLING_SECONDS_BUCKETS.length && seconds > (HANDLING_SECONDS_BUCKETS[bucket] as number)) bucket++;
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    this.count++;
    this.sum += seconds;
  }
}

interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/** What prom-client's Registry reads of a metric. */
interface CollectedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "histogram";
  readonly aggregator: "sum";
  get(): Promise<{ name: string; help: string; type: string; aggregator: "sum"; values: Sample[] }>;
  reset(): void;
}

export class CallMetrics {
  private readonly methods = new Map<string, MethodCalls>();

  constructor(registry: Registry) {
    this.register(registry, "grpc_server_started_total", "RPCs started on the server.", "counter", () =>
      [...this.methods.values()].map((calls) => ({ labels: { ...calls.labels }, value: calls.started })),
    );
    this.register(registry, "grpc_server_handled_total", "RPCs completed on the server, by status code.", "counter", () =>
      [...this.methods.values()].flatMap((calls) => [...calls.handled].map(([code, value]) => ({ labels: { ...calls.labels, grpc_code: code }, value }))),
    );
    this.register(registry, "grpc_server_handling_seconds", "Time from the start of an RPC to its status, seconds.", "histogram", () =>
      [...this.methods.values()].filter((calls) => calls.count > 0).flatMap(histogramSamples),
    );
  }

  /** The counts of `path`, made on its first call; a call keeps it and counts on it. */
  of(path: string): MethodCalls {
    let calls = this.methods.get(path);
    if (!calls) {
      const [, service = "unknown", method = "unknown"] = path.split("/");
      calls = new MethodCalls(service, method);
      this.methods.set(path, calls);
    }
    return calls;
  }

  private register(registry: Registry, name: string, help: string, type: "counter" | "histogram", samples: () => Sample[]): void {
    const metric: CollectedMetric = {
      name,
      help,
      type,
      aggregator: "sum",
      get: () => Promise.resolve({ name, help, type, aggregator: "sum", values: samples() }),
      reset: () => this.methods.clear(),
    };
    // prom-client reads any object of this shape; its Registry types want its own classes.
    registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
  }
}

/** A histogram's samples as Prometheus wants them: cumulative buckets up to +Inf, sum and count. */
function histogramSamples(calls: MethodCalls): Sample[] {
  const name = "grpc_server_handling_seconds";
  const samples: Sample[] = [];
  let cumulative = 0;
  HANDLING_SECONDS_BUCKETS.forEach((bound, index) => {
    cumulative += calls.buckets[index] as number;
    samples.push({ labels: { le: bound, ...calls.labels }, value: cumulative, metricName: `${name}_bucket` });
  });
  samples.push({ labels: { le: "+Inf", ...calls.labels }, value: calls.count, metricName: `${name}_bucket` });
  samples.push({ labels: { ...calls.labels }, value: calls.sum, metricName: `${name}_sum` });
  samples.push({ labels: { ...calls.labels }, value: calls.count, metricName: `${name}_count` });
  return samples;
}

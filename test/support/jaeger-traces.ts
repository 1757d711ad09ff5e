// Reading traces back from Jaeger through its query API (/api/traces), as the UI does, and
// walking their parent links. A span's parent is its CHILD_OF reference; Jaeger translates the
// OpenTelemetry span kind and status into the tags `span.kind` and `otel.status_code`.
export interface JaegerTag {
  readonly key: string;
  readonly type: string;
  readonly value: string | number | boolean;
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { readonly refType: string; readonly traceID: string; readonly spanID: string }[];
  readonly tags: readonly JaegerTag[];
  readonly logs: readonly { readonly fields: readonly JaegerTag[] }[];
  readonly processID: string;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

async function traces(url: string): Promise<JaegerTrace[]> {
  const response = await fetch(url);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { data: JaegerTrace[] | null }).data ?? [];
}

/** The trace with this id as Jaeger holds it now, or undefined while it holds none of its spans. */
export async function traceById(uiUrl: string, traceId: string): Promise<JaegerTrace | undefined> {
  return (await traces(`${uiUrl}/api/traces/${traceId}`))[0];
}

/** The traces (up to `limit`) that hold a span of `service`. */
export function tracesOf(uiUrl: string, service: string, limit = 100): Promise<JaegerTrace[]> {
  return traces(`${uiUrl}/api/traces?service=${encodeURIComponent(service)}&limit=${limit}`);
}

export function tag(span: JaegerSpan, key: string): JaegerTag["value"] | undefined {
  return span.tags.find((each) => each.key === key)?.value;
}

export function serviceOf(trace: JaegerTrace, span: JaegerSpan): string | undefined {
  return trace.processes[span.processID]?.serviceName;
}

/** The span id of the span's parent (its CHILD_OF reference), undefined for a root. */
export function parentId(span: JaegerSpan): string | undefined {
  return span.references.find((reference) => reference.refType === "CHILD_OF")?.spanID;
}

/** The spans of `service` named `name`, optionally only those of one span kind (server, client, internal, producer, consumer). */
export function spansNamed(trace: JaegerTrace, service: string, name: string, kind?: string): JaegerSpan[] {
  return trace.spans.filter(
    (span) => span.operationName === name && serviceOf(trace, span) === service && (kind === undefined || tag(span, "span.kind") === kind),
  );
}

/** The only such span: throws, naming what the trace holds, when there is none or more than one. */
export function onlySpan(trace: JaegerTrace, service: string, name: string, kind?: string): JaegerSpan {
  const found = spansNamed(trace, service, name, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind ?? ""} span ${name} of ${service}, found ${found.length} in:\n${describeTrace(trace)}`);
  return found[0]!;
}

/** True when `ancestor` is on the span's chain of parents. */
export function descendsFrom(trace: JaegerTrace, span: JaegerSpan, ancestor: JaegerSpan): boolean {
  const byId = new Map(trace.spans.map((each) => [each.spanID, each]));
  const seen = new Set<string>();
  for (let parent = parentId(span); parent !== undefined && !seen.has(parent); parent = parentId(byId.get(parent)!)) {
    if (parent === ancestor.spanID) return true;
    seen.add(parent);
    if (!byId.has(parent)) return false;
  }
  return false;
}

/** One line per span, indented under its parent: for a failing test's message. */
export function describeTrace(trace: JaegerTrace): string {
  const children = new Map<string | undefined, JaegerSpan[]>();
  const ids = new Set(trace.spans.map((span) => span.spanID));
  for (const span of trace.spans) {
    const parent = parentId(span);
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of children.get(parent) ?? []) {
      const orphan = depth === 0 && parentId(span) !== undefined ? ` (parent ${parentId(span)} missing)` : "";
      lines.push(`${"  ".repeat(depth)}${serviceOf(trace, span)} ${tag(span, "span.kind") ?? ""} ${span.operationName} ${span.spanID}${orphan}`);
      walk(span.spanID, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join("\n");
}

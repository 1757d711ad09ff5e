// With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set), each command runs inside a root CLIENT
// span named after it ("spreadscan scan"), so that its calls to the coordinator, and all they
// cause there and in the scanner, form one trace; the spans are exported before the process
// ends. Off, the command runs as it is and the SDK is never loaded.
import { SpanKind } from "@opentelemetry/api";
import type { Command } from "commander";
import { startTracing } from "../common/tracing/start-tracing.js";
import { inSpan } from "../common/tracing/tracer.js";

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

export async function runTraced(program: Command, argv: readonly string[]): Promise<void> {
  const tracing = await startTracing("cli");
  if (!tracing) {
    await program.parseAsync(argv);
    return;
  }
  try {
    await inSpan(
      program.name(),
      (span) => {
        // The command is known only once commander has parsed the arguments.
        program.hook("preAction", (_program, action) => {
          span?.updateName(commandPath(action));
        });
        return program.parseAsync(argv);
      },
      { kind: SpanKind.CLIENT },
    );
  } finally {
    await tracing.shutdown().catch((error: unknown) => {
      process.stderr.write(`spreadscan: the trace could not be exported: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  }
}

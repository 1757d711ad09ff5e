// `spreadscan metrics`: the coordinator's counters, in the original design's shape.
import type { Command } from "commander";
import { GetMetricsRequest, GetMetricsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { keyValueTable } from "../plain-table.js";
import { protoJsonDocument } from "../proto-json.js";
import { formatElapsed } from "../time-format.js";
import { LazyNumberFormat } from "../lazy-number-format.js";

const COUNT = new LazyNumberFormat("en-US");
const RATE = new LazyNumberFormat("en-US", { maximumFractionDigits: 1 });

/** The counters as name and value lines; times are in seconds on the wire, shown in readable units. */
export function formatMetrics(metrics: GetMetricsResponse): string {
  // `backpressure` is the original design's name for this block (kept on the wire): pacing and the scanner's circuit.
  const pacing = metrics.backpressure;
  const rows: [string, string][] = [
    ["total scans", COUNT.format(metrics.totalScans)],
    ["successful scans", COUNT.format(metrics.successfulScans)],
    ["failed scans", COUNT.format(metrics.failedScans)],
    ["cache hits", COUNT.format(metrics.cacheHits)],
    ["average scan time", formatElapsed(metrics.averageScanTime * 1000)],
    ["active jobs", COUNT.format(metrics.activeJobs)],
    ["queued jobs", COUNT.format(metrics.queuedJobs)],
  ];
  if (pacing) {
    rows.push(
      ["current rate", `${RATE.format(pacing.currentQps)} requests/s`],
      ["average response time", formatElapsed(pacing.averageResponseTime * 1000)],
      ["circuit breaker", pacing.circuitBreakerOpen ? "open (calls refused)" : "closed"],
      ["adaptive rate", `${RATE.format(pacing.adaptiveRate)} requests/s`],
    );
  }
  return `${keyValueTable(rows)}\n`;
}

/** Adds `metrics` to the program. */
export function registerMetrics(program: Command): Command {
  const command = program.command("metrics").description("show the coordinator's counters: scans, cache hits, jobs, pacing");
  addConnectionFlags(command, { json: "print the GetMetricsResponse as proto3 JSON" });
  return command.action(async (options: ConnectionOptions, self: Command) => {
    const metrics = await withCoordinator(options, self.opts<Record<string, unknown>>(), (connection) =>
      connection.unary(connection.coordinator.getMetrics.bind(connection.coordinator), GetMetricsRequest.fromPartial({})),
    );
    process.stdout.write(
      options.json ? protoJsonDocument(GetMetricsResponse, "spreadscan.coordinator.v1.GetMetricsResponse", metrics) : formatMetrics(metrics),
    );
  });
}

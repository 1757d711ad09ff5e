// `spreadscan metrics` and `spreadscan health` against the fixed coordinator
// (test/fixtures/fixed-coordinator.ts): the counters as a table and as JSON, and health as
// its status line and exit status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetMetricsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { startFixedCoordinator, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { spreadscan } from "../support/spreadscan-cli.js";
import type { ToolResult } from "../support/tools.js";

let coordinator: FixedCoordinator;
const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", coordinator.address]);

beforeAll(async () => {
  coordinator = await startFixedCoordinator();
});
afterAll(async () => {
  await coordinator.close();
});

describe.concurrent("spreadscan metrics, health", () => {
  it("metrics prints the counters as a table, --json as a GetMetricsResponse", async () => {
    const [table, json] = await Promise.all([remote("metrics"), remote("metrics", "--json")]);
    expect(table.exitCode).toBe(0);
    for (const name of [
      "total scans",
      "successful scans",
      "failed scans",
      "cache hits",
      "average scan time",
      "active jobs",
      "queued jobs",
      "circuit breaker",
    ]) {
      expect(table.stdout).toMatch(new RegExp(`^${name}\\s+\\S`, "m"));
    }
    expect(table.stdout).toMatch(/^circuit breaker\s+closed$/m);
    const metrics = GetMetricsResponse.fromJSON(JSON.parse(json.stdout));
    expect(metrics.backpressure).toMatchObject({ currentQps: 2.5, adaptiveRate: 10, circuitBreakerOpen: false });
  });

  it("health is SERVING, exit 0; for the service too; an unknown service is NOT_FOUND, exit 2", async () => {
    const [overall, service, unknown] = await Promise.all([
      remote("health"),
      remote("health", "--service", "spreadscan.coordinator.v1.CoordinatorService", "--json"),
      remote("health", "--service", "no.such.Service"),
    ]);
    expect(overall).toEqual({ exitCode: 0, stdout: "SERVING\n", stderr: "" });
    expect(JSON.parse(service.stdout)).toEqual({ status: "SERVING" });
    expect(service.exitCode).toBe(0);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^spreadscan: NOT_FOUND: /);
  });

  it("health of a coordinator that is not serving prints NOT_SERVING and exits 1", async () => {
    const notServing = await startFixedCoordinator({ serving: false });
    try {
      const run = await spreadscan(["health", "--addr", notServing.address]);
      expect(run).toEqual({ exitCode: 1, stdout: "NOT_SERVING\n", stderr: "" });
    } finally {
      await notServing.close();
    }
  });
});

import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CallMetrics } from "../../services/common/call-metrics.js";

describe("call metrics", () => {
  it("reads as Prometheus counters and a cumulative histogram, with the registry's default labels", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: "scanner" });
    const metrics = new CallMetrics(registry);
    const scan = metrics.of("/spreadscan.scanner.v1.ScannerService/Scan");
    scan.started += 3;
    scan.finished("OK", 0.0004);
    scan.finished("OK", 0.003);
    scan.finished("INVALID_ARGUMENT", 40);
    metrics.of("/grpc.health.v1.Health/Check").started++;

    const lines = (await registry.metrics()).split("\n");
    const labels = 'grpc_service="spreadscan.scanner.v1.ScannerService",grpc_method="Scan"';
    expect(lines).toContain("# TYPE grpc_server_started_total counter");
    expect(lines).toContain(`grpc_server_started_total{${labels},service="scanner"} 3`);
    expect(lines).toContain('grpc_server_started_total{grpc_service="grpc.health.v1.Health",grpc_method="Check",service="scanner"} 1');
    expect(lines).toContain(`grpc_server_handled_total{${labels},grpc_code="OK",service="scanner"} 2`);
    expect(lines).toContain(`grpc_server_handled_total{${labels},grpc_code="INVALID_ARGUMENT",service="scanner"} 1`);
    expect(lines).toContain("# TYPE grpc_server_handling_seconds histogram");
    // 0.4 ms falls in the first bucket (0.5 ms); 3 ms in the 5 ms one; 40 s only in +Inf.
    expect(lines).toContain(`grpc_server_handling_seconds_bucket{le="0.0005",${labels},service="scanner"} 1`);
    expect(lines).toContain(`grpc_server_handling_seconds_bucket{le="0.0025",${labels},service="scanner"} 1`);
    expect(lines).toContain(`grpc_server_handling_seconds_bucket{le="0.005",${labels},service="scanner"} 2`);
    expect(lines).toContain(`grpc_server_handling_seconds_bucket{le="30",${labels},service="scanner"} 2`);
    expect(lines).toContain(`grpc_server_handling_seconds_bucket{le="+Inf",${labels},service="scanner"} 3`);
    expect(lines).toContain(`grpc_server_handling_seconds_sum{${labels},service="scanner"} 40.0034`);
    expect(lines).toContain(`grpc_server_handling_seconds_count{${labels},service="scanner"} 3`);
    // A method with no finished call has no histogram samples yet.
    expect(lines.some((line) => line.startsWith('grpc_server_handling_seconds_count{grpc_service="grpc.health.v1.Health"'))).toBe(false);
  });
});

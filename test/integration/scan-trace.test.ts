// One scan, one trace: the CLI, a coordinator and two scanner replicas, each its own process
// exporting over OTLP to a real Jaeger, and the trace read back through Jaeger's query API.
// The parent links are checked span by span (a span's parent id, not only its presence), so
// that context lost on any hop (CLI → coordinator over gRPC metadata, coordinator → scanner,
// the scanner's worker thread) fails here. Then a replica is killed (SIGKILL) while it scans:
// the coordinator's retry on the other replica is the second attempt span of the same
// scanner call.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callsInFlight, killAll, startCoordinator, startScanner, stopWith, waitUntil, type RunningService } from "../faults/support/services.js";
import { startJaeger, type JaegerServer } from "../support/jaeger-server.js";
import {
  descendsFrom,
  describeTrace,
  onlySpan,
  parentId,
  spansNamed,
  tag,
  traceById,
  tracesOf,
  type JaegerSpan,
  type JaegerTrace,
} from "../support/jaeger-traces.js";
import { cliCommand } from "../support/spreadscan-cli.js";
import { REPO_ROOT, type ToolResult } from "../support/tools.js";
import type { LogLine } from "../support/echo-server.js";

const CLI = "spreadscan-cli";
const COORDINATOR = "spreadscan-coordinator";
const SCANNER = "spreadscan-scanner";
const COORDINATOR_SCAN = "spreadscan.coordinator.v1.CoordinatorService/Scan";
const SCANNER_SCAN = "spreadscan.scanner.v1.ScannerService/Scan";
/** grpc's UNAVAILABLE: what the attempt on a replica killed mid-call ends with. */
const UNAVAILABLE = 14;

let jaeger: JaegerServer | undefined;
let scanners: RunningService[] = [];
let coordinator: RunningService;
let tracing: Record<string, string>;

beforeAll(async () => {
  jaeger = await startJaeger();
  // Spans leave each process within 50 ms rather than the SDK's default 5 s.
  tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: "50" };
  scanners = await Promise.all([startScanner(tracing), startScanner(tracing)]);
  coordinator = await startCoordinator(`ipv4:${scanners.map((scanner) => scanner.address).join(",")}`, {
    ...tracing,
    // One retry, after a short pause; an attempt may take as long as the wide scan below needs.
    SCANNER_MAX_RETRIES: "1",
    SCANNER_TIMEOUT: "30",
  });
}, 120_000);

afterAll(async () => {
  killAll();
  await jaeger?.stop();
});

/** The CLI as a user runs it, with tracing on. */
function spreadscan(args: readonly string[]): Promise<ToolResult> {
  const command = cliCommand([...args, "--addr", coordinator.address]);
  return new Promise((resolve) => {
    execFile(
      command.file,
      command.args,
      { cwd: REPO_ROOT, timeout: 90_000, maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...tracing } },
      (error, stdout, stderr) => resolve({ exitCode: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

const isScanCall = (line: LogLine): boolean => line.msg === "call" && line.method === `/${COORDINATOR_SCAN}`;
/** How many Scan calls the coordinator has logged as answered. */
const scanCallsLogged = (): number => coordinator.process.logs.filter(isScanCall).length;

/** The trace id on the coordinator's log line of the Scan call it answered after the first `before`. */
async function traceIdOfScan(before: number): Promise<string> {
  await coordinator.process.waitForLog(() => scanCallsLogged() > before);
  const line = coordinator.process.logs.filter(isScanCall)[before]!;
  expect(line.trace_id, JSON.stringify(line)).toMatch(/^[0-9a-f]{32}$/);
  return String(line.trace_id);
}

/** Polls Jaeger for the trace `traceId` until `complete` holds (spans arrive from four processes at their own pace). */
async function traceOnceComplete(traceId: string, complete: (trace: JaegerTrace) => boolean): Promise<JaegerTrace> {
  let latest: JaegerTrace | undefined;
  try {
    await waitUntil(
      `trace ${traceId} in Jaeger to hold the spans expected`,
      async () => {
        latest = await traceById(jaeger!.uiUrl, traceId);
        return latest !== undefined && complete(latest);
      },
      30_000,
      200,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; it holds:\n${latest ? describeTrace(latest) : "nothing"}`);
  }
  return latest!;
}

const has = (trace: JaegerTrace, service: string, name: string): boolean => spansNamed(trace, service, name).length > 0;

/** Every span but the root has its parent in the same trace: no hop started a trace of its own. */
function expectOneConnectedTrace(trace: JaegerTrace): void {
  const ids = new Set(trace.spans.map((span) => span.spanID));
  const roots = trace.spans.filter((span) => parentId(span) === undefined);
  const orphans = trace.spans.filter((span) => parentId(span) !== undefined && !ids.has(parentId(span)!));
  expect({ roots: roots.map((span) => span.operationName), orphans: orphans.map((span) => span.operationName) }, describeTrace(trace)).toEqual({
    roots: ["spreadscan scan"],
    orphans: [],
  });
}

function expectChildOf(trace: JaegerTrace, child: JaegerSpan, parent: JaegerSpan): void {
  expect(parentId(child), `${child.operationName} under ${parent.operationName} in:\n${describeTrace(trace)}`).toBe(parent.spanID);
}

describe("a scan traced through the CLI, the coordinator and two scanner replicas into Jaeger", () => {
  it("is one trace whose coordinator, scanner and market spans hang from the right parents", async () => {
    const before = scanCallsLogged();
    const scan = await spreadscan(["scan", "SPY", "--no-cache", "--strategy", "bull-put", "--max-dte", "30", "--max-width", "5"]);
    expect([scan.exitCode, scan.stderr]).toEqual([0, ""]);
    const traceId = await traceIdOfScan(before);
    const trace = await traceOnceComplete(
      traceId,
      (candidate) => has(candidate, CLI, "spreadscan scan") && has(candidate, SCANNER, "engine.evaluate") && has(candidate, COORDINATOR, COORDINATOR_SCAN),
    );
    // The scan's only trace: the CLI made no other.
    expect((await tracesOf(jaeger!.uiUrl, CLI)).map((each) => each.traceID)).toEqual([traceId]);
    expectOneConnectedTrace(trace);

    // CLI → coordinator: the coordinator's SERVER span is the child of the CLI's CLIENT span.
    const command = onlySpan(trace, CLI, "spreadscan scan");
    const cliCall = onlySpan(trace, CLI, COORDINATOR_SCAN, "client");
    const coordinatorCall = onlySpan(trace, COORDINATOR, COORDINATOR_SCAN, "server");
    expectChildOf(trace, cliCall, command);
    expectChildOf(trace, coordinatorCall, cliCall);
    expect([tag(coordinatorCall, "rpc.system"), tag(coordinatorCall, "rpc.method"), tag(coordinatorCall, "rpc.grpc.status_code")]).toEqual(["grpc", "Scan", 0]);

    // The market: the simulated chain fetched within the coordinator's call.
    const fetch = onlySpan(trace, COORDINATOR, "market.fetch");
    expect(descendsFrom(trace, fetch, coordinatorCall), describeTrace(trace)).toBe(true);
    expect([tag(fetch, "market.source"), tag(fetch, "market.symbol")]).toEqual(["simulated", "SPY"]);

    // Coordinator → scanner: one scanner call, one attempt, its SERVER span on a replica.
    const scannerCall = onlySpan(trace, COORDINATOR, "scanner.call");
    expect(descendsFrom(trace, scannerCall, coordinatorCall), describeTrace(trace)).toBe(true);
    expect(tag(scannerCall, "scanner.breaker.state")).toBe("closed");
    const attempt = onlySpan(trace, COORDINATOR, SCANNER_SCAN, "client");
    expectChildOf(trace, attempt, scannerCall);
    expect(tag(attempt, "scanner.attempt")).toBe(1);
    expect(scanners.map((scanner) => scanner.grpcPort)).toContain(tag(attempt, "server.port"));
    const scannerServes = onlySpan(trace, SCANNER, SCANNER_SCAN, "server");
    expectChildOf(trace, scannerServes, attempt);

    // The scanner's worker thread: preparation and evaluation inside the scanner's call.
    for (const name of ["engine.prepare", "engine.evaluate"]) {
      const work = onlySpan(trace, SCANNER, name);
      expect(descendsFrom(trace, work, scannerServes), `${name} in:\n${describeTrace(trace)}`).toBe(true);
    }
  }, 90_000);

  it("shows a replica killed mid-scan as a failed first attempt and the retry on the other replica as attempt 2 of the same scanner call", async () => {
    // A wide scan (every width and short delta to 60 days: 0.7-1.5 s on a scanner of this
    // loaded host, its chain's transfer included), so that it is still running on its replica
    // when that replica is seen to hold it and killed; the retry runs it again on the other.
    const before = scanCallsLogged();
    const scanning = spreadscan(["scan", "QQQ", "--no-cache", "--max-dte", "60", "--min-short-delta", "0", "--max-width", "1000000", "--timeout", "120"]);
    let victim: RunningService | undefined;
    await waitUntil(
      "a replica to hold the scan",
      async () => {
        const inFlight = await Promise.all(scanners.map((scanner) => callsInFlight(scanner.adminPort, "Scan")));
        victim = scanners[inFlight.findIndex((calls) => calls > 0)];
        return victim !== undefined;
      },
      60_000,
      20,
    );
    await stopWith(victim!, "SIGKILL");
    const survivor = scanners.find((scanner) => scanner !== victim)!;

    const scan = await scanning;
    expect([scan.exitCode, scan.stderr]).toEqual([0, ""]);
    const traceId = await traceIdOfScan(before);
    const trace = await traceOnceComplete(
      traceId,
      (candidate) =>
        spansNamed(candidate, COORDINATOR, SCANNER_SCAN, "client").length >= 2 &&
        has(candidate, SCANNER, SCANNER_SCAN) &&
        has(candidate, CLI, COORDINATOR_SCAN),
    );
    expectOneConnectedTrace(trace);

    const scannerCall = onlySpan(trace, COORDINATOR, "scanner.call");
    const attempts = spansNamed(trace, COORDINATOR, SCANNER_SCAN, "client").sort(
      (a, b) => Number(tag(a, "scanner.attempt")) - Number(tag(b, "scanner.attempt")),
    );
    for (const attempt of attempts) expectChildOf(trace, attempt, scannerCall);
    const [first, second] = attempts;
    expect(attempts.map((attempt) => [tag(attempt, "scanner.attempt"), tag(attempt, "server.port")])).toEqual([
      [1, victim!.grpcPort],
      [2, survivor.grpcPort],
    ]);
    expect([tag(first!, "otel.status_code"), tag(first!, "rpc.grpc.status_code")]).toEqual(["ERROR", UNAVAILABLE]);
    expect(tag(second!, "rpc.grpc.status_code")).toBe(0);
    // Only the survivor's call was exported (the victim died with its span), under attempt 2.
    const served = onlySpan(trace, SCANNER, SCANNER_SCAN, "server");
    expectChildOf(trace, served, second!);
  }, 120_000);
});

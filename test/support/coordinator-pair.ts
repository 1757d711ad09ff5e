// A coordinator and a scanner, each in its own process as `make run` starts them, on the
// simulated market, with the generated client on loopback: what the coordinator's
// integration tests start, and the ways they read its metrics and streams.
import { credentials, status, type ClientReadableStream } from "@grpc/grpc-js";
import { CoordinatorServiceClient, GetMetricsRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { callUnary } from "./echo-server.js";
import { freePorts, spawnService, type ServiceProcess } from "./service-process.js";

/** Bull puts and bear calls 7 to 45 days out, at most $5 wide: the query these tests send. */
export const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: { minDte: 7, maxDte: 45, maxShortDelta: 0.3, minPop: 0.6, maxWidth: 5 },
  limit: 10,
});

export interface Pair {
  readonly scanner: ServiceProcess;
  readonly coordinator: ServiceProcess;
  readonly scannerPort: number;
  readonly adminPort: number;
  readonly client: CoordinatorServiceClient;
  close(): void;
}

export async function startScanner(port = "0", env: Record<string, string> = {}): Promise<{ process: ServiceProcess; port: number }> {
  const scanner = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), SCANNER_PORT: port, ...env });
  const listening = await scanner.waitForLog((line) => line.msg === "listening");
  return { process: scanner, port: listening.grpcPort as number };
}

export async function startPair(env: Record<string, string> = {}, scannerEnv: Record<string, string> = {}): Promise<Pair> {
  const scanner = await startScanner("0", scannerEnv);
  const coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scanner.port}`,
    SIMULATED_TICK_INTERVAL: "0.5",
    ...env,
  });
  const listening = await coordinator.waitForLog((line) => line.msg === "listening");
  const client = new CoordinatorServiceClient(`127.0.0.1:${listening.grpcPort as number}`, credentials.createInsecure());
  return {
    scanner: scanner.process,
    coordinator,
    scannerPort: scanner.port,
    adminPort: listening.adminPort as number,
    client,
    close() {
      client.close();
      coordinator.kill();
      scanner.process.kill();
    },
  };
}

export const metricsJson = async (pair: Pair): Promise<Record<string, unknown> & { backpressure: Record<string, unknown> }> =>
  (await (await fetch(`http://127.0.0.1:${pair.adminPort}/metrics.json`)).json()) as Record<string, unknown> & { backpressure: Record<string, unknown> };

/** Whether the circuit is open, as GetMetrics, /metrics.json and the Prometheus gauge each say it. */
export async function circuitReports(pair: Pair): Promise<{ getMetrics: boolean | undefined; json: unknown; prometheus: string | undefined }> {
  const { response } = await callUnary(pair.client.getMetrics.bind(pair.client), GetMetricsRequest.fromPartial({}));
  const text = await (await fetch(`http://127.0.0.1:${pair.adminPort}/metrics`)).text();
  return {
    getMetrics: response?.backpressure?.circuitBreakerOpen,
    json: (await metricsJson(pair)).backpressure.circuit_breaker_open,
    prometheus: /^spreadscan_circuit_breaker_open(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1],
  };
}

/** Reads `count` messages of a stream, then cancels it. */
export function take<T>(stream: ClientReadableStream<T>, count: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on("data", (message: T) => {
      messages.push(message);
      if (messages.length === count) {
        stream.cancel();
        resolve(messages);
      }
    });
    stream.on("error", (error: Error & { code: status }) => {
      if (error.code !== status.CANCELLED) reject(error);
    });
    stream.on("end", () => {
      resolve(messages);
    });
  });
}

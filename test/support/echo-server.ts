import { credentials, Metadata, type ServiceError, type status } from "@grpc/grpc-js";
import { pino } from "pino";
import { Registry } from "prom-client";
import { GrpcServer } from "../../services/common/grpc-server.js";
import { ServiceRuntime } from "../../services/common/service-runtime.js";
import { ScannerServiceClient, ScannerServiceService } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { echoScanner } from "../fixtures/echo-scanner.js";

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface EchoServer {
  readonly address: string;
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly logs: LogLine[];
  readonly client: ScannerServiceClient;
  readonly runtime: ServiceRuntime;
  readonly grpc: GrpcServer;
  close(): Promise<void>;
}

export interface EchoServerOptions {
  readonly maxReceiveMessageBytes?: number;
  readonly requestTimeoutMs?: number;
  readonly isReady?: () => boolean;
}

/** The echo scanner on a real bootstrap server on loopback, with a real generated client. */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const logs: LogLine[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
  const registry = new Registry();
  const grpc = new GrpcServer({
    logger,
    registry,
    maxReceiveMessageBytes: options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
    keepaliveTimeMs: 30_000,
    keepaliveTimeoutMs: 10_000,
  });
  grpc.addService(ScannerServiceService, echoScanner({ logger, requestTimeoutMs: options.requestTimeoutMs ?? 30_000 }));
  const runtime = new ServiceRuntime({
    logger,
    grpc,
    registry,
    listen: { host: "127.0.0.1", port: 0, adminPort: 0 },
    shutdownGraceMs: 2_000,
    ...(options.isReady ? { isReady: options.isReady } : {}),
  });
  const { grpcPort, adminPort } = await runtime.start();
  const address = `127.0.0.1:${grpcPort}`;
  const client = new ScannerServiceClient(address, credentials.createInsecure());
  return {
    address,
    grpcPort,
    adminPort,
    logs,
    client,
    runtime,
    grpc,
    async close() {
      client.close();
      await runtime.stop("test finished");
    },
  };
}

export interface UnaryOutcome<Response> {
  readonly response?: Response;
  readonly error?: ServiceError;
  readonly headers: Metadata;
  readonly trailers: Metadata;
}

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: { deadline?: Date },
  callback: (error: ServiceError | null, response: Response) => void,
) => {
  on(event: "metadata", listener: (metadata: Metadata) => void): unknown;
  on(event: "status", listener: (status: { metadata: Metadata }) => void): unknown;
};

/** Calls a unary method and keeps everything the server sent: response or error, headers, trailers. */
export function callUnary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  { metadata = new Metadata(), deadlineMs }: { metadata?: Metadata; deadlineMs?: number } = {},
): Promise<UnaryOutcome<Response>> {
  return new Promise((resolve) => {
    let headers = new Metadata();
    let settled: Pick<UnaryOutcome<Response>, "response" | "error"> | undefined;
    let trailers: Metadata | undefined;
    const finish = (): void => {
      if (settled && trailers) resolve({ ...settled, headers, trailers });
    };
    const call = method(request, metadata, deadlineMs === undefined ? {} : { deadline: new Date(Date.now() + deadlineMs) }, (error, response) => {
      settled = error ? { error } : { response };
      if (error) trailers ??= error.metadata;
      finish();
    });
    call.on("metadata", (received) => {
      headers = received;
    });
    call.on("status", (status) => {
      trailers = status.metadata;
      finish();
    });
  });
}

/** The error of an outcome that must have failed with `code`. */
export function failureOf(outcome: UnaryOutcome<unknown>, code: status): ServiceError {
  if (!outcome.error) throw new Error(`expected the call to fail with code ${code}, but it succeeded`);
  if (outcome.error.code !== code) throw new Error(`expected code ${code}, got ${outcome.error.code}: ${outcome.error.details}`);
  return outcome.error;
}

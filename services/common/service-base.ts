import { collectDefaultMetrics, Registry } from "prom-client";
import type { CommonSettings } from "./config.js";
import { GrpcServer } from "./grpc-server.js";
import { DependencyHealth } from "./dependency-health.js";
import { createLogger, type Logger } from "./logger.js";
import type { Tracing } from "./tracing/start-tracing.js";

export interface ServiceBase {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly grpc: GrpcServer;
  /** The shared servers (Redis, NATS) the service can do without, and which of them are down. */
  readonly dependencies: DependencyHealth;
  /** The trace exporter when tracing is on (start-tracing.ts): flushed and shut down last, by the runtime. */
  readonly tracing?: Tracing | undefined;
}

/** The parts every service starts from: its logger, its metrics registry and its gRPC server. */
export function createServiceBase(
  service: string,
  settings: CommonSettings,
  { logDestination, tracing }: { logDestination?: { write(line: string): void }; tracing?: Tracing | undefined } = {},
): ServiceBase {
  const logger = createLogger({ service, level: settings.logLevel, format: settings.logFormat, ...(logDestination ? { destination: logDestination } : {}) });
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const grpc = new GrpcServer({
    logger,
    registry,
    maxReceiveMessageBytes: settings.maxRequestBytes,
    keepaliveTimeMs: settings.keepaliveTimeMs,
    keepaliveTimeoutMs: settings.keepaliveTimeoutMs,
    maxConnectionAgeMs: settings.maxConnectionAgeMs,
    auth: settings.auth,
    tls: settings.tls,
    limits: settings.limits,
    gateway: settings.gateway,
  });
  if (settings.tls) logger.info({ mutual: settings.tls.clientCa !== undefined }, "gRPC over TLS");
  if (settings.auth) logger.info({ clients: settings.auth.keys.size, openHealth: settings.auth.openHealth }, "API keys required");
  return { logger, registry, grpc, dependencies: new DependencyHealth(registry, logger), tracing };
}

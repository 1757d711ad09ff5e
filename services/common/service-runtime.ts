import type { Registry } from "prom-client";
import { AdminHttpServer } from "./admin-http.js";
import type { DependencyHealth } from "./dependency-health.js";
import type { GrpcServer } from "./grpc-server.js";
import type { Logger } from "./logger.js";
import type { Tracing } from "./tracing/start-tracing.js";

/** Where a service listens: gRPC on host:port, admin HTTP on host:adminPort (0 picks a free port). */
export interface ListenSettings {
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
}

export interface ServiceRuntimeOptions {
  readonly logger: Logger;
  readonly grpc: GrpcServer;
  readonly registry: Registry;
  readonly dependencies?: DependencyHealth;
  readonly listen: ListenSettings;
  /** How long calls in flight may run on after a shutdown begins, milliseconds. */
  readonly shutdownGraceMs: number;
  /** Further readiness conditions (a dependency reachable, ...); the runtime adds its own. */
  readonly isReady?: () => boolean;
  readonly metricsJson?: () => unknown;
  /** Runs first when shutting down, e.g. to end long-lived streams with UNAVAILABLE. */
  readonly beforeShutdown?: () => void | Promise<void>;
  /**
   * Runs last, once no call is left: releases what the service holds (timers, channels,
   * connections, worker threads), so that a process stopped by a signal leaves nothing behind
   * (an IBKR session ended with a disconnect, not a dropped socket) and a test's process can
   * go on running.
   */
  readonly release?: () => void | Promise<void>;
  /** The trace exporter, when tracing is on: shut down after `release`, so the spans of the shutdown itself go out too. */
  readonly tracing?: Tracing | undefined;
}

export interface ListeningPorts {
  readonly grpcPort: number;
  readonly adminPort: number;
}

/**
 * Starts a service's gRPC and admin listeners, and stops them gracefully on request or signal.
 * The one shutdown order of every service lives here: not ready → `beforeShutdown` (streams
 * end, new work is refused) → calls in flight finish within the grace period → admin listener
 * closed → `release` → the last spans exported.
 */
export class ServiceRuntime {
  private serving = false;
  private stopping: Promise<void> | undefined;
  private readonly admin: AdminHttpServer;

  constructor(private readonly options: ServiceRuntimeOptions) {
    this.admin = new AdminHttpServer({
      logger: options.logger,
      registry: options.registry,
      isReady: () => this.serving && (options.isReady?.() ?? true),
      ...(options.dependencies ? { dependencies: options.dependencies } : {}),
      ...(options.metricsJson ? { metricsJson: options.metricsJson } : {}),
    });
  }

  async start(): Promise<ListeningPorts> {
    const { grpc, listen, logger } = this.options;
    const ports = {
      grpcPort: await grpc.listen(listen.host, listen.port),
      adminPort: await this.admin.listen(listen.host, listen.adminPort),
    };
    grpc.setServing(true);
    this.serving = true;
    logger.info({ host: listen.host, ...ports }, "listening");
    return ports;
  }

  /** Idempotent: every call waits for the same shutdown. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    const { grpc, logger, shutdownGraceMs, beforeShutdown } = this.options;
    logger.info({ reason, graceMs: shutdownGraceMs }, "shutting down");
    this.serving = false;
    grpc.setServing(false);
    await beforeShutdown?.();
    await grpc.shutdown(shutdownGraceMs);
    await this.admin.close();
    await this.options.release?.();
    logger.info("stopped");
    await this.options.tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, "the last spans could not be exported"));
  }

  /** SIGTERM or SIGINT stops the service and exits 0; a second signal exits at once with 1. */
  stopOnSignals(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.stopping) {
        this.options.logger.warn({ signal }, "second signal: exiting without waiting");
        process.exit(1);
      }
      this.stop(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          this.options.logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
}

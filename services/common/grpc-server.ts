import { Server, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import type { Registry } from "prom-client";
import type { ApiKeys } from "./auth/api-keys.js";
import { createKeyCheck } from "./auth/key-check.js";
import { createLimitCheck, limitsAreOff, type CallLimits } from "./call-limits.js";
import { createCallObserver } from "./call-observer.js";
import type { GatewayTrust } from "./call-identity.js";
import { serverCredentials, type ServerTls } from "./tls.js";
import { tolerantDefinition } from "./undecodable-request.js";
import type { Logger } from "./logger.js";
import { addReflection } from "./reflection.js";

const HEALTH_SERVICE = "grpc.health.v1.Health";
const REFLECTION_SERVICES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

export interface GrpcServerOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  /** Largest request message accepted, bytes (MAX_REQUEST_SIZE); larger ones get RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes: number;
  /** Interval of the server's keepalive pings on an idle connection, milliseconds. */
  readonly keepaliveTimeMs: number;
  /** How long a keepalive ping may go unanswered before the connection is closed, milliseconds. */
  readonly keepaliveTimeoutMs: number;
  /** GRPC_MAX_CONNECTION_AGE: a connection older than this is sent GOAWAY, milliseconds; 0: never. */
  readonly maxConnectionAgeMs?: number | undefined;
  /** API keys every call must carry (health and reflection may stay open); absent: no keys needed. */
  readonly auth?: { readonly keys: ApiKeys; readonly openHealth: boolean } | undefined;
  /** TLS, mutual when it names a client CA; absent: plaintext. */
  readonly tls?: ServerTls | undefined;
  /** Per-client and global call limits; absent or all 0: none. */
  readonly limits?: CallLimits | undefined;
  /** The browser gateway's secret, when one forwards to this service. */
  readonly gateway?: GatewayTrust | undefined;
}

/**
 * A grpc-js server with what every spreadscan service serves besides its own API:
 * grpc.health.v1 health, server reflection, keepalive, a request size limit, one log line
 * and Prometheus metrics per call, and graceful shutdown. Every call is identified first
 * (request id and caller), and what comes after reads that identity, never a header.
 */
export class GrpcServer {
  readonly health = new HealthImplementation({ "": "NOT_SERVING" });
  private readonly server: Server;
  private readonly serviceNames: string[] = [];
  private readonly adminMethods = new Set<string>();
  private started = false;

  constructor(private readonly options: GrpcServerOptions) {
    this.server = new Server({
      "grpc.max_receive_message_length": options.maxReceiveMessageBytes,
      "grpc.keepalive_time_ms": options.keepaliveTimeMs,
      "grpc.keepalive_timeout_ms": options.keepaliveTimeoutMs,
      // Let clients keep idle connections alive with pings of their own, down to every 10 s.
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 10_000,
      // Clients of a service behind a name with several replicas resolve it again only when a
      // connection ends: an age makes them, so that a new replica gets its share of calls. No
      // grace: calls in flight, a long watch included, finish on the old connection.
      ...(options.maxConnectionAgeMs ? { "grpc.max_connection_age_ms": options.maxConnectionAgeMs } : {}),
      // In the order a call's metadata passes them.
      interceptors: [
        createCallObserver({
          keys: options.auth?.keys,
          gateway: options.gateway,
          logger: options.logger,
          registry: options.registry,
          quietServices: new Set([HEALTH_SERVICE, ...REFLECTION_SERVICES]),
          // In this order: a refused key spends none of the limits.
          admission: [
            ...(options.auth
              ? [
                  createKeyCheck({
                    openServices: new Set(options.auth.openHealth ? [HEALTH_SERVICE, ...REFLECTION_SERVICES] : []),
                    adminMethods: this.adminMethods,
                  }),
                ]
              : []),
            ...(options.limits && !limitsAreOff(options.limits)
              ? [createLimitCheck({ ...options.limits, exemptServices: new Set([HEALTH_SERVICE, ...REFLECTION_SERVICES]) })]
              : []),
          ],
        }),
      ],
    });
    this.health.addToServer(this.server);
  }

  /**
   * Registers one of our services; its health status is NOT_SERVING until `setServing(true)`.
   * `adminMethods` (names like "UpdateChain") need the admin scope when API keys are on.
   */
  addService(
    definition: ServiceDefinition,
    implementation: UntypedServiceImplementation,
    { adminMethods = [] }: { adminMethods?: readonly string[] } = {},
  ): void {
    if (this.started) throw new Error("services must be added before the server starts");
    const name = serviceNameOf(definition);
    for (const method of adminMethods) this.adminMethods.add(`/${name}/${method}`);
    this.server.addService(tolerantDefinition(definition), implementation);
    this.serviceNames.push(name);
    this.health.setStatus(name, "NOT_SERVING");
  }

  /** Binds to host:port (0 picks a free port) and starts serving; resolves to the bound port. */
  async listen(host: string, port: number): Promise<number> {
    if (!this.started) {
      addReflection(this.server, [HEALTH_SERVICE, ...this.serviceNames]);
      this.started = true;
    }
    const address = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, serverCredentials(this.options.tls), (error, boundPort) => {
        if (error) reject(error);
        else resolve(boundPort);
      });
    });
  }

  /** Sets the overall and every registered service's health status. */
  setServing(serving: boolean): void {
    const status = serving ? "SERVING" : "NOT_SERVING";
    this.health.setStatus("", status);
    for (const name of this.serviceNames) this.health.setStatus(name, status);
  }

  /**
   * Stops gracefully: health NOT_SERVING, no new calls, calls in flight may finish within
   * `graceMs`; whatever is still running then is cancelled.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.setServing(false);
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.options.logger.warn({ graceMs }, "grace period over: cancelling the calls still running");
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

function serviceNameOf(definition: ServiceDefinition): string {
  const firstMethod = Object.values(definition)[0];
  const name = firstMethod?.path.split("/")[1];
  if (!name) throw new Error("a service definition without methods cannot be served");
  return name;
}

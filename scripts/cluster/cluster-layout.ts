// Where `make run-cluster` puts each process: the ports of the issue's topology by default,
// every one of them overridable from the environment (the tests move them to free ports).
import type { JaegerPorts } from "./jaeger-server.js";

export interface Endpoint {
  readonly port: number;
  readonly adminPort: number;
}

export interface ClusterLayout {
  readonly redisPort: number;
  readonly natsPort: number;
  /** The PostgreSQL both coordinators keep their watchlists and saved scans in. */
  readonly postgresPort: number;
  readonly scanners: readonly Endpoint[];
  readonly coordinators: readonly Endpoint[];
  /** Where Jaeger serves its UI and query API, takes OTLP, and opens the two gRPC listeners it always has. */
  readonly jaeger: JaegerPorts;
}

const DEFAULTS = {
  REDIS_PORT: "6379",
  NATS_PORT: "4222",
  POSTGRES_PORT: "5432",
  SCANNER_PORTS: "50051,50061,50071",
  SCANNER_ADMIN_PORTS: "9451,9461,9471",
  COORDINATOR_PORTS: "50052,50062",
  COORDINATOR_ADMIN_PORTS: "9452,9462",
  // Jaeger's own defaults.
  JAEGER_UI_PORT: "16686",
  JAEGER_OTLP_PORT: "4318",
  JAEGER_OTLP_GRPC_PORT: "4317",
  JAEGER_QUERY_GRPC_PORT: "16685",
} as const;

type Variable = keyof typeof DEFAULTS;

function ports(env: NodeJS.ProcessEnv, name: Variable): number[] {
  // `||`, not `??`: a blank variable takes the default, as the services' own configuration does.
  const text = env[name]?.trim() || DEFAULTS[name];
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1 || value > 65_535)) {
    throw new Error(`${name}: expected ports separated by commas (like ${DEFAULTS[name]}); got "${text}"`);
  }
  return values;
}

function endpoints(env: NodeJS.ProcessEnv, grpc: Variable, admin: Variable): Endpoint[] {
  const grpcPorts = ports(env, grpc);
  const adminPorts = ports(env, admin);
  if (grpcPorts.length !== adminPorts.length) throw new Error(`${grpc} and ${admin} must list as many ports each`);
  return grpcPorts.map((port, index) => ({ port, adminPort: adminPorts[index] ?? port }));
}

/** The layout the environment asks for (REDIS_PORT, NATS_PORT, SCANNER_PORTS, JAEGER_UI_PORT, ...), else the defaults. */
export function clusterLayout(env: NodeJS.ProcessEnv = process.env): ClusterLayout {
  const single = (name: Variable): number => {
    const [port, ...more] = ports(env, name);
    if (port === undefined || more.length > 0) throw new Error(`${name}: expected one port`);
    return port;
  };
  return {
    redisPort: single("REDIS_PORT"),
    natsPort: single("NATS_PORT"),
    postgresPort: single("POSTGRES_PORT"),
    scanners: endpoints(env, "SCANNER_PORTS", "SCANNER_ADMIN_PORTS"),
    coordinators: endpoints(env, "COORDINATOR_PORTS", "COORDINATOR_ADMIN_PORTS"),
    jaeger: {
      uiPort: single("JAEGER_UI_PORT"),
      otlpHttpPort: single("JAEGER_OTLP_PORT"),
      otlpGrpcPort: single("JAEGER_OTLP_GRPC_PORT"),
      queryGrpcPort: single("JAEGER_QUERY_GRPC_PORT"),
    },
  };
}

/** SCANNER_ADDR for the coordinators: every scanner replica, balanced round-robin by grpc-js. */
export function scannerTarget(layout: ClusterLayout): string {
  return `ipv4:${layout.scanners.map((scanner) => `127.0.0.1:${scanner.port}`).join(",")}`;
}

// The gateway's environment: where it listens, where the coordinator is, and TLS.
import { resolve } from "node:path";
import { z } from "zod";
import { commonVariables, ConfigError, env } from "../common/config.js";
import type { ServerTls } from "../common/tls.js";

export const gatewayVariables = {
  LOG_LEVEL: commonVariables.LOG_LEVEL,
  LOG_FORMAT: commonVariables.LOG_FORMAT,
  SHUTDOWN_GRACE_PERIOD: commonVariables.SHUTDOWN_GRACE_PERIOD,
  TLS_CERT_FILE: commonVariables.TLS_CERT_FILE,
  TLS_KEY_FILE: commonVariables.TLS_KEY_FILE,
  GATEWAY_SECRET: commonVariables.GATEWAY_SECRET,
  GATEWAY_HOST: env.host("127.0.0.1"),
  GATEWAY_PORT: env.port(8080),
  COORDINATOR_ADDR: env.host("127.0.0.1:50052"),
  GATEWAY_PAGE_DIR: z.string().optional(),
};

export interface GatewayConfig {
  readonly logLevel: string;
  readonly logFormat: "json" | "pretty";
  readonly shutdownGraceMs: number;
  readonly host: string;
  readonly port: number;
  /** host:port of the coordinator's gRPC port. */
  readonly coordinatorAddress: string;
  /** With TLS the gateway serves HTTP/2 (and HTTP/1.1 to clients that ask for it); without, HTTP/1.1 and cleartext HTTP/2. */
  readonly tls?: ServerTls;
  /** The built page (index.html and its assets), served at /; relative to the working directory unless absolute. */
  readonly pageDir: string;
  /** Shared with the coordinator (its GATEWAY_SECRET): with it, each call names the client address the gateway saw. */
  readonly secret?: Buffer;
}

export function gatewayConfig(values: z.infer<z.ZodObject<typeof gatewayVariables>>): GatewayConfig {
  const { TLS_CERT_FILE: certificate, TLS_KEY_FILE: privateKey } = values;
  if (Boolean(certificate) !== Boolean(privateKey))
    throw new ConfigError([`${certificate ? "TLS_KEY_FILE" : "TLS_CERT_FILE"}: TLS needs both TLS_CERT_FILE and TLS_KEY_FILE`]);
  if (!/^[^:]+:\d{1,5}$|^\[[^\]]+\]:\d{1,5}$/.test(values.COORDINATOR_ADDR)) {
    throw new ConfigError([`COORDINATOR_ADDR: must be host:port; got ${JSON.stringify(values.COORDINATOR_ADDR)}`]);
  }
  return {
    logLevel: values.LOG_LEVEL,
    logFormat: values.LOG_FORMAT,
    shutdownGraceMs: values.SHUTDOWN_GRACE_PERIOD,
    host: values.GATEWAY_HOST,
    port: values.GATEWAY_PORT,
    coordinatorAddress: values.COORDINATOR_ADDR,
    pageDir: resolve(values.GATEWAY_PAGE_DIR?.trim() || "dist/web"),
    ...(certificate && privateKey ? { tls: { certificate, privateKey } } : {}),
    ...(values.GATEWAY_SECRET ? { secret: values.GATEWAY_SECRET } : {}),
  };
}

// The gateway, assembled in one place for main.ts and the tests: the coordinator's services
// (and gRPC health) served over Connect, gRPC-Web and gRPC, each call forwarded to the
// coordinator over gRPC.
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import sirv from "sirv";
import { CoordinatorService } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { SavedScanService } from "../../gen/es/spreadscan/coordinator/v1/saved_scan_pb.js";
import { WatchlistService } from "../../gen/es/spreadscan/coordinator/v1/watchlist_pb.js";
import { Health } from "../../gen/es/grpc/health/v1/health_pb.js";
import type { Logger } from "../common/logger.js";
import type { GatewayConfig } from "./gateway-config.js";
import { createGatewayListener } from "./gateway-server.js";
import { CLIENT_ADDRESS, forwardingRoutes } from "./forwarding-routes.js";
import { tracingInterceptor } from "./tracing-interceptor.js";
import { tracingIsOn } from "../common/tracing/tracer.js";

/** What the gateway serves: every service a browser or a client of the coordinator calls. */
export const GATEWAY_SERVICES = [CoordinatorService, WatchlistService, SavedScanService, Health] as const;

export interface Gateway {
  /** Starts listening; resolves with the port (the one asked for, or the one the system gave for 0). */
  listen(): Promise<number>;
  /** Stops taking calls, lets calls in flight finish within the grace period, then ends the rest. */
  close(): Promise<void>;
}

export function assembleGateway(config: GatewayConfig, logger: Logger): Gateway {
  // With tracing on (start-tracing.ts, before this), every forwarded call is a span of its own.
  const transport = createGrpcTransport({
    baseUrl: `http://${config.coordinatorAddress}`,
    interceptors: tracingIsOn() ? [tracingInterceptor(config.coordinatorAddress)] : [],
  });
  // The page and its assets. Without a built page (no `make build` yet) the services are still
  // served, and / says how to build it.
  const page = existsSync(join(config.pageDir, "index.html")) ? sirv(config.pageDir, { etag: true }) : undefined;
  if (!page) logger.warn({ page: config.pageDir }, "no built page there: the services are served, the page is not (make build builds it)");
  const handler = connectNodeAdapter({
    fallback: (request, response) => {
      const notFound = (): void => {
        response.statusCode = 404;
        response.setHeader("content-type", "text/plain; charset=utf-8");
        response.end(page ? "not found\n" : `no page is built in ${config.pageDir}: run make build\n`);
      };
      if (page) page(request as IncomingMessage, response as ServerResponse, notFound);
      else notFound();
    },
    routes: forwardingRoutes(GATEWAY_SERVICES, transport, config.secret),
    contextValues: (request) => createContextValues().set(CLIENT_ADDRESS, request.socket.remoteAddress?.replace(/^::ffff:/, "")),
  });
  const listener = createGatewayListener(handler, config.tls);
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        listener.server.once("error", reject);
        listener.server.listen(config.port, config.host, () => {
          const { port } = listener.server.address() as AddressInfo;
          logger.info({ port, coordinator: config.coordinatorAddress, tls: config.tls !== undefined, page: config.pageDir }, "listening");
          resolve(port);
        });
      }),
    close: async () => {
      const closing = listener.close();
      const grace = setTimeout(() => listener.destroyConnections(), config.shutdownGraceMs);
      await closing;
      clearTimeout(grace);
    },
  };
}

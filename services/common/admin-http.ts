import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { DependencyHealth } from "./dependency-health.js";
import type { Logger } from "./logger.js";

export interface AdminHttpOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  /** True while the service can do its work; /readyz answers 503 otherwise. */
  readonly isReady: () => boolean;
  /** The service's own metrics in the original design's JSON shape, served at /metrics.json. */
  readonly metricsJson?: () => unknown;
  /** Shared servers that may be down: /readyz stays 200 (degraded, not failed) and names them. */
  readonly dependencies?: DependencyHealth;
}

/**
 * The admin HTTP listener: /healthz (the process is alive), /readyz (it can serve; the
 * body names the shared servers that are down, if any: the service is degraded then),
 * /metrics (Prometheus text) and, when the service has one, /metrics.json.
 */
export class AdminHttpServer {
  private readonly server: Server;

  constructor(private readonly options: AdminHttpOptions) {
    this.server = createServer((request, response) => {
      void this.route(request.method ?? "GET", new URL(request.url ?? "/", "http://admin").pathname).then(
        ({ status, contentType, body }) => {
          response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
          response.end(body);
        },
        (error: unknown) => {
          options.logger.error({ err: error }, "admin request failed");
          response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          response.end("internal error\n");
        },
      );
    });
  }

  private async route(method: string, path: string): Promise<{ status: number; contentType: string; body: string }> {
    const text = "text/plain; charset=utf-8";
    const json = "application/json; charset=utf-8";
    if (method !== "GET" && method !== "HEAD") return { status: 405, contentType: text, body: "method not allowed\n" };
    switch (path) {
      case "/healthz":
        return { status: 200, contentType: text, body: "ok\n" };
      case "/readyz":
        return this.options.isReady() ? { status: 200, contentType: text, body: this.readyBody() } : { status: 503, contentType: text, body: "not ready\n" };
      case "/metrics":
        return { status: 200, contentType: this.options.registry.contentType, body: await this.options.registry.metrics() };
      case "/metrics.json":
        if (this.options.metricsJson) {
          return { status: 200, contentType: json, body: `${JSON.stringify(this.options.metricsJson())}\n` };
        }
        break;
    }
    return { status: 404, contentType: text, body: "not found\n" };
  }

  private readyBody(): string {
    const outages = this.options.dependencies?.degraded() ?? [];
    if (outages.length === 0) return "ready\n";
    const lines = outages.map((outage) => `  ${outage.dependency} down since ${new Date(outage.since).toISOString()}: ${outage.reason}`);
    return `ready, degraded:\n${lines.join("\n")}\n`;
  }

  /** Resolves to the bound port. */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { AdminHttpServer } from "../../../services/common/admin-http.js";
import { DependencyHealth } from "../../../services/common/dependency-health.js";
import { createLogger } from "../../../services/common/logger.js";

const logger = createLogger({ service: "test", level: "silent", format: "json" });

describe("DependencyHealth", () => {
  let admin: AdminHttpServer | undefined;
  afterEach(async () => {
    await admin?.close();
    admin = undefined;
  });

  it("keeps /readyz at 200 while a dependency is down, names it, and reports it in the gauge", async () => {
    const registry = new Registry();
    const dependencies = new DependencyHealth(registry, logger);
    const redis = dependencies.register("redis");
    dependencies.register("nats");
    admin = new AdminHttpServer({ logger, registry, isReady: () => true, dependencies });
    const port = await admin.listen("127.0.0.1", 0);
    const readyz = async (): Promise<{ status: number; body: string }> => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return { status: response.status, body: await response.text() };
    };

    expect(await readyz()).toEqual({ status: 200, body: "ready\n" });
    redis.markDown("connect ECONNREFUSED 127.0.0.1:6390");
    redis.markDown("a second failure changes nothing");
    expect(redis.up).toBe(false);
    const degraded = await readyz();
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatch(/^ready, degraded:\n {2}redis down since \d{4}-\d\d-\d\dT[\d:.]+Z: connect ECONNREFUSED 127\.0\.0\.1:6390\n$/);
    const metrics = await registry.metrics();
    expect(metrics).toContain('spreadscan_dependency_up{dependency="redis"} 0');
    expect(metrics).toContain('spreadscan_dependency_up{dependency="nats"} 1');

    redis.markUp();
    expect(await readyz()).toEqual({ status: 200, body: "ready\n" });
    expect(await registry.metrics()).toContain('spreadscan_dependency_up{dependency="redis"} 1');
  });
});

// The Jaeger child process as tests and `make run-cluster` start it: on the ports asked for,
// answering its query API, leaving nothing listening once stopped; and failing with Jaeger's
// own words when a port is taken.
import { once } from "node:events";
import { createServer } from "node:http";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../support/infra-servers.js";
import { startJaeger } from "../support/jaeger-server.js";

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("the Jaeger child process", () => {
  it("listens where it is told, answers its query API, and leaves nothing listening once stopped", async () => {
    const [uiPort, otlpHttpPort, otlpGrpcPort, queryGrpcPort] = (await Promise.all(Array.from({ length: 4 }, () => freeLoopbackPort()))) as [
      number,
      number,
      number,
      number,
    ];
    const jaeger = await startJaeger({ ports: { uiPort, otlpHttpPort, otlpGrpcPort, queryGrpcPort } });
    try {
      expect([jaeger.uiUrl, jaeger.otlpEndpoint]).toEqual([`http://127.0.0.1:${uiPort}`, `http://127.0.0.1:${otlpHttpPort}`]);
      const services = await fetch(`${jaeger.uiUrl}/api/services`);
      expect(await services.json()).toMatchObject({ data: null, total: 0 });
      expect(await Promise.all([otlpHttpPort, otlpGrpcPort, queryGrpcPort].map(listening))).toEqual([true, true, true]);
    } finally {
      await jaeger.stop();
    }
    expect(await Promise.all([uiPort, otlpHttpPort, otlpGrpcPort, queryGrpcPort].map(listening))).toEqual([false, false, false, false]);
  });

  it("fails at once, with Jaeger's own reason, when another server holds its OTLP port", async () => {
    const other = createServer((_request, response) => response.end("{}"));
    other.listen(0, "127.0.0.1");
    await once(other, "listening");
    const port = (other.address() as { port: number }).port;
    try {
      await expect(startJaeger({ ports: { otlpHttpPort: port } })).rejects.toThrow(/jaeger exited \(1\) before it was ready:[\s\S]*address already in use/);
    } finally {
      other.close();
    }
  });
});

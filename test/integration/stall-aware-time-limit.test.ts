// The time limit on Redis commands against a real redis-server: a reply that came while this
// process's event loop was blocked past the limit is taken, not failed (a plain timer fails
// it: the timer runs before the socket is read), and a Redis that does not answer (SIGSTOP)
// still fails the command at the limit.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TimeLimitExceeded, withinTimeLimit } from "../../services/coordinator/shared-cache/stall-aware-time-limit.js";
import { startRedis, stopAllInfraServers, type InfraServer } from "../support/infra-servers.js";

let redis: InfraServer;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { enableOfflineQueue: true });
  await client.ping();
});

afterAll(async () => {
  client.disconnect();
  await stopAllInfraServers();
});

/** Blocks this process's event loop, as decoding a large chain does. */
function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

describe("the stall-aware time limit of a Redis command", () => {
  it("takes a reply that arrived while the event loop was blocked past the limit", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const reply = withinTimeLimit(client.ping(), 20);
      // Redis, another process, answers meanwhile; the reply waits in the socket.
      blockFor(200);
      await expect(reply).resolves.toBe("PONG");
    }
  });

  it("fails a command Redis does not answer", async () => {
    redis.pause();
    try {
      await expect(withinTimeLimit(client.ping(), 100)).rejects.toBeInstanceOf(TimeLimitExceeded);
    } finally {
      redis.resume();
    }
    await expect(client.ping()).resolves.toBe("PONG");
  });
});

// The coordinator's one connection to Redis, made to fail fast: a command that Redis does not
// answer within REDIS_COMMAND_TIMEOUT fails (a stall of our own event loop does not count),
// nothing queues while the connection is down, and the connection is made again every
// 100 ms. While Redis is down (a command failed or the connection dropped) no command is sent
// at all: every caller gets its fallback at once, and a PING every PROBE_INTERVAL_MS finds
// Redis again, hung or restarted, well within a second.
import { Redis } from "ioredis";
import type { DependencyStatus } from "../../common/dependency-health.js";
import type { SharedCacheMetrics } from "./shared-cache-metrics.js";
import { withinTimeLimit } from "./stall-aware-time-limit.js";

export interface RedisLinkOptions {
  /** redis:// or rediss:// URL; of a comma-separated list, the first. */
  readonly url: string;
  readonly commandTimeoutMs: number;
  readonly health: DependencyStatus;
  readonly metrics: SharedCacheMetrics;
}

/** Between two PINGs while Redis is down: how soon its return is noticed. */
const PROBE_INTERVAL_MS = 200;
/** Between two connection attempts while Redis is unreachable. */
const RECONNECT_DELAY_MS = 100;

export class RedisLink {
  readonly client: Redis;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: RedisLinkOptions) {
    const url = (options.url.split(",")[0] ?? options.url).trim();
    this.client = new Redis(url, {
      // No commandTimeout: ioredis's is a plain timer, tripped by a stalled event loop; run()
      // puts its own, stall-aware limit on every command (stall-aware-time-limit.ts).
      connectTimeout: Math.max(options.commandTimeoutMs, 1000),
      enableOfflineQueue: false,
      // A command caught by a dropped connection fails now rather than being sent again later.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => RECONNECT_DELAY_MS,
      lazyConnect: false,
    });
    // Without a listener an "error" event would throw; the outage is reported through health.
    this.client.on("error", (error: Error) => this.markDown(error.message));
    this.client.on("close", () => this.markDown("connection closed"));
    this.client.on("ready", () => this.options.health.markUp());
  }

  /** Whether commands are worth sending now. */
  get up(): boolean {
    return this.options.health.up && this.client.status === "ready";
  }

  /**
   * `command` against Redis, or `fallback` when Redis is down or the command fails (counted,
   * and Redis is then taken for down until a PING answers).
   */
  async run<T>(operation: string, command: (client: Redis) => Promise<T>, fallback: T): Promise<T> {
    if (!this.up) return fallback;
    try {
      return await withinTimeLimit(command(this.client), this.options.commandTimeoutMs);
    } catch (error) {
      this.options.metrics.redisError(operation);
      this.markDown(`${operation}: ${error instanceof Error ? error.message : String(error)}`);
      return fallback;
    }
  }

  private markDown(reason: string): void {
    if (this.closed) return;
    this.options.health.markDown(reason);
    this.startProbing();
  }

  private startProbing(): void {
    if (this.probe) return;
    this.probe = setInterval(() => {
      if (this.client.status !== "ready") return;
      withinTimeLimit(this.client.ping(), this.options.commandTimeoutMs).then(
        () => {
          this.options.health.markUp();
          this.stopProbing();
        },
        () => undefined,
      );
    }, PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  private stopProbing(): void {
    clearInterval(this.probe);
    this.probe = undefined;
  }

  close(): void {
    this.closed = true;
    this.stopProbing();
    this.client.disconnect();
  }
}

// The lease that makes one coordinator of the fleet compute a scan while the others wait for
// its result: SET NX PX with a random token, renewed while the computation runs, released by
// a compare-and-delete so that an owner whose lease expired (and was taken over) never
// removes its successor's. An owner that dies stops renewing; the lease expires after
// SCAN_LEASE_TTL and a waiter takes over.
import { randomUUID } from "node:crypto";
import type { RedisLink } from "./redis-link.js";

export const leaseKey = (scanKey: string): string => `spreadscan:v1:lease:${scanKey}`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A lease this coordinator holds, renewed every third of its TTL until released. */
export interface HeldLease {
  release(): Promise<void>;
}

export type LeaseAttempt = { readonly state: "held"; readonly lease: HeldLease } | { readonly state: "taken" } | { readonly state: "unavailable" };

export class ScanLeases {
  constructor(
    private readonly link: RedisLink,
    private readonly ttlMs: number,
  ) {}

  /** Takes the scan's lease if nobody holds it: "taken" when another does, "unavailable" when Redis is down. */
  async acquire(scanKey: string): Promise<LeaseAttempt> {
    const key = leaseKey(scanKey);
    const token = randomUUID();
    const reply = await this.link.run("lease", (client) => client.set(key, token, "PX", this.ttlMs, "NX"), undefined);
    if (reply === undefined) return { state: "unavailable" };
    if (reply !== "OK") return { state: "taken" };
    const renewal = setInterval(
      () => {
        void this.link.run("renew", (client) => client.eval(RENEW, 1, key, token, this.ttlMs), 0);
      },
      Math.max(1, Math.floor(this.ttlMs / 3)),
    );
    renewal.unref();
    return {
      state: "held",
      lease: {
        release: async () => {
          clearInterval(renewal);
          await this.link.run("release", (client) => client.eval(RELEASE, 1, key, token), 0);
        },
      },
    };
  }

  /** Whether anyone holds the scan's lease; undefined when Redis is down. */
  async held(scanKey: string): Promise<boolean | undefined> {
    return this.link.run("lease", async (client) => (await client.exists(leaseKey(scanKey))) === 1, undefined);
  }
}

// Which coordinator of the fleet refreshes a cached result ahead of its expiry: the first to
// claim it (SET NX PX on a key naming the result's job), for as long as the result lives. The
// claim names one generation of the result, so the refreshed result (another job) is claimed
// afresh when its own turn comes, and a claim is never released: it expires with its result.
import type { RedisLink } from "./redis-link.js";

export const refreshClaimKey = (scanKey: string, jobId: string): string => `spreadscan:v1:refresh:${scanKey}:${jobId}`;

export class RefreshClaims {
  constructor(private readonly link: RedisLink) {}

  /** True when this coordinator claimed the refresh, false when another did; undefined when Redis is down. */
  async claim(scanKey: string, jobId: string, ttlMs: number): Promise<boolean | undefined> {
    const reply = await this.link.run(
      "refresh_claim",
      (client) => client.set(refreshClaimKey(scanKey, jobId), "1", "PX", Math.max(1, Math.ceil(ttlMs)), "NX"),
      undefined,
    );
    if (reply === undefined) return undefined;
    return reply === "OK";
  }
}

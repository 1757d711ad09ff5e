// Scan results in Redis, where every coordinator finds them: one hash per scan key (the
// ScanResult's protobuf bytes, the job that made it, when it was stored) that Redis expires
// after SCAN_CACHE_TTL, like the local tier. Every read and write is one EVAL, so that one
// command's time limit bounds it; a failure reads as a miss and a write is simply not kept.
import type { CachedScan } from "../scan-cache.js";
import { decodeStoredScan, encodeStoredScan, type StoredScan } from "./stored-scan.js";
import type { RedisLink } from "./redis-link.js";

/** The Redis key of a scan's result; `v1` changes when what is stored does. */
export const resultKey = (scanKey: string): string => `spreadscan:v1:scan:${scanKey}`;

const READ = `
local v = redis.call('HMGET', KEYS[1], 'result', 'job_id', 'stored_at')
if not v[1] then return false end
return {v[1], v[2], v[3], redis.call('PTTL', KEYS[1])}`;

const WRITE = `
redis.call('HSET', KEYS[1], 'result', ARGV[1], 'job_id', ARGV[2], 'stored_at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

// Only the result of that job: a newer one (another coordinator's refresh) is left alone.
const FORGET = `
if redis.call('HGET', KEYS[1], 'job_id') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class SharedResultStore {
  /**
   * `ttlMs` is SCAN_CACHE_TTL; when it is 0 (no cache) a result is still kept for `handoffMs`
   * (the lease's time), only for the coordinators waiting for it.
   */
  constructor(
    private readonly link: RedisLink,
    private readonly ttlMs: number,
    private readonly handoffMs: number,
  ) {}

  /** Whether results answer scans other than the ones waiting for them (SCAN_CACHE_TTL is not 0). */
  get caching(): boolean {
    return this.ttlMs > 0;
  }

  /** The result stored for the scan, with how long it stays fresh; undefined when none (or Redis is down). */
  async get(scanKey: string): Promise<StoredScan | undefined> {
    const reply = await this.link.run("read", (client) => client.callBuffer("EVAL", READ, 1, resultKey(scanKey)), null);
    return decodeStoredScan(reply);
  }

  /** Which job made the result stored now, and when, without reading the result; undefined when none (or Redis is down). */
  async peek(scanKey: string): Promise<{ jobId: string; storedAt: number } | undefined> {
    const [jobId, storedAt] = await this.link.run("peek", (client) => client.hmget(resultKey(scanKey), "job_id", "stored_at"), [null, null]);
    return jobId ? { jobId, storedAt: Number(storedAt) } : undefined;
  }

  /** Stores a result for SCAN_CACHE_TTL (or the hand-off time); false when it could not be. */
  set(scanKey: string, entry: CachedScan): Promise<boolean> {
    const { result, jobId, storedAt } = encodeStoredScan(entry);
    const ttlMs = this.caching ? this.ttlMs : this.handoffMs;
    return this.link.run(
      "write",
      async (client) => {
        await client.eval(WRITE, 1, resultKey(scanKey), result, jobId, storedAt, ttlMs);
        return true;
      },
      false,
    );
  }

  /** Removes the result `jobId` made, if it is still the one stored (a chain update changed what it would be). */
  forget(scanKey: string, jobId: string): Promise<boolean> {
    return this.link.run("forget", async (client) => (await client.eval(FORGET, 1, resultKey(scanKey), jobId)) === 1, false);
  }
}

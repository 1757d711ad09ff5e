// The feed lease's configuration: defaults, and a renewal interval that leaves no room for a
// late renewal refused at start, as every other bad value is.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../services/common/config.js";
import { coordinatorConfig, coordinatorVariables } from "../../services/coordinator/config.js";

const configOf = (variables: Record<string, string>) => coordinatorConfig(loadConfig(coordinatorVariables, variables));

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the feed lease's configuration", () => {
  it("lives 10 s, is renewed every 2 s, and runs local feeds without NATS, unless told otherwise", () => {
    expect(configOf({}).feedLease).toEqual({ ttlMs: 10_000, renewIntervalMs: 2_000, withoutNats: "local" });
    expect(configOf({ FEED_LEASE_TTL: "5s", FEED_LEASE_RENEW_INTERVAL: "500ms", FEED_WITHOUT_NATS: "none" }).feedLease).toEqual({
      ttlMs: 5_000,
      renewIntervalMs: 500,
      withoutNats: "none",
    });
  });

  it("refuses a renewal interval over half the lease's life", () => {
    expect(problemsOf(() => configOf({ FEED_LEASE_TTL: "4", FEED_LEASE_RENEW_INTERVAL: "3" }))).toEqual([
      "FEED_LEASE_RENEW_INTERVAL: must be at most half of FEED_LEASE_TTL (4 s); got 3 s",
    ]);
  });

  it("refuses an unknown FEED_WITHOUT_NATS", () => {
    expect(problemsOf(() => configOf({ FEED_WITHOUT_NATS: "maybe" }))).toHaveLength(1);
  });
});

// Proof 9 of issue 15 with the fewest parts: two coordinators sharing one nats-server for their
// feed leases, in front of one scanner. The coordinator that owns a symbol's market feed is
// SIGKILLed while watchers of the symbol are connected to it and to the other; the run and its
// criteria are support/feed-owner-kill.ts's, which cluster.fault.ts also runs on three scanner
// replicas sharing chains over NATS.
import { afterAll, describe, it } from "vitest";
import { startNats, stopAllInfraServers } from "../support/infra-servers.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { runFeedOwnerKill } from "./support/feed-owner-kill.js";
import { killAll } from "./support/services.js";

afterAll(async () => {
  killAll();
  await stopAllInfraServers();
});

describe("the feed owner killed with SIGKILL", () => {
  it("moves the symbol's feed to the other coordinator within its lease, keeps its watchers receiving, and never runs two feeds at once", async () => {
    const nats = await startNats();
    const result = await runFeedOwnerKill(nats.url, "one scanner");
    assertCriteria(result.criteria);
  });
});

// The whole cluster (issue 15), proofs 7 and 9 as the issue words them, through coordinators:
// one nats-server, three scanner processes sharing chains over JetStream, two coordinators
// sharing feed leases, all real processes on loopback.
//
// Proof 7: coordinator A runs the simulated market's feed of the symbol at 10 ticks/s and sends
// its chains through scanner 1 (its only scanner); coordinator B relays scanner 2 (its only
// scanner) and runs no feed of its own (A holds the lease); a third watcher watches scanner 3
// directly. Every replica must store every version with no gap and none twice, every
// watcher's last message must equal a fresh scan of the final chain on each replica, and a
// version must reach the other replicas within 50 ms (p99) of its publication. The updates
// stop the way a fleet stops them: the lease is taken from A (the suite writes the lease's key
// as a third holder would, with a TTL longer than the check), and A stops its feed at its next
// renewal, while its watchers still relay.
//
// Proof 9: both coordinators reach all three scanners round robin (SCANNER_ADDR an ipv4 list),
// so the owner's ticks land on any replica and the bus carries them to the others. The owner
// is SIGKILLed: the feed must resume on the survivor within its lease, watchers on both must
// keep receiving, and the two must never run the feed at once.
import os from "node:os";
import { credentials } from "@grpc/grpc-js";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, it } from "vitest";
import { ScannerServiceClient, ScanRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { FEED_LEASE_BUCKET } from "../../services/coordinator/feed-ownership/cluster-feed-ownership.js";
import { callUnary } from "../support/echo-server.js";
import { startNats, stopAllInfraServers } from "../support/infra-servers.js";
import { assertCriteria } from "./support/assert-criteria.js";
import { percentile, round } from "./support/call-recorder.js";
import {
  endingsOf,
  gapsAndRepeats,
  logTime,
  messagesOf,
  spreadsOf,
  startScannerFleet,
  versionLines,
  versionsOf,
  watchCoordinator,
  watchScanner,
  type KeptWatch,
} from "./support/cluster-fleet.js";
import { runFeedOwnerKill } from "./support/feed-owner-kill.js";
import { criterion, mebibytes, recordResult } from "./support/fault-report.js";
import { CREDIT_QUERY } from "./support/queries.js";
import { CLIENT_CHANNEL_OPTIONS, killAll, prometheusValue, residentMemoryBytes, sleep, startCoordinator, waitUntil } from "./support/services.js";
import { gaps } from "./support/reconnecting-watcher.js";

const SYMBOL = "IWM";
const TICK_S = 0.1;
const STREAM_MS = 15_000;
const P99_BOUND_MS = 50;
/** Longer than the check after the updates stop: neither coordinator takes the lease back meanwhile. */
const HELD_LEASE_TTL_S = 60;
const RENEW_S = 1;
/** The versions must be the same on the three replicas for this long before the chain counts as final. */
const SETTLED_MS = 1500;

afterAll(async () => {
  killAll();
  await stopAllInfraServers();
});

async function scanOf(address: string): Promise<ScanResult | undefined> {
  const client = new ScannerServiceClient(address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  try {
    return (await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol: SYMBOL, query: CREDIT_QUERY }))).response?.result;
  } finally {
    client.close();
  }
}

describe("the whole cluster", () => {
  it("proof 7: watchers on coordinator A, coordinator B and scanner 3 while A's feed ticks at 10/s through scanner 1", async () => {
    const began = performance.now();
    const nats = await startNats();
    const loadBefore = os.loadavg()[0] ?? 0;
    const watches: KeptWatch[] = [];
    try {
      const scanners = await startScannerFleet(3, nats.url);
      const leases = { NATS_URL: nats.url, FEED_LEASE_TTL: String(HELD_LEASE_TTL_S), FEED_LEASE_RENEW_INTERVAL: String(RENEW_S) };
      const a = await startCoordinator(scanners[0]!.address, { ...leases, SIMULATED_TICK_INTERVAL: String(TICK_S) });
      const b = await startCoordinator(scanners[1]!.address, { ...leases, SIMULATED_TICK_INTERVAL: String(TICK_S) });
      const memoryBefore = await Promise.all(scanners.map((scanner) => residentMemoryBytes(scanner.adminPort)));

      // A's watcher first: A takes the lease and runs the feed.
      const onA = watchCoordinator(a.address, SYMBOL, CREDIT_QUERY);
      watches.push(onA);
      await waitUntil("A to start the feed", () => a.process.logs.some((line) => line.msg === "market data feed started" && line.symbol === SYMBOL), 30_000);
      const onB = watchCoordinator(b.address, SYMBOL, CREDIT_QUERY);
      // A scanner answers a watch of a symbol it holds no chain of with NOT_FOUND, and the
      // first version reaches scanner 3 through the bus a moment after scanner 1 took it: the
      // direct watcher, which has no coordinator to wait for it, starts once scanner 3 has it.
      await waitUntil("scanner 3 to hold the chain", async () => (await prometheusValue(scanners[2]!.adminPort, "spreadscan_stored_chains")) >= 1);
      const onScanner3 = watchScanner(scanners[2]!.address, SYMBOL, CREDIT_QUERY);
      watches.push(onB, onScanner3);
      await waitUntil("every watcher to receive updates", () => watches.every((watch) => messagesOf(watch).length >= 2), 30_000);
      const streamFrom = Date.now();
      await sleep(STREAM_MS);

      // The updates stop: the lease taken from A as another holder would take it.
      const stopAt = Date.now();
      const observer = await connect({ servers: nats.url });
      const bucket = await new Kvm(observer).open(FEED_LEASE_BUCKET);
      await bucket.put(`feed.${SYMBOL}`, "cluster-suite");
      await waitUntil("A to stop its feed", () => a.process.logs.some((line) => line.msg === "market data feed stopped" && line.symbol === SYMBOL), 10_000);
      const feedStoppedAt = logTime(a.process.logs.find((line) => line.msg === "market data feed stopped" && line.symbol === SYMBOL)!);

      // The final chain: every replica at the same version, unchanged for SETTLED_MS.
      let settled: { version: bigint; since: number } | undefined;
      await waitUntil(
        "the replicas to settle on one version",
        async () => {
          const versions = await Promise.all(scanners.map(async (scanner) => (await scanOf(scanner.address))?.chainVersion ?? 0n));
          const same = versions.every((version) => version === versions[0]);
          if (!same || settled?.version !== versions[0]) settled = same ? { version: versions[0]!, since: Date.now() } : undefined;
          return settled !== undefined && Date.now() - settled.since >= SETTLED_MS;
        },
        20_000,
        100,
      );
      const settledMs = (settled?.since ?? Date.now()) - feedStoppedAt;
      const scans = await Promise.all(scanners.map((scanner) => scanOf(scanner.address)));
      const final = scans[0]?.chainVersion ?? 0n;
      const memoryAfter = await Promise.all(scanners.map((scanner) => residentMemoryBytes(scanner.adminPort)));
      const bRanFeed = b.process.logs.some((line) => line.msg === "market data feed started");
      const published = await prometheusValue(scanners[0]!.adminPort, "spreadscan_chain_versions_published_total");
      const conflicts = await Promise.all(scanners.map((scanner) => prometheusValue(scanner.adminPort, "spreadscan_chain_publish_conflicts_total")));
      const endings = watches.map(endingsOf);
      for (const watch of watches) watch.close();
      await observer.close();

      const gapsPerReplica = scanners.map((scanner) => gapsAndRepeats(versionsOf(scanner, SYMBOL), final));
      // Publication to commit on the replicas that did not publish, over the stream's steady window.
      const applied = scanners.slice(1).flatMap((scanner) => versionLines(scanner, SYMBOL).filter((line) => line.msg === "chain version applied from the bus"));
      const steady = applied.filter((line) => logTime(line) >= streamFrom && logTime(line) <= stopAt);
      const latencies = steady.map((line) => Number(line.latencyMs));
      const onReplica = steady.map((line) => Number(line.hereMs));
      const p99 = percentile(latencies, 0.99);
      const versionsInWindow = versionLines(scanners[0]!, SYMBOL).filter((line) => logTime(line) >= streamFrom && logTime(line) <= stopAt).length;
      const named = [
        { name: "coordinator A", watch: onA },
        { name: "coordinator B", watch: onB },
        { name: "scanner 3 (directly)", watch: onScanner3 },
      ];

      const criteria = [
        ...gapsPerReplica.map((each, index) =>
          criterion(
            `scanner ${index + 1} stores every version 1..${final}, none twice`,
            `${each.missing} missing, ${each.repeated} repeated`,
            final > 1n && each.missing === 0 && each.repeated === 0,
          ),
        ),
        criterion(
          `publish → applied on scanners 2 and 3: p99 ≤ ${P99_BOUND_MS} ms (issue)`,
          `p99 ${round(p99)} ms over ${latencies.length} versions applied while A's feed ran`,
          latencies.length > 0 && p99 <= P99_BOUND_MS,
          // Recorded, not asserted, while KD-8 is open (support/known-defects.ts).
          latencies.length > 0 && p99 > P99_BOUND_MS ? "KD-8" : undefined,
        ),
        ...named.flatMap(({ name, watch }) => {
          const last = messagesOf(watch).at(-1)?.result;
          const matches = scans.map((scan) => scan?.chainVersion === final && spreadsOf(last) === spreadsOf(scan));
          return [
            criterion(
              `the watcher on ${name} ends on a fresh scan of the final chain (version ${final}) on every replica`,
              `last message of version ${last?.chainVersion ?? "none"}: ${matches.map((same, index) => `scanner ${index + 1} ${same ? "the same" : "other"}`).join(", ")}`,
              last !== undefined && matches.every(Boolean),
            ),
          ];
        }),
        criterion(
          "no watcher loses an update within a stream (sequence numbers)",
          named.map(({ name, watch }) => `${name}: ${watch.watcher.connections.reduce((sum, connection) => sum + gaps(connection), 0)}`).join(", "),
          watches.every((watch) => watch.watcher.connections.every((connection) => gaps(connection) === 0)),
        ),
        criterion(
          "no watch stream ends",
          endings.map((each, index) => `${named[index]!.name}: ${each.length === 0 ? "none" : each.join("; ")}`).join(", "),
          endings.every((each) => each.length === 0),
        ),
        criterion("B runs no feed of its own: A holds the lease", bRanFeed ? "B started a feed" : "B never started one", !bRanFeed),
      ];
      const result = recordResult({
        name: "cluster-chain-updates",
        title: "The whole cluster: chain updates through coordinators (issue 15, proof 7)",
        load: `coordinator A's simulated feed of ${SYMBOL} ticking every ${TICK_S * 1000} ms through scanner 1 of 3 (NATS JetStream between them); WatchSpreads on coordinator A, on coordinator B (relaying scanner 2) and directly on scanner 3`,
        faults: `none; the updates stop when the suite takes the feed's lease from A (FEED_LEASE_TTL ${HELD_LEASE_TTL_S} s, renewal every ${RENEW_S} s)`,
        calls: watches.reduce((sum, watch) => sum + watch.watcher.connections.length, 0),
        byStatus: { CANCELLED: watches.length },
        hungCalls: 0,
        lostWatcherUpdates: watches.reduce((sum, watch) => sum + watch.watcher.connections.reduce((each, connection) => each + gaps(connection), 0), 0),
        memory: scanners.map((_, index) => ({
          process: `scanner ${index + 1}`,
          beforeMb: mebibytes(memoryBefore[index]!),
          afterMb: mebibytes(memoryAfter[index]!),
        })),
        criteria,
        figures: {
          "1-minute load average when the suite started (2 cores)": round(loadBefore, 2),
          "final version": String(final),
          [`versions committed by scanner 1 in the ${STREAM_MS / 1000} s window (ticks at 10/s are coalesced while one is on its way)`]: versionsInWindow,
          "versions published by scanner 1 (all)": published,
          "publish conflicts per replica": conflicts.join(", "),
          "publish → applied on scanners 2 and 3, p50 / p99 / max (ms)": `${round(percentile(latencies, 0.5))} / ${round(p99)} / ${round(Math.max(...latencies))}`,
          "of which on the replica, p50 / p99 (ms)": `${round(percentile(onReplica, 0.5))} / ${round(percentile(onReplica, 0.99))}`,
          "A's feed stopped to the replicas on one version (ms)": round(settledMs),
          "watcher messages (A, B, scanner 3)": named.map(({ watch }) => messagesOf(watch).length).join(", "),
          "watch streams ended and reopened (A, B, scanner 3)": endings.map((each) => (each.length === 0 ? "none" : each.join("; "))).join(" | "),
        },
        measurements: { p99ApplyMs: p99 },
        durationSeconds: round((performance.now() - began) / 1000),
      });
      assertCriteria(result.criteria);
    } finally {
      for (const watch of watches) watch.close();
      killAll();
      await nats.stop();
    }
  });

  it("proof 9: the feed owner SIGKILLed with both coordinators round robin over three scanners sharing chains", async () => {
    const nats = await startNats();
    try {
      const result = await runFeedOwnerKill(nats.url, "three replicas");
      assertCriteria(result.criteria);
    } finally {
      killAll();
      await nats.stop();
    }
  });
});

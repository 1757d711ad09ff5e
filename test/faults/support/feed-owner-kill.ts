// Proof 9 of issue 15, run by two suites: the coordinator that owns a symbol's market feed
// dies without warning (SIGKILL) while watchers of the symbol are connected to it and to
// another coordinator, both sharing one nats-server, all real processes. feed-owner.fault.ts
// puts both coordinators in front of one scanner; cluster.fault.ts in front of three scanner
// replicas sharing chains over NATS, reached round robin, and then also asks every replica to
// store every version of the symbol, none twice, through the takeover (the survivor's base
// chain is one more version on top of the dead owner's).
//
// The survivor must take the feed's lease when it ages out and start the feed (fetching the
// base chain again); its watchers' streams never end and keep receiving updates; the killed
// one's watchers fail over to the survivor, as a client of a fleet does; and the two
// coordinators never run the feed at the same time, by their own logs (feed started / stopped,
// with the kill as the end of the killed one's feed) and by their spreadscan_feeds_owned
// gauges, sampled every POLL_MS.
import type { LogLine } from "../../support/echo-server.js";
import { feedIntervals, overlaps } from "../../support/feed-intervals.js";
import { percentile, round } from "./call-recorder.js";
import { gapsAndRepeats, leaseLastWritten, logTime, ownedByLease, roundRobinTarget, startScannerFleet, versionsOf } from "./cluster-fleet.js";
import { FailoverWatcher } from "./failover-watcher.js";
import { forceGc, INSPECT_ARGUMENTS } from "./force-gc.js";
import { criterion, mebibytes, recordResult, type FaultResult, type MemoryFigure } from "./fault-report.js";
import { CREDIT_QUERY } from "./queries.js";
import { prometheusValue, residentMemoryBytes, sleep, startCoordinator, startScanner, stopWith, waitUntil, type RunningService } from "./services.js";

const SYMBOL = "IWM";
const WATCHERS_EACH = 3;
const LEASE_TTL_S = 5;
const RENEW_S = 1;
const RECONNECT_MS = 200;
const STEADY_MS = 5000;
const AFTER_MS = 6000;
const POLL_MS = 100;
/**
 * How late the survivor may take the lease after it could have aged out: nats-server removes
 * an aged-out message a little after its max_age, and the survivor tries again 50 ms after the
 * moment it read as the lease's end (feed-leases.ts). This bound is ours, not the issue's.
 */
const SWEEP_MARGIN_MS = 250;
/** Ours: the lease's life, then the base chain fetched and one tick (0.5 s), with room for two busy cores. */
const GAP_MARGIN_MS = 2000;

const epoch = (instant: number): number => performance.timeOrigin + instant;
const firstLog = (service: RunningService, msg: string): LogLine | undefined => service.process.logs.find((line) => line.msg === msg && line.symbol === SYMBOL);

/** The two topologies: one scanner the coordinators share, or three replicas sharing chains over NATS. */
export type FeedOwnerTopology = "one scanner" | "three replicas";

export async function runFeedOwnerKill(natsUrl: string, topology: FeedOwnerTopology): Promise<FaultResult> {
  const began = performance.now();
  const replicated = topology === "three replicas";
  const scanners = replicated ? await startScannerFleet(3, natsUrl) : [await startScanner()];
  const target = replicated ? roundRobinTarget(scanners) : scanners[0]!.address;
  const env = { NATS_URL: natsUrl, FEED_LEASE_TTL: String(LEASE_TTL_S), FEED_LEASE_RENEW_INTERVAL: String(RENEW_S) };
  // A logs its renewals (debug): its lease expires at the latest a TTL after the last one.
  const a = await startCoordinator(target, { ...env, LOG_LEVEL: "debug" });
  // B's memory is read after a forced full GC (through its inspector): what it holds, not garbage not yet collected.
  const b = await startCoordinator(target, { ...env, LOG_LEVEL: "debug" }, 0, INSPECT_ARGUMENTS);
  const watchers: { readonly home: "A" | "B"; readonly watcher: FailoverWatcher }[] = [];
  try {
    for (let index = 0; index < WATCHERS_EACH; index++)
      watchers.push({ home: "A", watcher: new FailoverWatcher([a.address, b.address], SYMBOL, CREDIT_QUERY, RECONNECT_MS) });
    await waitUntil("A to start the feed", () => firstLog(a, "market data feed started") !== undefined, 30_000);
    for (let index = 0; index < WATCHERS_EACH; index++)
      watchers.push({ home: "B", watcher: new FailoverWatcher([b.address, a.address], SYMBOL, CREDIT_QUERY, RECONNECT_MS) });
    await waitUntil("every watcher to receive updates", () => watchers.every(({ watcher }) => watcher.arrivals.length >= 2), 30_000);

    const samples: { at: number; a: number | undefined; b: number }[] = [];
    const aState = { alive: true };
    const sampling = { on: true };
    const sampler = (async () => {
      while (sampling.on) {
        const at = performance.now();
        const [ownedA, ownedB] = await Promise.all([aState.alive ? ownedByLease(a).catch(() => undefined) : undefined, ownedByLease(b)]);
        samples.push({ at, a: ownedA, b: ownedB });
        await sleep(POLL_MS);
      }
    })();
    await sleep(STEADY_MS);
    const memoryBefore = await memoryOf(b, scanners);
    const killAt = performance.now();
    await stopWith(a, "SIGKILL");
    aState.alive = false;
    const killedAt = performance.now();
    // A's last renewal as NATS stamped it: one sent just before the kill may be stored without
    // A living to log it, and the lease lives a TTL from that one.
    const lastRenewal = await leaseLastWritten(natsUrl, SYMBOL);
    await waitUntil("B to start the feed", () => firstLog(b, "market data feed started") !== undefined, 30_000);
    await sleep(AFTER_MS);
    sampling.on = false;
    await sampler;
    const endAt = performance.now();
    // Streams the suite ends itself (CANCELLED) are not ends the criteria count.
    const stoppedAt = performance.now();
    for (const { watcher } of watchers) watcher.stop();
    // Let the last tick reach every replica before their versions are read.
    await sleep(1500);
    const memoryAfter = await memoryOf(b, scanners);
    const takeovers = await prometheusValue(b.adminPort, "spreadscan_feed_lease_takeovers_total");
    const conflicts = replicated
      ? await Promise.all(scanners.map((scanner) => prometheusValue(scanner.adminPort, "spreadscan_chain_publish_conflicts_total")))
      : [];

    const acquiredAt = logTime(firstLog(b, "feed lease acquired") ?? {});
    const resumedAt = logTime(firstLog(b, "market data feed started") ?? {});
    const acquireMs = acquiredAt - epoch(killAt);
    const lastRenewedAt = lastRenewal.at;
    const pastLeaseMs = acquiredAt - (lastRenewedAt + LEASE_TTL_S * 1000);
    const resumeMs = resumedAt - epoch(killAt);
    const resumeLocal = resumedAt - performance.timeOrigin;
    const intervals = [...feedIntervals("A", a.process.logs, SYMBOL, epoch(killedAt)), ...feedIntervals("B", b.process.logs, SYMBOL, epoch(endAt))];
    const overlapping = overlaps(intervals);
    const bothOwned = samples.filter((sample) => (sample.a ?? 0) + sample.b > 1).length;

    const stayed = watchers.filter(({ home }) => home === "B").map(({ watcher }) => watcher);
    const movedOver = watchers.filter(({ home }) => home === "A").map(({ watcher }) => watcher);
    const stayedEnds = stayed.reduce((sum, watcher) => sum + watcher.ends.filter((end) => end.at < stoppedAt).length, 0);
    const stayedGaps = stayed.map((watcher) => watcher.longestGapMs(killAt - STEADY_MS, endAt));
    const stayedUpdatesAfterResume = stayed.map((watcher) => watcher.arrivalsOn(b.address, resumeLocal).length);
    const failoverMs = movedOver.map((watcher) => (watcher.arrivalsOn(b.address, killAt)[0]?.at ?? Number.POSITIVE_INFINITY) - killAt);
    const movedUpdatesAfterResume = movedOver.map((watcher) => watcher.arrivalsOn(b.address, resumeLocal).filter((arrival) => !arrival.initial).length);
    const lostUpdates = watchers.reduce((sum, { watcher }) => sum + watcher.gaps(), 0);
    const gapBoundMs = LEASE_TTL_S * 1000 + GAP_MARGIN_MS;
    // Only replicas log the versions they commit and publish (the bus's lines).
    const versions = replicated ? scanners.map((scanner) => versionsOf(scanner, SYMBOL)) : [];
    const latest = versions.flat().reduce((max, version) => (version > max ? version : max), 0n);
    const replicaGaps = versions.map((each) => gapsAndRepeats(each, latest));

    const criteria = [
      criterion(
        `the survivor takes the lease when it ages out: within ${SWEEP_MARGIN_MS} ms of the owner's last renewal (as NATS stamped it) + TTL (${LEASE_TTL_S} s)`,
        `${round(pastLeaseMs)} ms after it, ${round(acquireMs)} ms after the kill`,
        Number.isFinite(pastLeaseMs) && pastLeaseMs <= SWEEP_MARGIN_MS,
      ),
      criterion(
        "the survivor starts the feed (base chain fetched again) after taking the lease",
        `${round(resumeMs)} ms after the kill`,
        resumeMs >= acquireMs,
      ),
      criterion(
        "never two feeds at once (both coordinators' logs: started / stopped, A's ends at the kill)",
        `${overlapping.length} overlaps in ${intervals.length} feeds`,
        overlapping.length === 0 && intervals.length === 2,
      ),
      criterion(
        `never both owners (spreadscan_feeds_owned{mode="lease"} every ${POLL_MS} ms)`,
        `${bothOwned} of ${samples.length} samples`,
        bothOwned === 0 && samples.length > 0,
      ),
      criterion("the survivor's watchers' streams never end", `${stayedEnds} ended`, stayedEnds === 0),
      criterion(
        `the survivor's watchers keep receiving: longest wait between updates within the TTL + ${GAP_MARGIN_MS / 1000} s`,
        `max ${round(Math.max(...stayedGaps))} ms`,
        Math.max(...stayedGaps) <= gapBoundMs,
      ),
      criterion(
        "the survivor's watchers receive the survivor's feed",
        `${stayedUpdatesAfterResume.join(", ")} updates each`,
        stayedUpdatesAfterResume.every((count) => count > 0),
      ),
      criterion(
        "the killed coordinator's watchers fail over to the survivor and receive its feed",
        `${movedUpdatesAfterResume.join(", ")} updates each after its feed started`,
        movedUpdatesAfterResume.every((count) => count > 0),
      ),
      criterion("no update lost within a stream (sequence numbers)", `${lostUpdates} gaps`, lostUpdates === 0),
      criterion("one takeover counted by the survivor", `${takeovers}`, takeovers === 1),
      ...replicaGaps.map((each, index) =>
        criterion(
          `scanner ${index + 1} stores every version 1..${latest} of ${SYMBOL}, none twice, through the takeover`,
          `${each.missing} missing, ${each.repeated} repeated`,
          latest > 1n && each.missing === 0 && each.repeated === 0,
        ),
      ),
    ];
    return recordResult({
      name: replicated ? "cluster-feed-owner" : "feed-owner",
      title: replicated
        ? "The whole cluster: feed owner SIGKILL with three scanner replicas (issue 15, proof 9)"
        : "Feed owner SIGKILL, two coordinators and one scanner (issue 15, proof 9)",
      load: replicated
        ? `${WATCHERS_EACH} watchers of ${SYMBOL} on each of two coordinators, each coordinator round robin over three scanners sharing chains over NATS JetStream; simulated market ticking every 0.5 s`
        : `${WATCHERS_EACH} watchers of ${SYMBOL} on each of two coordinators (one scanner, one nats-server), simulated market ticking every 0.5 s`,
      faults: `the coordinator owning the feed SIGKILLed (FEED_LEASE_TTL ${LEASE_TTL_S} s, FEED_LEASE_RENEW_INTERVAL ${RENEW_S} s); its watchers reconnect to the other after ${RECONNECT_MS} ms`,
      calls: watchers.reduce((sum, { watcher }) => sum + watcher.ends.length + 1, 0),
      byStatus: { CANCELLED: watchers.length, UNAVAILABLE: watchers.reduce((sum, { watcher }) => sum + watcher.ends.length, 0) },
      hungCalls: 0,
      lostWatcherUpdates: lostUpdates,
      memory: memoryFigures(memoryBefore, memoryAfter),
      criteria,
      figures: {
        "kill to lease taken by the survivor (ms)": round(acquireMs),
        "owner's last renewal (NATS's stamp) to the kill (ms); renewals A logged / the key's revision then": `${round(epoch(killAt) - lastRenewedAt)}; ${a.process.logs.filter((line) => line.msg === "feed lease renewed").length + 1} / ${lastRenewal.revision}`,
        "kill to feed started on the survivor (ms)": round(resumeMs),
        "lease taken to feed started: base chain fetched and sent to a replica (ms)": round(resumedAt - acquiredAt),
        "survivor's watchers: longest wait between updates, each (ms)": stayedGaps.map((gap) => round(gap)).join(", "),
        "killed one's watchers: kill to first message from the survivor, p50 / max (ms)": `${round(percentile(failoverMs, 0.5))} / ${round(Math.max(...failoverMs))}`,
        "feeds by the logs (coordinator: start → stop, ms after the kill)": intervals
          .map(
            (each) =>
              `${each.coordinator}: ${round(each.startedAt - epoch(killAt))} → ${round(each.stoppedAt - epoch(killAt))}${each.stopLogged ? "" : " (not logged: killed / still running)"}`,
          )
          .join("; "),
        ...(replicated
          ? {
              "versions of the symbol, and versions each replica committed": `${latest}: ${versions.map((each) => each.length).join(", ")}`,
              "publish conflicts per replica (ticks spread round robin)": conflicts.join(", "),
            }
          : {}),
        "ownership samples (both owners / total)": `${bothOwned} / ${samples.length}`,
      },
      measurements: {
        acquireMs: round(acquireMs),
        resumeMs: round(resumeMs),
        maxStayedGapMs: round(Math.max(...stayedGaps)),
        maxFailoverMs: round(Math.max(...failoverMs)),
      },
      durationSeconds: round((performance.now() - began) / 1000),
    });
  } finally {
    for (const { watcher } of watchers) watcher.stop();
  }
}

/** B's resident memory after a forced GC, and each scanner's. */
async function memoryOf(b: RunningService, scanners: readonly RunningService[]): Promise<{ b: number; scanners: number[] }> {
  await forceGc(b.process);
  return { b: await residentMemoryBytes(b.adminPort), scanners: await Promise.all(scanners.map((scanner) => residentMemoryBytes(scanner.adminPort))) };
}

function memoryFigures(before: { b: number; scanners: number[] }, after: { b: number; scanners: number[] }): MemoryFigure[] {
  return [
    {
      process: "coordinator B",
      beforeMb: mebibytes(before.b),
      afterMb: mebibytes(after.b),
      note: "resident, after a forced GC; before: following A's feed with 3 watchers; after: running the feed with 6",
    },
    ...before.scanners.map((bytes, index) => ({ process: `scanner ${index + 1}`, beforeMb: mebibytes(bytes), afterMb: mebibytes(after.scanners[index]!) })),
  ];
}

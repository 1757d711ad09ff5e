// What the whole-cluster suite (cluster.fault.ts) reads from a fleet of real processes: the
// chain versions each scanner replica committed (its debug log), whether they leave a gap or
// repeat, the feeds a coordinator runs as the lease's owner, and a watcher of a coordinator or
// a scanner that keeps every message it received.
import { credentials } from "@grpc/grpc-js";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { CoordinatorServiceClient, WatchSpreadsRequest as CoordinatorWatchRequest } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult, SpreadsUpdate } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { ScannerServiceClient, WatchSpreadsRequest } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { FEED_LEASE_BUCKET } from "../../../services/coordinator/feed-ownership/cluster-feed-ownership.js";
import type { LogLine } from "../../support/echo-server.js";
import { ReconnectingWatcher } from "./reconnecting-watcher.js";
import { CLIENT_CHANNEL_OPTIONS, prometheusValue, sleep, startScanner, waitUntil, type RunningService } from "./services.js";

export const logTime = (line: LogLine): number => Date.parse(String(line.time));

/** `count` scanner processes sharing chains through `natsUrl`, each logging every version it commits (debug), once each has reached NATS. */
export async function startScannerFleet(count: number, natsUrl: string, env: Record<string, string> = {}): Promise<RunningService[]> {
  const scanners: RunningService[] = [];
  for (let index = 0; index < count; index++) scanners.push(await startScanner({ NATS_URL: natsUrl, LOG_LEVEL: "debug", ...env }));
  for (const scanner of scanners)
    // The scanner's one dependency is nats.
    await waitUntil("the scanner reaches NATS", async () => (await prometheusValue(scanner.adminPort, "spreadscan_dependency_up")) === 1);
  return scanners;
}

/** `ipv4:` target of every scanner: a coordinator's round robin over the fleet. */
export const roundRobinTarget = (scanners: readonly RunningService[]): string => `ipv4:${scanners.map((scanner) => scanner.address).join(",")}`;

/** The "chain version …" lines a replica logged for `symbol`: published by it (not republished), or applied from the bus. */
export function versionLines(scanner: RunningService, symbol: string): LogLine[] {
  return scanner.process.logs.filter(
    (line) =>
      line.symbol === symbol &&
      (line.msg === "chain version applied from the bus" || (line.msg === "chain version published" && line.reason !== "republished")),
  );
}

export const versionsOf = (scanner: RunningService, symbol: string): bigint[] => versionLines(scanner, symbol).map((line) => BigInt(String(line.version)));

/** Versions in 1..`latest` a replica never committed, and versions it committed more than once. */
export function gapsAndRepeats(versions: readonly bigint[], latest: bigint): { missing: number; repeated: number } {
  const seen = new Set(versions.map(String));
  let missing = 0;
  for (let version = 1n; version <= latest; version++) if (!seen.has(String(version))) missing++;
  return { missing, repeated: versions.length - seen.size };
}

/** feeds_owned{mode="lease"} of a coordinator: the feeds it runs as the fleet's owner. */
export async function ownedByLease(service: RunningService): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.adminPort}/metrics`)).text();
  const match = /^spreadscan_feeds_owned\{[^}]*mode="lease"[^}]*\} (\S+)$/m.exec(text);
  if (!match?.[1]) throw new Error(`spreadscan_feeds_owned is not among the metrics on port ${service.adminPort}`);
  return Number(match[1]);
}

/** The spreads of a result, comparable as text. */
export const spreadsOf = (result: ScanResult | undefined): string => JSON.stringify((result?.spreads ?? []).map((spread) => Spread.toJSON(spread)));

/** A watcher that reopens its stream when it ends (a scanner recycles connections), keeping every message. */
export interface KeptWatch {
  readonly watcher: ReconnectingWatcher;
  readonly close: () => void;
}

export function watchCoordinator(address: string, symbol: string, query: ScanQuery): KeptWatch {
  const client = new CoordinatorServiceClient(address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  const watcher = new ReconnectingWatcher(() => client.watchSpreads(CoordinatorWatchRequest.fromPartial({ symbol, query, minIntervalMs: 1 })), 200);
  return {
    watcher,
    close: () => {
      watcher.stop();
      client.close();
    },
  };
}

export function watchScanner(address: string, symbol: string, query: ScanQuery): KeptWatch {
  const client = new ScannerServiceClient(address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  const watcher = new ReconnectingWatcher(() => client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol, query, minIntervalMs: 1 })), 200);
  return {
    watcher,
    close: () => {
      watcher.stop();
      client.close();
    },
  };
}

/** Every message a watcher received, over all its streams, in order. */
export const messagesOf = (watch: KeptWatch): SpreadsUpdate[] => watch.watcher.connections.flatMap((connection) => connection.updates);

/** How the watcher's streams ended before the suite stopped it (none: every stream is still open). */
export const endingsOf = (watch: KeptWatch): string[] =>
  watch.watcher.connections.flatMap((connection) => (connection.ended ? [`${connection.ended.code} "${connection.ended.details}"`] : []));

/**
 * When NATS stored the last write of a symbol's feed lease, and its revision: the lease lives a
 * TTL from it. Read after an owner is killed, it counts a renewal sent just before the kill
 * that the owner did not live to log. Waits 100 ms first, for such a renewal to be stored.
 */
export async function leaseLastWritten(natsUrl: string, symbol: string): Promise<{ at: number; revision: number }> {
  await sleep(100);
  const observer = await connect({ servers: natsUrl });
  try {
    const entry = await (await new Kvm(observer).open(FEED_LEASE_BUCKET)).get(`feed.${symbol}`);
    return { at: entry?.created.getTime() ?? Number.NaN, revision: entry?.revision ?? 0 };
  } finally {
    await observer.close();
  }
}

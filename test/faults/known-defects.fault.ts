// The defects the fault suites found, each reproduced: every test records what the service
// should do (the criterion, flagged with its defect, shown in docs/RELIABILITY.md) and
// asserts that the defect still shows as described, so that a fix makes its test fail here
// with a message saying so: then drop the test, the defect from support/known-defects.ts, and
// its flags on other suites' criteria. KD-1 and KD-2 depend on timing and are flagged on
// suite 1's criteria instead.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { credentials, Metadata, status, type Client, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, CoordinatorServiceService, ScanRequest, SubmitScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScannerServiceClient, ScannerServiceService, ScanRequest as ScannerScanRequest, WatchSpreadsRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { generateSyntheticChain } from "../../services/common/market-model/synthetic-chain.js";
import { round } from "./support/call-recorder.js";
import { criterion, mebibytes, recordResult, statusName, type Criterion } from "./support/fault-report.js";
import { forceGc, INSPECT_ARGUMENTS } from "./support/force-gc.js";
import { packedEnums } from "./support/fuzz-corpus.js";
import { CLIENT_CHANNEL_OPTIONS, killAll, prometheusValue, sleep, startCoordinator, startScanner, type RunningService } from "./support/services.js";

const UNKNOWN_STRATEGY = 99;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const began = performance.now();
const criteria: Criterion[] = [];
const figures: Record<string, string | number> = {};
const byStatus: Record<string, number> = {};
let calls = 0;

let scanner: RunningService;
let coordinator: RunningService;
let doomed: RunningService;
let scannerClient: ScannerServiceClient;
let doomedClient: CoordinatorServiceClient;
const clients: Client[] = [];

/** A client on a connection of its own: KD-3 stalls the connection it happens on. */
function coordinatorClient(): CoordinatorServiceClient {
  const client = new CoordinatorServiceClient(coordinator.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  clients.push(client);
  return client;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** The code of a call that only the client's deadline ended: the service never answered. */
const NO_ANSWER = -2;
type RawOutcome = { readonly code: status | typeof NO_ANSWER; readonly details: string; readonly ms: number };

/** A raw call: its status and how long it took. */
function raw(client: Client, path: string, body: Buffer, stream: boolean, deadlineMs: number): Promise<RawOutcome> {
  const started = performance.now();
  const options = { deadline: new Date(Date.now() + deadlineMs) };
  return new Promise((resolve) => {
    const done = (code: status, details: string): void => {
      const clientDeadline = code === status.DEADLINE_EXCEEDED && details.startsWith("Deadline exceeded after");
      const name = clientDeadline ? "NO ANSWER (client deadline)" : statusName(code);
      byStatus[name] = (byStatus[name] ?? 0) + 1;
      calls++;
      resolve({ code: clientDeadline ? NO_ANSWER : code, details, ms: performance.now() - started });
    };
    if (stream) {
      const call = client.makeServerStreamRequest(path, identity, identity, body, new Metadata(), options);
      call.on("data", () => call.cancel());
      call.on("error", () => undefined);
      call.on("status", ({ code, details }: StatusObject) => done(code, details));
    } else {
      client.makeUnaryRequest(path, identity, identity, body, new Metadata(), options, (error: ServiceError | null) => done(error ? error.code : status.OK, error?.details ?? ""));
    }
  });
}

/** A query of `count` unknown strategies, as field 2 of a request. */
const unknownStrategies = (count: number): Uint8Array => new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(packedEnums(1, UNKNOWN_STRATEGY, count)).finish();

async function liveHeap(service: RunningService): Promise<number> {
  await forceGc(service.process);
  await sleep(300);
  await forceGc(service.process);
  return prometheusValue(service.adminPort, "nodejs_heap_size_used_bytes");
}

const outcomeText = (outcome: RawOutcome): string => `${outcome.code === NO_ANSWER ? "no answer (client deadline)" : statusName(outcome.code)} after ${round(outcome.ms)} ms`;

beforeAll(async () => {
  scanner = await startScanner();
  // Finished jobs and results are meant to be gone a second after they finish.
  coordinator = await startCoordinator(
    scanner.address,
    { JOB_RETENTION: "1", SCAN_CACHE_TTL: "1", STALE_RESULT_MAX_AGE: "1", REQUESTS_PER_SECOND: "1000", BURST_SIZE: "1000", MAX_CONCURRENT_SCANS: "4" },
    0,
    INSPECT_ARGUMENTS,
  );
  // A coordinator of its own for the request that kills it.
  doomed = await startCoordinator(scanner.address);
  scannerClient = new ScannerServiceClient(scanner.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  doomedClient = new CoordinatorServiceClient(doomed.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
});

/** Fails with a message that says what to do when a defect no longer shows. */
function stillShows(id: string, shows: boolean, measured: string): void {
  expect(shows, `${id} no longer shows (${measured}): fixed? Drop its test, its entry in support/known-defects.ts and its flags`).toBe(true);
}

afterAll(() => {
  for (const client of [...clients, scannerClient, doomedClient]) client.close();
  killAll();
  recordResult({
    name: "known-defects",
    title: "Known defects, reproduced",
    load: "one request (or a few) per defect",
    faults: "requests that trigger each known defect (see the defect list)",
    calls,
    byStatus,
    hungCalls: 0,
    lostWatcherUpdates: null,
    memory: [],
    criteria,
    figures,
    durationSeconds: round((performance.now() - began) / 1000),
  });
});

describe("known defects, reproduced until fixed", () => {
  it("KD-3: a coordinator Scan of 1,000 unknown strategies (1 KB) gets no answer", async () => {
    const body = Buffer.concat([ScanRequest.encode(ScanRequest.fromPartial({ symbol: "IWM" })).finish(), unknownStrategies(1000)]);
    const client = coordinatorClient();
    const outcome = await raw(client, CoordinatorServiceService.scan.path, body, false, 3000);
    // The next call on the same connection, an empty GetMetrics.
    const next = await raw(client, CoordinatorServiceService.getMetrics.path, Buffer.alloc(0), false, 5000);
    figures["KD-3: a GetMetrics right after, on the same connection"] = outcomeText(next);
    criteria.push(criterion(`coordinator Scan, 1,000 unknown strategies (${body.length} bytes): INVALID_ARGUMENT within 3 s`, outcomeText(outcome), outcome.code === status.INVALID_ARGUMENT, "KD-3"));
    stillShows("KD-3", outcome.code === NO_ANSWER, outcomeText(outcome));
  });

  it("KD-3: a scanner WatchSpreads of 1,000 unknown strategies gets no answer", async () => {
    const body = Buffer.concat([WatchSpreadsRequest.encode(WatchSpreadsRequest.fromPartial({ symbol: "IWM" })).finish(), unknownStrategies(1000)]);
    const outcome = await raw(scannerClient, ScannerServiceService.watchSpreads.path, body, true, 3000);
    criteria.push(criterion(`scanner WatchSpreads, 1,000 unknown strategies (${body.length} bytes): INVALID_ARGUMENT within 3 s`, outcomeText(outcome), outcome.code === status.INVALID_ARGUMENT, "KD-3"));
    stillShows("KD-3", outcome.code === NO_ANSWER, outcomeText(outcome));
  });

  it("KD-4: failed jobs, and the chains they sent, outlive JOB_RETENTION", async () => {
    const client = coordinatorClient();
    const scan = (index: number): Promise<RawOutcome> =>
      // No width or DTE bound: the scanner refuses the query as too broad, after the coordinator fetched and sent the chain.
      raw(client, CoordinatorServiceService.scan.path, Buffer.from(ScanRequest.encode(ScanRequest.fromPartial({ symbol: "AAPL", query: ScanQuery.fromPartial({ filters: { minPop: index / 1000 } }) })).finish()), false, 30_000);
    expect((await scan(0)).code).toBe(status.INVALID_ARGUMENT);
    await sleep(2500);
    const before = await liveHeap(coordinator);
    const failed = 30;
    const outcomes: RawOutcome[] = [];
    for (let index = 1; index <= failed; index++) outcomes.push(await scan(index));
    // Past JOB_RETENTION (1 s) and the caches' one-second sweeps.
    await sleep(2500);
    const growth = (await liveHeap(coordinator)) - before;
    figures["KD-4: failed scans (INVALID_ARGUMENT from the scanner)"] = `${outcomes.filter((outcome) => outcome.code === status.INVALID_ARGUMENT).length} of ${failed}`;
    figures["KD-4: coordinator live heap kept per failed scan, after JOB_RETENTION (MB)"] = mebibytes(growth / failed);
    expect(outcomes.every((outcome) => outcome.code === status.INVALID_ARGUMENT)).toBe(true);
    criteria.push(criterion(`coordinator live heap after ${failed} failed AAPL scans and JOB_RETENTION (1 s): grows < 10 MB`, `${mebibytes(growth)} MB`, mebibytes(growth) < 10, "KD-4"));
    stillShows("KD-4", mebibytes(growth) >= 10, `${mebibytes(growth)} MB`);
  });

  it("KD-5: a SubmitScan of 4 Mi repeated strategies costs the coordinator tens of MB", async () => {
    const before = await liveHeap(coordinator);
    const count = MAX_REQUEST_BYTES - 64;
    const body = Buffer.concat([
      SubmitScanRequest.encode(SubmitScanRequest.fromPartial({ symbol: "MSFT", query: ScanQuery.fromPartial({ filters: { maxDte: 30, maxWidth: 5 } }) })).finish(),
      new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(packedEnums(1, Strategy.STRATEGY_BULL_PUT, count)).finish(),
    ]);
    const outcome = await raw(coordinatorClient(), CoordinatorServiceService.submitScan.path, body, false, 10_000);
    const growth = (await liveHeap(coordinator)) - before;
    figures["KD-5: SubmitScan of 4 Mi BULL_PUT strategies"] = `${outcomeText(outcome)}, ${body.length} bytes`;
    expect(outcome.code).toBe(status.OK);
    criteria.push(criterion("coordinator live heap after one 4 MiB SubmitScan: grows < 8 MB", `${mebibytes(growth)} MB`, mebibytes(growth) < 8, "KD-5"));
    stillShows("KD-5", mebibytes(growth) >= 8, `${mebibytes(growth)} MB`);
  });

  it("KD-6: a scanner Scan whose chain.as_of is beyond JavaScript's dates fails INTERNAL", async () => {
    const chain = generateSyntheticChain({ symbol: "AAPL", seed: 7, asOf: new Date() });
    // OptionChain field 3, as_of: a Timestamp of 2^62 seconds, valid protobuf, no valid Date.
    const asOf = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(new BinaryWriter().tag(1, WireType.Varint).int64(2n ** 62n).finish()).finish();
    const chainBytes = Buffer.concat([OptionChain.encode(OptionChain.fromPartial({ ...chain, asOf: undefined, quotes: chain.quotes.slice(0, 300) })).finish(), asOf]);
    const body = Buffer.concat([
      ScannerScanRequest.encode(ScannerScanRequest.fromPartial({ symbol: "AAPL", query: ScanQuery.fromPartial({ filters: { maxDte: 45, maxWidth: 5 } }) })).finish(),
      new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(chainBytes).finish(),
    ]);
    const outcome = await raw(scannerClient, ScannerServiceService.scan.path, body, false, 5000);
    criteria.push(criterion("scanner Scan, inline chain with as_of = 2^62 s: INVALID_ARGUMENT", outcomeText(outcome), outcome.code === status.INVALID_ARGUMENT, "KD-6"));
    stillShows("KD-6", outcome.code === status.INTERNAL, outcomeText(outcome));
  });

  it("KD-3: a 4 MiB ListJobs of unknown states kills the coordinator", async () => {
    // Last, and alone: the coordinator spends half a minute of both cores on it.
    const floodSentAt = performance.now();
    const flood = raw(doomedClient, CoordinatorServiceService.listJobs.path, Buffer.from(packedEnums(1, UNKNOWN_STRATEGY, MAX_REQUEST_BYTES - 16)), false, 10_000);
    const outcome = await flood;
    // It takes the coordinator about 30 s to build the header that kills it.
    while (doomed.process.child.exitCode === null && doomed.process.child.signalCode === null && performance.now() - floodSentAt < 60_000) await sleep(250);
    const exitedAfterS = round((performance.now() - floodSentAt) / 1000);
    const exit = doomed.process.child.exitCode ?? doomed.process.child.signalCode;
    const cause = /Error: [^\n]*|code: '[A-Z_]+'/g;
    figures["KD-3: ListJobs of 4 Mi unknown states"] = outcomeText(outcome);
    figures["KD-3: that coordinator afterwards"] = exit === null ? "still running after 60 s" : `exited (${exit}) ${exitedAfterS} s after the request: ${(doomed.process.stderr().match(cause) ?? []).join("; ")}`;
    criteria.push(
      criterion(
        "coordinator ListJobs, 4 Mi unknown states (4 MiB): INVALID_ARGUMENT within 10 s, still running 60 s later",
        `${outcomeText(outcome)}; ${exit === null ? "running" : `exited (${exit}) after ${exitedAfterS} s`}`,
        outcome.code === status.INVALID_ARGUMENT && exit === null,
        "KD-3",
      ),
    );
    stillShows("KD-3", exit !== null, figures["KD-3: that coordinator afterwards"]);
  });
});

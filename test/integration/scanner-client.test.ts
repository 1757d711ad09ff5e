// The coordinator's scanner client against real gRPC servers on loopback: the real scanner
// for the happy path, and scripted grpc-js servers that fail on purpose for the rest.
import { InterceptingCall, status, type Interceptor } from "@grpc/grpc-js";
import { CircuitState } from "cockatiel";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ScanFilters, ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import {
  ScanRequest,
  ScanResponse,
  UpdateChainRequest,
  UpdateMode,
  WatchSpreadsRequest,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { invalidArgument, notFound, resourceExhausted, RpcError, unavailable } from "../../services/common/errors.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { createScannerCircuitBreaker, type ScannerBreaker } from "../../services/coordinator/scanner-client/scanner-breaker.js";
import { ScannerClient, type ScannerClientOptions } from "../../services/coordinator/scanner-client/scanner-client.js";
import { startFlakyScanner, type FlakyScanner } from "../fixtures/flaky-scanner.js";
import { startInProcessScanner, type InProcessScanner } from "../support/in-process-scanner.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const CHAIN = generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 7, asOf: AS_OF });
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
  filters: ScanFilters.fromPartial({ minDte: 20, maxDte: 45, maxShortDelta: 0.3, maxWidth: 5 }),
  limit: 10,
});
const SCAN = ScanRequest.fromPartial({ symbol: "IWM", query: QUERY });
// A stopped scanner is noticed, and a restarted one found, in a tenth of a second.
const QUICK_RECONNECT = { "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 100 };

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function breaker(threshold = 100, halfOpenAfterMs = 60_000): ScannerBreaker {
  return createScannerCircuitBreaker({ threshold, halfOpenAfterMs });
}

function clientFor(address: string, options: Partial<ScannerClientOptions> = {}): ScannerClient {
  const client = new ScannerClient({
    address,
    attemptTimeoutMs: 5_000,
    maxRetries: 3,
    breaker: breaker(),
    retryBaseDelayMs: 5,
    channelOptions: QUICK_RECONNECT,
    ...options,
  });
  cleanups.push(() => client.close());
  return client;
}

async function flaky(...args: Parameters<typeof startFlakyScanner>): Promise<FlakyScanner> {
  const server = await startFlakyScanner(...args);
  cleanups.push(() => server.stop());
  return server;
}

/** The error a call failed with, which must be an RpcError. */
async function failureOf(call: Promise<unknown>): Promise<RpcError> {
  const error = await call.then(
    () => {
      throw new Error("the call succeeded");
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

const inMs = (ms: number): Date => new Date(Date.now() + ms);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds; the test's own timeout bounds the wait. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

/** A grpc-js interceptor that records the deadline of every call as the client sends it. */
function deadlinesSentTo(sent: Date[]): Interceptor {
  return (options, nextCall) => {
    if (options.deadline instanceof Date) sent.push(options.deadline);
    return new InterceptingCall(nextCall(options));
  };
}

describe("the scanner client against the real scanner", () => {
  let scanner: InProcessScanner;

  it("stores a chain, scans it, watches its top N, and reports the scanner healthy", async () => {
    scanner = await startInProcessScanner();
    cleanups.push(() => scanner.close());
    const client = clientFor(`127.0.0.1:${scanner.port}`);

    // The first call also connects: a busy machine may take longer than the default second.
    expect(await client.checkHealth(30_000)).toBe(true);
    const stored = await client.updateChain(UpdateChainRequest.fromPartial({ chain: CHAIN, mode: UpdateMode.UPDATE_MODE_REPLACE }), {
      deadline: inMs(5_000),
    });
    expect(stored.symbol).toBe("IWM");
    expect(stored.changed).toBe(true);

    const result = await client.scan(SCAN, { deadline: inMs(5_000) });
    expect(result.symbol).toBe("IWM");
    expect(result.chainVersion).toBe(stored.version);
    expect(result.spreads.length).toBeGreaterThan(0);

    const watching = new AbortController();
    const messages: WatchSpreadsResponse[] = [];
    for await (const message of client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query: QUERY }), watching.signal)) {
      messages.push(message);
      watching.abort();
    }
    // Aborting ends the stream quietly, after the snapshot.
    expect(messages).toHaveLength(1);
    const snapshot = messages[0]!.update!;
    expect(snapshot.initial).toBe(true);
    expect(snapshot.sequence).toBe(1n);
    expect(snapshot.result!.spreads.map((spread) => spread.id)).toEqual(result.spreads.map((spread) => spread.id));
  });

  it("passes the scanner's errors on, from unary calls and streams alike", async () => {
    scanner = await startInProcessScanner();
    cleanups.push(() => scanner.close());
    const client = clientFor(`127.0.0.1:${scanner.port}`);

    const missing = await failureOf(client.scan(ScanRequest.fromPartial({ symbol: "NOPE", query: QUERY })));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.message).toMatch(/no chain is stored for NOPE/);

    const stream = client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "NOPE", query: QUERY }), new AbortController().signal);
    const streamError = await failureOf(stream[Symbol.asyncIterator]().next());
    expect(streamError.code).toBe(status.NOT_FOUND);
  });
});

describe("retries", () => {
  it("retries UNAVAILABLE until the scanner answers", async () => {
    const server = await flaky({
      scan: (index) => (index < 2 ? { error: unavailable("warming up") } : { response: ScanResponse.fromPartial({ result: { symbol: "SPY" } }) }),
    });
    const lines: { msg?: string; code?: string; attempt?: number }[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const client = clientFor(server.address, { maxRetries: 3, logger });
    const result = await client.scan(ScanRequest.fromPartial({ symbol: "SPY" }), { deadline: inMs(5_000) });
    expect(result.symbol).toBe("SPY");
    expect(server.callsOf("scan")).toHaveLength(3);
    expect(lines.filter((line) => line.msg === "scanner call failed; retrying").map(({ code, attempt }) => ({ code, attempt }))).toEqual([
      { code: "UNAVAILABLE", attempt: 1 },
      { code: "UNAVAILABLE", attempt: 2 },
    ]);
  });

  it("gives up after maxRetries retries with the scanner's last error", async () => {
    const server = await flaky({ scan: () => ({ error: unavailable("still down") }) });
    const client = clientFor(server.address, { maxRetries: 2 });
    const error = await failureOf(client.scan(SCAN, { deadline: inMs(5_000) }));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.message).toBe("still down");
    expect(server.callsOf("scan")).toHaveLength(3);
  });

  it("waits the RetryInfo delay of a RESOURCE_EXHAUSTED before the next attempt", async () => {
    const server = await flaky({
      updateChain: (index) =>
        index === 0 ? { error: resourceExhausted("scan queue full", 300) } : { response: { symbol: "IWM", version: 4n, changed: true, quoteCount: 10n } },
    });
    const lines: { msg?: string; code?: string; delayMs?: number }[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const client = clientFor(server.address, { retryBaseDelayMs: 1, logger });
    const stored = await client.updateChain(UpdateChainRequest.fromPartial({ chain: CHAIN }), { deadline: inMs(60_000) });
    expect(stored.version).toBe(4n);
    expect(server.callsOf("updateChain")).toHaveLength(2);
    // The wait before the second attempt, as the retry policy slept it: the server's 300 ms,
    // not the jittered backoff from 1 ms (under 2 ms at a first retry).
    expect(lines.filter((line) => line.msg === "scanner call failed; retrying").map(({ code, delayMs }) => ({ code, delayMs }))).toEqual([
      { code: "RESOURCE_EXHAUSTED", delayMs: 300 },
    ]);
  });

  it("does not wait for a RetryInfo delay that ends past the caller's deadline", async () => {
    const server = await flaky({ scan: () => ({ error: resourceExhausted("scan queue full", 5_000) }) });
    const client = clientFor(server.address);
    const error = await failureOf(client.scan(SCAN, { deadline: inMs(1_000) }));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details.retryDelayMs).toBe(5_000);
    expect(server.callsOf("scan")).toHaveLength(1);
  });

  it("never retries INVALID_ARGUMENT, and keeps its field violations as the scanner gave them", async () => {
    const violations = [
      { field: "query.filters.min_pop", description: "must be from 0 to 1" },
      { field: "query.limit", description: "must be at most 500" },
    ];
    const server = await flaky({ scan: () => ({ error: invalidArgument(violations) }) });
    const shared = breaker(1);
    const client = clientFor(server.address, { breaker: shared });
    const error = await failureOf(client.scan(SCAN));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toBe("invalid request: query.filters.min_pop: must be from 0 to 1; query.limit: must be at most 500");
    expect(error.details.fieldViolations).toEqual(violations);
    expect(server.callsOf("scan")).toHaveLength(1);
    // A caller's mistake is not the scanner's failure, even with a threshold of one.
    expect(shared.state).toBe(CircuitState.Closed);
  });
});

describe("time limits", () => {
  it("times out each attempt, retries while the caller's deadline has room, then answers DEADLINE_EXCEEDED", async () => {
    const server = await flaky({ scan: () => "hang" });
    const sent: Date[] = [];
    const client = clientFor(server.address, {
      attemptTimeoutMs: 1_000,
      maxRetries: 10,
      channelOptions: { ...QUICK_RECONNECT, interceptors: [deadlinesSentTo(sent)] },
    });
    // Room for one attempt with its own time limit, then one cut short by the caller's deadline.
    const deadline = inMs(1_500);
    const error = await failureOf(client.scan(SCAN, { deadline }));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    // The caller's deadline ended the call, not a give-up after an attempt's own time limit.
    expect(error.message).toBe("the deadline passed before the scanner answered");
    expect(server.callsOf("scan")).toHaveLength(2);
    // Each attempt's deadline on the wire: its own time limit, never past the caller's.
    expect(sent).toHaveLength(2);
    expect(sent[0]!.getTime()).toBeLessThan(deadline.getTime());
    expect(sent[1]!.getTime()).toBe(deadline.getTime());
  });

  it("answers DEADLINE_EXCEEDED at a caller's deadline shorter than an attempt, without blaming the scanner", async () => {
    const server = await flaky({ scan: () => "hang" });
    const shared = breaker(1);
    const client = clientFor(server.address, { attemptTimeoutMs: 5_000, breaker: shared });
    const error = await failureOf(client.scan(SCAN, { deadline: inMs(200) }));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(server.callsOf("scan")).toHaveLength(1);
    expect(shared.state).toBe(CircuitState.Closed);
  });

  it("answers a deadline already passed at once, without calling", async () => {
    const server = await flaky();
    const client = clientFor(server.address);
    const error = await failureOf(client.scan(SCAN, { deadline: new Date(Date.now() - 1) }));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(server.calls).toHaveLength(0);
  });

  it("stops at once when the caller aborts, and tries no more", async () => {
    const server = await flaky({ scan: () => "hang" });
    // No deadline and an attempt limit far past the test's own: only the abort can end this call.
    const client = clientFor(server.address, { attemptTimeoutMs: 600_000 });
    const controller = new AbortController();
    const call = failureOf(client.scan(SCAN, { signal: controller.signal }));
    await until(() => server.calls.length === 1);
    controller.abort();
    expect((await call).code).toBe(status.CANCELLED);
    // A retry, were one made, would reach the server within a few milliseconds of backoff.
    await sleep(100);
    expect(server.callsOf("scan")).toHaveLength(1);
  });
});

describe("the circuit breaker", () => {
  it("opens after threshold failed attempts with nothing but failures, fails fast without calling, and closes once the scanner is back", async () => {
    const first = await flaky();
    const { port } = first;
    first.stop();
    const shared = breaker(3, 300);
    const client = clientFor(first.address, { breaker: shared, maxRetries: 2 });

    // One call, three attempts, three failures: every attempt counts toward the breaker.
    const down = await failureOf(client.scan(SCAN, { deadline: inMs(5_000) }));
    expect(down.code).toBe(status.UNAVAILABLE);
    expect(shared.state).toBe(CircuitState.Open);

    // The scanner is back, but the circuit is still open: no call reaches it.
    const back = await flaky({}, port);
    const fast = await failureOf(client.scan(SCAN, { deadline: inMs(5_000) }));
    expect(fast.code).toBe(status.UNAVAILABLE);
    expect(fast.message).toMatch(/^the scanner is unavailable \(circuit open: too many of its recent calls failed\); retry in \d+ ms$/);
    expect(fast.details.retryDelayMs).toBeGreaterThan(0);
    expect(fast.details.retryDelayMs).toBeLessThanOrEqual(300);
    expect(back.calls).toHaveLength(0);

    // Once halfOpenAfter has passed, the probe goes through and closes the circuit.
    await sleep(fast.details.retryDelayMs! + 50);
    const result = await client.scan(SCAN, { deadline: inMs(5_000) });
    expect(result.symbol).toBe("IWM");
    expect(back.calls).toHaveLength(1);
    expect(shared.state).toBe(CircuitState.Closed);
  });

  it("probes past the channel's reconnect backoff, so a restarted scanner closes the circuit at the first probe", async () => {
    const first = await flaky();
    const { port } = first;
    first.stop();
    const shared = breaker(1, 200);
    // A backoff far longer than the circuit's wait: the probe falls due while the channel still waits to reconnect.
    const client = clientFor(first.address, {
      breaker: shared,
      maxRetries: 0,
      channelOptions: { "grpc.initial_reconnect_backoff_ms": 2_000, "grpc.max_reconnect_backoff_ms": 2_000 },
    });
    expect((await failureOf(client.scan(SCAN, { deadline: inMs(5_000) }))).code).toBe(status.UNAVAILABLE);
    expect(shared.state).toBe(CircuitState.Open);

    const back = await flaky({}, port);
    await sleep(300);
    const result = await client.scan(SCAN, { deadline: inMs(10_000) });
    expect(result.symbol).toBe("IWM");
    expect(back.calls).toHaveLength(1);
    expect(shared.state).toBe(CircuitState.Closed);
  });

  it("counts only the scanner's own failures", async () => {
    let failure: RpcError = notFound("no chain is stored for IWM");
    const server = await flaky({ scan: () => ({ error: failure }) });
    const shared = breaker(2);
    const client = clientFor(server.address, { breaker: shared, maxRetries: 0 });
    for (const error of [notFound("no chain"), invalidArgument([{ field: "symbol", description: "must not be empty" }]), resourceExhausted("busy", 10)]) {
      failure = error;
      await failureOf(client.scan(SCAN));
      await failureOf(client.scan(SCAN));
    }
    expect(shared.state).toBe(CircuitState.Closed);
    // Those six were answers: the circuit opens once the scanner's own failures outnumber them.
    failure = new RpcError(status.INTERNAL, "engine crashed");
    for (let call = 0; call < 6; call++) await failureOf(client.scan(SCAN));
    expect(shared.state).toBe(CircuitState.Closed);
    await failureOf(client.scan(SCAN));
    expect(shared.state).toBe(CircuitState.Open);
    expect(server.calls).toHaveLength(13);
  });
});

describe("limits on calls in flight", () => {
  it("refuses a call past the concurrency cap with RESOURCE_EXHAUSTED", async () => {
    const server = await flaky({ scan: () => "hang" });
    const client = clientFor(server.address, { maxConcurrentCalls: 1, maxQueuedCalls: 0 });
    const controller = new AbortController();
    const hanging = failureOf(client.scan(SCAN, { signal: controller.signal }));
    await until(() => server.calls.length === 1);
    const refused = await failureOf(client.scan(SCAN));
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details.retryDelayMs).toBeGreaterThan(0);
    controller.abort();
    expect((await hanging).code).toBe(status.CANCELLED);
    expect(server.calls).toHaveLength(1);
  });

  it("spreads calls over its channels", async () => {
    const server = await flaky();
    const client = clientFor(server.address, { channels: 2 });
    for (let call = 0; call < 4; call++) await client.scan(SCAN);
    expect(new Set(server.calls.map((call) => call.peer)).size).toBe(2);
  });

  it("balances calls round-robin over every address of its target, the scanner's replicas", async () => {
    const replicas = [await flaky(), await flaky()];
    const client = clientFor(`ipv4:${replicas.map((replica) => `127.0.0.1:${replica.port}`).join(",")}`);
    // The first calls may find only one replica connected yet.
    for (let call = 0; call < 20; call++) await client.scan(SCAN);
    for (const replica of replicas) expect(replica.callsOf("scan").length).toBeGreaterThanOrEqual(5);
  });

  it("reports an unreachable scanner as unhealthy", async () => {
    const server = await flaky();
    server.stop();
    const client = clientFor(server.address);
    expect(await client.checkHealth(500)).toBe(false);
  });
});

// The coordinator's scanner client in front of three real scanner processes, balanced
// round-robin over an `ipv4:` list as SCANNER_ADDR gives it: a replica SIGKILLed with calls
// in flight costs the callers nothing (each of those calls is retried on a live replica), the
// breaker stays closed while replicas answer, and a replica restarted on its port gets its
// share of calls again.
//
// The calls are caught in flight deterministically: the victim is SIGSTOPped first, so the
// calls round-robin sends it wait in its socket; it is SIGKILLed once the other replicas have
// answered their share. No wall-clock figure is asserted: the test's timeout bounds the waits.
import { CircuitState } from "cockatiel";
import { afterAll, describe, expect, it } from "vitest";
import { ScanFilters, ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanRequest } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { createScannerCircuitBreaker } from "../../services/coordinator/scanner-client/scanner-breaker.js";
import { ScannerClient } from "../../services/coordinator/scanner-client/scanner-client.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";

const CHAIN = generateSyntheticChain({ symbol: "IWM", spot: 230, seed: 7, asOf: new Date("2026-11-20T15:00:00Z") });
const SCAN = ScanRequest.fromPartial({
  symbol: "IWM",
  chain: CHAIN,
  query: ScanQuery.fromPartial({
    strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
    filters: ScanFilters.fromPartial({ minDte: 20, maxDte: 45, maxShortDelta: 0.3, maxWidth: 5 }),
    limit: 10,
  }),
});
const REPLICAS = 3;
/** Calls fired while the victim is stopped: round-robin sends it one in three. */
const CALLS_IN_FLIGHT = 9;
/**
 * Low on purpose: the consecutive-failure breaker this client once had opened at this many
 * failures in a row, which a replica dying with three calls in flight gives it.
 */
const BREAKER_THRESHOLD = 3;

interface Replica {
  process: ServiceProcess;
  readonly port: number;
  adminPort: number;
}

const started: ServiceProcess[] = [];
afterAll(() => {
  for (const service of started) service.kill();
});

async function startReplica(port = 0): Promise<Replica> {
  const service = spawnService("services/scanner/main.ts", { ...freePorts("SCANNER"), SCANNER_PORT: String(port) });
  started.push(service);
  const listening = await service.waitForLog((line) => line.msg === "listening", 30_000);
  return { process: service, port: listening.grpcPort as number, adminPort: listening.adminPort as number };
}

/** Scan calls a replica has answered, by its own metrics (grpc_server_handled_total, any status). */
async function answeredScans(replica: Replica): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${replica.adminPort}/metrics`)).text();
  let sum = 0;
  for (const match of text.matchAll(/^grpc_server_handled_total\{([^}]*)\} (\S+)$/gm)) if (match[1]!.includes('grpc_method="Scan"')) sum += Number(match[2]);
  return sum;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(20);
}

describe("scanner replicas behind one round-robin client", () => {
  it("retries the calls of a replica SIGKILLed mid-call on the others, keeps the breaker closed, and gives a restarted replica its share", async () => {
    const replicas = await Promise.all(Array.from({ length: REPLICAS }, () => startReplica()));
    const breaker = createScannerCircuitBreaker({ threshold: BREAKER_THRESHOLD, halfOpenAfterMs: 60_000 });
    const client = new ScannerClient({
      address: `ipv4:${replicas.map((replica) => `127.0.0.1:${replica.port}`).join(",")}`,
      // Longer than the victim is held stopped: its calls must fail by the kill, not by a time limit.
      attemptTimeoutMs: 60_000,
      // One retry: a retry that went back to the dead replica would fail the call.
      maxRetries: 1,
      breaker,
      retryBaseDelayMs: 5,
      channelOptions: { "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 100 },
    });
    try {
      // Every replica connected and serving: each has answered a call.
      await until(async () => {
        await client.scan(SCAN);
        return (await Promise.all(replicas.map(answeredScans))).every((count) => count > 0);
      });
      const [victim, ...survivors] = replicas as [Replica, ...Replica[]];
      const survivorsBefore = await Promise.all(survivors.map(answeredScans));

      victim.process.child.kill("SIGSTOP");
      const calls = Array.from({ length: CALLS_IN_FLIGHT }, () => client.scan(SCAN).then(() => "OK" as const));
      // The survivors answer their two thirds; the victim's third waits in its socket.
      const survivorsAnswered = async (): Promise<number> => (await Promise.all(survivors.map(answeredScans))).reduce((a, b) => a + b, 0);
      const before = survivorsBefore.reduce((a, b) => a + b, 0);
      await until(async () => (await survivorsAnswered()) - before >= CALLS_IN_FLIGHT - CALLS_IN_FLIGHT / REPLICAS);
      expect((await survivorsAnswered()) - before).toBe(CALLS_IN_FLIGHT - CALLS_IN_FLIGHT / REPLICAS);
      victim.process.child.kill("SIGKILL");
      await victim.process.exited;

      // No caller saw the kill: every call in flight on the victim was answered by a survivor.
      expect(await Promise.all(calls)).toEqual(Array.from({ length: CALLS_IN_FLIGHT }, () => "OK"));
      expect((await survivorsAnswered()) - before).toBe(CALLS_IN_FLIGHT);
      expect(breaker.state).toBe(CircuitState.Closed);
      // Calls go on while it is down, none to it.
      for (let call = 0; call < 6; call++) await client.scan(SCAN);
      expect(breaker.state).toBe(CircuitState.Closed);

      // Back on its port: the channel reconnects to it, and round-robin gives it its share.
      const restarted = await startReplica(victim.port);
      await until(async () => {
        await client.scan(SCAN);
        return (await answeredScans(restarted)) > 0;
      });
      const counts = async (): Promise<number[]> => Promise.all([restarted, ...survivors].map(answeredScans));
      const countsBefore = await counts();
      const rounds = 10;
      for (let call = 0; call < rounds * REPLICAS; call++) await client.scan(SCAN);
      const shares = (await counts()).map((count, index) => count - countsBefore[index]!);
      expect(shares).toEqual([rounds, rounds, rounds]);
      expect(breaker.state).toBe(CircuitState.Closed);
    } finally {
      client.close();
    }
  }, 120_000);
});

// Snapshots against a scripted connection: each answer TWS can give, and its silence, lead to
// the outcome the provider counts, with the line always given back and nothing re-sent twice.
import { SecType, type Contract, type IBApi } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../services/common/logger.js";
import type { IbConnection, RequestHandler } from "../../../services/coordinator/market/ibkr/ib-connection.js";
import { LineCap } from "../../../services/coordinator/market/ibkr/line-cap.js";
import { MessagePacer } from "../../../services/coordinator/market/ibkr/message-pacer.js";
import { SnapshotRequests } from "../../../services/coordinator/market/ibkr/snapshot-requests.js";

const logger = createLogger({ service: "snapshot-test", level: "silent", format: "json" });
const AT = new Date("2026-03-11T15:00:00Z");
const CONTRACT: Contract = { symbol: "SPY", secType: SecType.OPT, strike: 600 };

interface Sent {
  readonly kind: "reqMktData" | "cancelMktData";
  readonly reqId: number;
  readonly snapshot?: boolean;
}

/** A connection whose every request is recorded, and whose answers the test gives by hand. */
class ScriptedConnection {
  readonly sent: Sent[] = [];
  readonly handlers = new Map<number, RequestHandler>();
  ready = true;
  private id = 1;
  /** Called as each message is sent, to answer it. */
  onSend: (message: Sent) => void = () => undefined;

  nextRequestId(): number {
    return this.id++;
  }
  register(reqId: number, handler: RequestHandler): void {
    this.handlers.set(reqId, handler);
  }
  unregister(reqId: number): void {
    this.handlers.delete(reqId);
  }
  send(action: (api: IBApi) => void): boolean {
    if (!this.ready) return false;
    const api = {
      reqMktData: (reqId: number, _contract: Contract, _ticks: string, snapshot: boolean) => {
        this.record({ kind: "reqMktData", reqId, snapshot });
      },
      cancelMktData: (reqId: number) => {
        this.record({ kind: "cancelMktData", reqId });
      },
    };
    action(api as unknown as IBApi);
    return true;
  }
  handler(reqId: number): RequestHandler {
    const handler = this.handlers.get(reqId);
    if (!handler) throw new Error(`no handler for ${reqId}`);
    return handler;
  }
  private record(message: Sent): void {
    this.sent.push(message);
    // Answers come asynchronously, as from a socket.
    queueMicrotask(() => {
      this.onSend(message);
    });
  }
}

const pacers: MessagePacer[] = [];
afterEach(() => {
  for (const pacer of pacers.splice(0)) pacer.close();
});

function setUp(options: { timeoutMs?: number; delayedAllowed?: boolean } = {}) {
  const connection = new ScriptedConnection();
  const pacer = new MessagePacer({ maxMessagesPerSecond: 50 });
  pacers.push(pacer);
  const lines = new LineCap(5);
  let fallbacks = 0;
  const snapshots = new SnapshotRequests({
    connection: connection as unknown as IbConnection,
    pacer,
    lines,
    timeoutMs: options.timeoutMs ?? 5000,
    logger,
    now: () => AT,
    onNotSubscribed: () => {
      fallbacks++;
      return Promise.resolve(options.delayedAllowed ?? true);
    },
  });
  return { connection, pacer, lines, snapshots, fallbacks: () => fallbacks };
}

/** Polls until `condition` holds (bounded: a hang fails the test instead of stalling it). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let polls = 0; !condition(); polls++) {
    if (polls > 500) throw new Error("condition never held");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** TWS's answer to a snapshot: a bid, an ask, and the end. */
function answer(handler: RequestHandler): void {
  handler.onTickPrice?.(1, 1.5);
  handler.onTickPrice?.(2, 1.6);
  handler.onSnapshotEnd?.();
}

describe("SnapshotRequests", () => {
  it("resolves with the ticks at tickSnapshotEnd and gives the line back", async () => {
    const { connection, lines, snapshots } = setUp();
    connection.onSend = (message) => {
      answer(connection.handler(message.reqId));
    };
    const outcome = await snapshots.snapshot(CONTRACT);
    expect(outcome.kind).toBe("done");
    if (outcome.kind === "done") expect([outcome.ticks.bid, outcome.ticks.ask, outcome.at]).toEqual([1.5, 1.6, AT]);
    expect(connection.sent).toEqual([{ kind: "reqMktData", reqId: 1, snapshot: true }]);
    expect(lines.open).toBe(0);
    expect(snapshots.counters).toMatchObject({ sent: 1, done: 1 });
  });

  it("times out on silence: skipped and counted, the request cancelled, the line given back", async () => {
    const { connection, lines, snapshots } = setUp({ timeoutMs: 30 });
    const outcome = await snapshots.snapshot(CONTRACT);
    expect(outcome.kind).toBe("timeout");
    expect(connection.sent.map((message) => message.kind)).toEqual(["reqMktData", "cancelMktData"]);
    expect(lines.open).toBe(0);
    expect(snapshots.counters.timedOut).toBe(1);
  });

  it("re-sends after error 100, slowing the pacer, and loses nothing", async () => {
    const { connection, pacer, snapshots } = setUp();
    connection.onSend = (message) => {
      const handler = connection.handler(message.reqId);
      if (message.reqId === 1) handler.onError?.(100, "Max rate of messages per second has been exceeded");
      else answer(handler);
    };
    const outcome = await snapshots.snapshot(CONTRACT);
    expect(outcome.kind).toBe("done");
    expect(connection.sent.map((message) => message.reqId)).toEqual([1, 2]);
    expect(snapshots.counters.resent).toBe(1);
    expect(pacer.rate).toBeLessThan(50);
  });

  it("re-queues after error 101 with a lower line limit", async () => {
    const { connection, lines, snapshots } = setUp();
    const first = snapshots.snapshot(CONTRACT);
    connection.onSend = (message) => {
      const handler = connection.handler(message.reqId);
      if (message.reqId === 1) handler.onError?.(101, "Max number of tickers has been reached");
      else answer(handler);
    };
    expect((await first).kind).toBe("done");
    expect(snapshots.counters.requeued).toBe(1);
    expect(lines.limit).toBeLessThan(5);
  });

  it("reports error 200 as no definition, and a competing session as such", async () => {
    const { connection, snapshots } = setUp();
    connection.onSend = (message) => {
      const handler = connection.handler(message.reqId);
      handler.onError?.(message.reqId === 1 ? 200 : 10197, "no");
    };
    expect((await snapshots.snapshot(CONTRACT)).kind).toBe("no-definition");
    expect((await snapshots.snapshot(CONTRACT)).kind).toBe("competing-session");
  });

  it("on 354 asks for delayed data and sends again once; a second 354 is final", async () => {
    const { connection, snapshots, fallbacks } = setUp();
    connection.onSend = (message) => {
      connection.handler(message.reqId).onError?.(354, "Requested market data is not subscribed");
    };
    const outcome = await snapshots.snapshot(CONTRACT);
    expect(outcome).toMatchObject({ kind: "not-subscribed", code: 354 });
    expect(fallbacks()).toBe(1);
    expect(connection.sent).toHaveLength(2);
  });

  it("on 354 without delayed data allowed, fails at once", async () => {
    const { connection, snapshots } = setUp({ delayedAllowed: false });
    connection.onSend = (message) => {
      connection.handler(message.reqId).onError?.(354, "not subscribed");
    };
    expect((await snapshots.snapshot(CONTRACT)).kind).toBe("not-subscribed");
    expect(connection.sent).toHaveLength(1);
  });

  it("flags the ticks delayed on 10167 and keeps waiting for the end", async () => {
    const { connection, snapshots } = setUp();
    connection.onSend = (message) => {
      const handler = connection.handler(message.reqId);
      handler.onError?.(10167, "Displaying delayed market data");
      answer(handler);
    };
    const outcome = await snapshots.snapshot(CONTRACT);
    expect(outcome.kind === "done" && outcome.ticks.delayed).toBe(true);
  });

  it("reports a dropped socket as disconnected, and sends nothing while down", async () => {
    const { connection, lines, snapshots } = setUp();
    connection.onSend = (message) => {
      connection.handler(message.reqId).onDisconnect?.();
    };
    expect((await snapshots.snapshot(CONTRACT)).kind).toBe("disconnected");
    connection.ready = false;
    expect((await snapshots.snapshot(CONTRACT)).kind).toBe("disconnected");
    expect(connection.sent).toHaveLength(1);
    expect(lines.open).toBe(0);
  });

  it("rejects with the caller's reason on abort, cancelling what was sent", async () => {
    const { connection, lines, snapshots } = setUp();
    const controller = new AbortController();
    const pending = snapshots.snapshot(CONTRACT, { signal: controller.signal });
    await waitFor(() => connection.sent.length === 1);
    const reason = new Error("no longer wanted");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await waitFor(() => connection.sent.length === 2);
    expect(connection.sent.map((message) => message.kind)).toEqual(["reqMktData", "cancelMktData"]);
    expect(lines.open).toBe(0);
  });
});

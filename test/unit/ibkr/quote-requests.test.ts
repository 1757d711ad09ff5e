// Quote requests against a scripted connection (a stand-in for the socket, answering as TWS
// would): each answer TWS can give, and its silence, lead to the outcome the provider counts;
// every request TWS opened is cancelled before its line is given back, and nothing is re-sent twice.
import { IBApiTickType as TickType, OptionType, SecType, type Contract, type IBApi } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../services/common/logger.js";
import type { IbConnection, RequestHandler } from "../../../services/coordinator/market/ibkr/ib-connection.js";
import { LineCap } from "../../../services/coordinator/market/ibkr/line-cap.js";
import { MessagePacer } from "../../../services/coordinator/market/ibkr/message-pacer.js";
import { QuoteRequests, type QuoteNeeds } from "../../../services/coordinator/market/ibkr/quote-requests.js";

const logger = createLogger({ service: "quote-requests-test", level: "silent", format: "json" });
const AT = new Date("2026-03-11T15:00:00Z");
const CONTRACT: Contract = { symbol: "SPY", secType: SecType.OPT, strike: 600, right: OptionType.Put };
const PUT_WITH_OI: QuoteNeeds = { kind: "option", right: "P", openInterest: true };
const PUT_WITHOUT_OI: QuoteNeeds = { kind: "option", right: "P", openInterest: false };
const MODEL = { impliedVolatility: 0.18, delta: -0.25, gamma: 0.01, vega: 0.5, theta: -0.12, underlyingPrice: 600, pvDividend: 0.8 };
const NOT_COMPUTED = { impliedVolatility: undefined, delta: undefined, gamma: undefined, vega: undefined, theta: undefined };

interface Sent {
  readonly kind: "reqMktData" | "cancelMktData";
  readonly reqId: number;
  readonly genericTicks?: string;
  readonly snapshot?: boolean;
}

/** A connection whose every message is recorded, and whose answers the test gives by hand. */
class ScriptedConnection {
  readonly sent: Sent[] = [];
  readonly handlers = new Map<number, RequestHandler>();
  ready = true;
  private id = 1;
  /** Called as each market data request is sent, to answer it. */
  onRequest: (message: Sent, handler: RequestHandler) => void = () => undefined;

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
      reqMktData: (reqId: number, _contract: Contract, genericTicks: string, snapshot: boolean) => {
        const message: Sent = { kind: "reqMktData", reqId, genericTicks, snapshot };
        this.sent.push(message);
        const handler = this.handlers.get(reqId);
        // Answers come asynchronously, as from a socket.
        if (handler) queueMicrotask(() => this.onRequest(message, handler));
      },
      cancelMktData: (reqId: number) => {
        this.sent.push({ kind: "cancelMktData", reqId });
      },
    };
    action(api as unknown as IBApi);
    return true;
  }
  kinds(): string[] {
    return this.sent.map((message) => message.kind);
  }
}

const pacers: MessagePacer[] = [];
afterEach(() => {
  for (const pacer of pacers.splice(0)) pacer.close();
});

function setUp(options: { waitMs?: number; delayedAllowed?: boolean; delayedRequested?: boolean } = {}) {
  const connection = new ScriptedConnection();
  const pacer = new MessagePacer({ maxMessagesPerSecond: 50 });
  pacers.push(pacer);
  const lines = new LineCap(5);
  let fallbacks = 0;
  let delayedRequested = options.delayedRequested ?? false;
  const quotes = new QuoteRequests({
    connection: connection as unknown as IbConnection,
    pacer,
    lines,
    waitMs: options.waitMs ?? 5000,
    logger,
    now: () => AT,
    delayedRequested: () => delayedRequested,
    onNotSubscribed: () => {
      fallbacks++;
      const allowed = options.delayedAllowed ?? true;
      if (allowed) delayedRequested = true;
      return Promise.resolve(allowed);
    },
  });
  return { connection, pacer, lines, quotes, fallbacks: () => fallbacks };
}

/** Polls until `condition` holds (bounded: a hang fails the test instead of stalling it). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let polls = 0; !condition(); polls++) {
    if (polls > 500) throw new Error("condition never held");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What TWS streams for a put: bid, ask, the model's record, and (generic tick 101) both open interest ticks. */
function answerPut(handler: RequestHandler, { openInterest = true } = {}): void {
  handler.onMarketDataType?.(1);
  handler.onTickPrice?.(TickType.BID, 1.5);
  handler.onTickPrice?.(TickType.ASK, 1.6);
  handler.onOptionComputation?.(TickType.MODEL_OPTION, MODEL);
  if (!openInterest) return;
  handler.onTickSize?.(TickType.OPTION_CALL_OPEN_INTEREST, 0);
  handler.onTickSize?.(TickType.OPTION_PUT_OPEN_INTEREST, 777);
}

describe("QuoteRequests", () => {
  it("streams with generic tick 101, ends once bid, ask, the model and the put's open interest came, and cancels before freeing the line", async () => {
    const { connection, lines, quotes } = setUp();
    connection.onRequest = (_message, handler) => {
      answerPut(handler);
    };
    const outcome = await quotes.quote(CONTRACT, { needs: PUT_WITH_OI });
    expect(outcome).toMatchObject({ kind: "done", complete: true, at: AT });
    if (outcome.kind === "done") expect([outcome.ticks.bid, outcome.ticks.ask, outcome.ticks.openInterest("P")]).toEqual([1.5, 1.6, 777]);
    expect(connection.sent).toEqual([
      { kind: "reqMktData", reqId: 1, genericTicks: "101", snapshot: false },
      { kind: "cancelMktData", reqId: 1 },
    ]);
    expect(lines.open).toBe(0);
    expect(quotes.counters).toMatchObject({ sent: 1, done: 1, partial: 0, openInterestAsked: 1 });
  });

  it("asks for no generic ticks when open interest is not wanted, and ends without it", async () => {
    const { connection, quotes } = setUp();
    connection.onRequest = (_message, handler) => {
      answerPut(handler, { openInterest: false });
    };
    expect(await quotes.quote(CONTRACT, { needs: PUT_WITHOUT_OI })).toMatchObject({ kind: "done", complete: true });
    expect(connection.sent[0]).toMatchObject({ genericTicks: "", snapshot: false });
    expect(quotes.counters.openInterestAsked).toBe(0);
  });

  it("does not take the call's 0 (tick 27) for a put's open interest: it waits for tick 28", async () => {
    const { connection, quotes } = setUp({ waitMs: 40 });
    connection.onRequest = (_message, handler) => {
      answerPut(handler, { openInterest: false });
      handler.onTickSize?.(TickType.OPTION_CALL_OPEN_INTEREST, 0);
    };
    const outcome = await quotes.quote(CONTRACT, { needs: PUT_WITH_OI });
    // The wait ended it: the quote is kept, its open interest still unknown.
    expect(outcome).toMatchObject({ kind: "done", complete: false });
    if (outcome.kind === "done") expect(outcome.ticks.openInterest("P")).toBeUndefined();
    expect(quotes.counters).toMatchObject({ done: 0, partial: 1 });
  });

  it("ends at its wait with the partial quote it has (an untraded option's bid and ask), cancelled", async () => {
    const { connection, lines, quotes } = setUp({ waitMs: 30 });
    connection.onRequest = (_message, handler) => {
      handler.onTickPrice?.(TickType.BID, -1);
      handler.onTickPrice?.(TickType.ASK, 0.05);
    };
    const outcome = await quotes.quote(CONTRACT, { needs: PUT_WITH_OI });
    expect(outcome).toMatchObject({ kind: "done", complete: false });
    if (outcome.kind === "done") expect([outcome.ticks.bid, outcome.ticks.ask]).toEqual([0, 0.05]);
    expect(connection.kinds()).toEqual(["reqMktData", "cancelMktData"]);
    expect(lines.open).toBe(0);
  });

  it("takes the bid/ask records' midpoint when the model was not computed, and ends early on it", async () => {
    const { connection, quotes } = setUp();
    connection.onRequest = (_message, handler) => {
      handler.onTickPrice?.(TickType.BID, 1.5);
      handler.onTickPrice?.(TickType.ASK, 1.6);
      handler.onOptionComputation?.(TickType.MODEL_OPTION, NOT_COMPUTED);
      handler.onOptionComputation?.(TickType.BID_OPTION, { ...MODEL, impliedVolatility: 0.17 });
      handler.onOptionComputation?.(TickType.ASK_OPTION, { ...MODEL, impliedVolatility: 0.19 });
    };
    const outcome = await quotes.quote(CONTRACT, { needs: PUT_WITHOUT_OI });
    expect(outcome).toMatchObject({ kind: "done", complete: true });
    if (outcome.kind === "done") expect(outcome.ticks.computationRecord?.impliedVolatility).toBeCloseTo(0.18, 12);
  });

  it("ends the underlying's request once it has bid, ask and a price to go by (the last, when the quote is −1/−1)", async () => {
    const { connection, quotes } = setUp({ waitMs: 40 });
    connection.onRequest = (message, handler) => {
      handler.onTickPrice?.(TickType.BID, -1);
      handler.onTickPrice?.(TickType.ASK, -1);
      if (message.reqId === 1) handler.onTickPrice?.(TickType.LAST, 601.5);
    };
    const stock: Contract = { symbol: "SPY", secType: SecType.STK };
    const withLast = await quotes.quote(stock, { needs: { kind: "stock" } });
    expect(withLast).toMatchObject({ kind: "done", complete: true });
    if (withLast.kind === "done") expect(withLast.ticks.spot).toBe(601.5);
    expect(connection.sent[0]).toMatchObject({ genericTicks: "", snapshot: false });
    // No price at all: the wait ends it, with what it had.
    expect(await quotes.quote(stock, { needs: { kind: "stock" } })).toMatchObject({ kind: "done", complete: false });
  });

  it("times out on silence: skipped and counted, the request cancelled, the line given back", async () => {
    const { connection, lines, quotes } = setUp({ waitMs: 30 });
    const outcome = await quotes.quote(CONTRACT, { needs: PUT_WITH_OI });
    expect(outcome.kind).toBe("timeout");
    expect(connection.kinds()).toEqual(["reqMktData", "cancelMktData"]);
    expect(lines.open).toBe(0);
    expect(quotes.counters.timedOut).toBe(1);
  });

  it("carries on after advisory codes, logging them, and takes the data that follows", async () => {
    const { connection, quotes } = setUp();
    connection.onRequest = (_message, handler) => {
      for (const code of [10090, 2119, 10276, 399]) handler.onError?.(code, `advisory ${code}`);
      answerPut(handler);
    };
    expect(await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).toMatchObject({ kind: "done", complete: true });
    expect(quotes.counters.advisories).toBe(4);
  });

  it("re-sends after error 100, slowing the pacer, without cancelling what TWS dropped", async () => {
    const { connection, pacer, quotes } = setUp();
    connection.onRequest = (message, handler) => {
      if (message.reqId === 1) handler.onError?.(100, "Max rate of messages per second has been exceeded");
      else answerPut(handler);
    };
    expect((await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).kind).toBe("done");
    expect(connection.sent.map((message) => `${message.kind} ${message.reqId}`)).toEqual(["reqMktData 1", "reqMktData 2", "cancelMktData 2"]);
    expect(quotes.counters.resent).toBe(1);
    expect(pacer.rate).toBeLessThan(50);
  });

  it("re-queues after error 101 with a lower line limit", async () => {
    const { connection, lines, quotes } = setUp();
    connection.onRequest = (message, handler) => {
      if (message.reqId === 1) handler.onError?.(101, "Max number of tickers has been reached");
      else answerPut(handler);
    };
    expect((await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).kind).toBe("done");
    expect(quotes.counters.requeued).toBe(1);
    expect(lines.limit).toBeLessThan(5);
  });

  it("reports error 200 as no definition and 10197 as a competing session, cancelling each failed line at TWS", async () => {
    const { connection, lines, quotes } = setUp();
    connection.onRequest = (message, handler) => {
      handler.onError?.(message.reqId === 1 ? 200 : 10197, "no");
    };
    expect((await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).kind).toBe("no-definition");
    expect((await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).kind).toBe("competing-session");
    expect(connection.sent.map((message) => `${message.kind} ${message.reqId}`)).toEqual([
      "reqMktData 1",
      "cancelMktData 1",
      "reqMktData 2",
      "cancelMktData 2",
    ]);
    expect(lines.open).toBe(0);
  });

  it("on 354 with live data falls back to delayed and sends again; 354 with no data after it is final at the wait", async () => {
    const { connection, quotes, fallbacks } = setUp({ waitMs: 30 });
    connection.onRequest = (_message, handler) => {
      handler.onError?.(354, "Requested market data is not subscribed");
    };
    const outcome = await quotes.quote(CONTRACT, { needs: PUT_WITH_OI });
    expect(outcome).toMatchObject({ kind: "not-subscribed", code: 354 });
    expect(fallbacks()).toBe(1);
    expect(connection.kinds()).toEqual(["reqMktData", "cancelMktData", "reqMktData", "cancelMktData"]);
  });

  it("on 10091 without delayed data allowed, fails at once and cancels the line", async () => {
    const { connection, quotes } = setUp({ delayedAllowed: false });
    connection.onRequest = (_message, handler) => {
      handler.onError?.(10091, "Part of requested market data requires additional subscription for API");
    };
    expect(await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).toMatchObject({ kind: "not-subscribed", code: 10091 });
    expect(connection.kinds()).toEqual(["reqMktData", "cancelMktData"]);
  });

  it("with delayed data asked for, takes 354 followed by delayed ticks as a delayed quote", async () => {
    const { connection, quotes, fallbacks } = setUp({ delayedRequested: true });
    connection.onRequest = (_message, handler) => {
      handler.onError?.(354, "Requested market data is not subscribed. Displaying delayed market data.");
      handler.onMarketDataType?.(3);
      handler.onTickPrice?.(TickType.DELAYED_BID, 1.5);
      handler.onTickPrice?.(TickType.DELAYED_ASK, 1.6);
      handler.onOptionComputation?.(TickType.DELAYED_MODEL_OPTION, MODEL);
      handler.onTickSize?.(TickType.OPTION_CALL_OPEN_INTEREST, 0);
      handler.onTickSize?.(TickType.OPTION_PUT_OPEN_INTEREST, 12);
    };
    const outcome = await quotes.quote(CONTRACT, { needs: PUT_WITH_OI });
    expect(outcome).toMatchObject({ kind: "done", complete: true });
    if (outcome.kind === "done") expect(outcome.ticks.delayed).toBe(true);
    expect(fallbacks()).toBe(0);
  });

  it("reports a dropped socket as disconnected, and sends nothing while down", async () => {
    const { connection, lines, quotes } = setUp();
    connection.onRequest = (_message, handler) => {
      handler.onDisconnect?.();
    };
    expect((await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).kind).toBe("disconnected");
    connection.ready = false;
    expect((await quotes.quote(CONTRACT, { needs: PUT_WITH_OI })).kind).toBe("disconnected");
    expect(connection.sent).toHaveLength(1);
    expect(lines.open).toBe(0);
  });

  it("rejects with the caller's reason on abort, cancelling what was sent", async () => {
    const { connection, lines, quotes } = setUp();
    const controller = new AbortController();
    const pending = quotes.quote(CONTRACT, { needs: PUT_WITH_OI, signal: controller.signal });
    await waitFor(() => connection.sent.length === 1);
    const reason = new Error("no longer wanted");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await waitFor(() => connection.sent.length === 2);
    expect(connection.kinds()).toEqual(["reqMktData", "cancelMktData"]);
    expect(lines.open).toBe(0);
  });
});

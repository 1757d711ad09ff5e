// IBKR chain fetch against the pacing bound: the ibkr provider fetches chains of N contracts
// from the fake TWS over loopback TCP through the real @stoqey/ib; the bound is the messages
// it had to send at IB_MAX_MSG_PER_SEC (each quote is a streaming request and its cancel: two
// messages). Target: at least 90% of the bound's throughput (bound time / measured time ≥ 0.9).
// The fake behaves as TWS does: half its options untraded (no last, so a snapshot would wait
// 11 s), open interest only on generic tick 101 after a short delay; the open interest step is
// reported on its own. Records bench/results/ibkr-fetch/<time>.json.
import { ScanQuery, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { createLogger } from "../services/common/logger.js";
import { IbkrMarket } from "../services/coordinator/market/ibkr/ibkr-market.js";
import { FakeTws } from "../test/fixtures/fake-tws/index.js";
import { LogFile } from "./support/production-layers.js";
import { startRun, target } from "./support/run-record.js";

const recording = startRun("ibkr-fetch", "IBKR chain fetch against the pacing bound");
const RATE = 45;
const TARGET_SHARE = 90;
// The provider logs as it does in the coordinator: at info, to a file.
const log = new LogFile("ibkr-fetch");
const logger = createLogger({ service: "bench", level: "info", format: "json", fd: log.fd });

/** Queries reaching more and more contracts: wider delta bands and DTE ranges. */
const CASES = [
  {
    name: "bull puts, 1 expiry band",
    query: ScanQuery.fromPartial({
      strategies: [Strategy.STRATEGY_BULL_PUT],
      filters: { minDte: 25, maxDte: 32, minShortDelta: 0.15, maxShortDelta: 0.3, maxWidth: 2 },
    }),
  },
  {
    name: "verticals, 20-45 DTE",
    query: ScanQuery.fromPartial({
      strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL],
      filters: { minDte: 20, maxDte: 45, minShortDelta: 0.1, maxShortDelta: 0.35, maxWidth: 5 },
    }),
  },
  // Short |delta| from 0, not the default 0.10: the chain of up to 400 contracts the results were measured on.
  { name: "all strategies, 0-60 DTE", query: ScanQuery.fromPartial({ filters: { minDte: 0, maxDte: 60, minShortDelta: 0, maxShortDelta: 0.4, maxWidth: 5 } }) },
];

const UNTRADED_SHARE = 0.5;
const fake = await FakeTws.start({ seed: 11, untradedShare: UNTRADED_SHARE });
/** A provider on a fresh connection: nothing cached (conIds, option parameters, open interest) flatters a case. */
async function freshMarket(): Promise<IbkrMarket> {
  const market = new IbkrMarket({
    host: "127.0.0.1",
    port: fake.port,
    clientId: 1,
    marketDataType: 1,
    maxLines: 90,
    maxMessagesPerSecond: RATE,
    lookupTimeoutMs: 10_000,
    logger,
  });
  await market.whenConnected(10_000);
  return market;
}

// One fetch before measuring, on a connection of its own that is then closed: the fake (which
// shares this process's CPU, where TWS would not) builds its market and both sides' code is
// compiled, as in a coordinator that has been running. Nothing of it is kept by the cases' providers.
const warmUp = await freshMarket();
await warmUp.fetchChain({ symbol: "SPY", query: CASES[0]!.query });
await warmUp.close();

const rows = [];
for (const { name, query } of CASES) {
  const market = await freshMarket();
  const sentBefore = market.stats().messagesSent;
  const waitBefore = market.stats().quotes.openInterestWaitMs;
  const started = performance.now();
  const chain = await market.fetchChain({ symbol: "SPY", query });
  const elapsedMs = performance.now() - started;
  const messages = market.stats().messagesSent - sentBefore;
  const counts = market.stats().lastFetch;
  const openInterestWaitMs = market.stats().quotes.openInterestWaitMs - waitBefore;
  // The pacer starts with one token: the first message is free, the rest wait 1/RATE s each.
  const boundMs = (Math.max(0, messages - 1) / RATE) * 1000;
  rows.push({
    case: name,
    contracts: chain.quotes.length,
    messages,
    elapsedMs: Math.round(elapsedMs),
    boundMs: Math.round(boundMs),
    shareOfBound: boundMs === 0 ? 100 : (100 * boundMs) / elapsedMs,
    openInterestAsked: counts?.openInterestAsked ?? 0,
    openInterestReceived: counts?.openInterestReceived ?? 0,
    openInterestUnknown: counts?.openInterestUnknown ?? 0,
    // The mean time a request stayed open for its open interest after the rest of its quote had come.
    openInterestWaitMs: counts && counts.openInterestAsked > 0 ? openInterestWaitMs / counts.openInterestAsked : 0,
    partial: counts?.partial ?? 0,
    error100: fake.stats.error100,
    maxOpenLines: fake.stats.maxOpenLines,
  });
  await market.close();
}
await fake.close();

logger.flush();
const logLines = log.lines().length;
log.remove();

const worst = Math.min(...rows.map((row) => row.shareOfBound));
recording.finish({
  method:
    `${CASES.length} queries reaching more and more contracts, after one unmeasured warm-up fetch (its provider closed), each on a fresh connection to the fake TWS (seed 11, ${UNTRADED_SHARE * 100}% of options untraded, open interest 20 ms after a 101 stream's quote) at IB_MAX_MSG_PER_SEC ${RATE}, IB_MAX_LINES 90, IB_QUOTE_WAIT 4 s (the default). ` +
    `Each quote is a streaming request ended by a cancel once it has bid, ask, a computation and open interest; a fresh connection has no open interest cached, so every quote asks for it. ` +
    `The bound: (messages − 1) / ${RATE} s, the pacer's first token being free. The provider wrote ${logLines} log lines.`,
  layers: [
    "the coordinator's ibkr provider called directly, with no gRPC call on the path (so no interceptor, limit or handler adapter); its logger at info, JSON lines to a file",
  ],
  tables: [
    {
      title: "Chain fetches",
      columns: [
        { key: "case", label: "case" },
        { key: "contracts", label: "contracts" },
        { key: "messages", label: "messages sent" },
        { key: "elapsedMs", label: "fetch (ms)" },
        { key: "boundMs", label: "bound (ms)" },
        { key: "shareOfBound", label: "bound's share of the fetch time (%)", digits: 1 },
        { key: "openInterestAsked", label: "asked for open interest" },
        { key: "openInterestReceived", label: "got it" },
        { key: "openInterestUnknown", label: "left unknown" },
        { key: "openInterestWaitMs", label: "open interest's extra wait per request (ms)", digits: 1 },
        { key: "partial", label: "quotes ended by the wait" },
        { key: "error100", label: "pacing violations (error 100), run so far" },
        { key: "maxOpenLines", label: "most market data lines open, run so far" },
      ],
      rows,
    },
  ],
  targets: [target("the slowest case: the pacing bound's time as a share of the fetch's", worst, "at least", TARGET_SHARE, "%", 1)],
});

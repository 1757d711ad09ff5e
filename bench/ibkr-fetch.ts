// IBKR chain fetch against the pacing bound (issue 6): the ibkr provider fetches chains of
// N contracts from the fake TWS over loopback TCP through the real @stoqey/ib; the bound is
// the messages it had to send at IB_MAX_MSG_PER_SEC. Target: at least 90% of the bound's
// throughput (bound time / measured time ≥ 0.9). Writes bench/results/ibkr-fetch.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { ScanQuery, Strategy } from "../gen/ts/spreadscan/scanner/v1/query.js";
import { createLogger } from "../services/common/logger.js";
import { IbkrMarket } from "../services/coordinator/market/ibkr/ibkr-market.js";
import { FakeTws } from "../test/fixtures/fake-tws/index.js";

const RATE = 45;
const logger = createLogger({ service: "bench", level: "warn", format: "json" });

/** Queries reaching more and more contracts: wider delta bands and DTE ranges. */
const CASES = [
  { name: "bull puts, 1 expiry band", query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 25, maxDte: 32, minShortDelta: 0.15, maxShortDelta: 0.3, maxWidth: 2 } }) },
  { name: "verticals, 20-45 DTE", query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL], filters: { minDte: 20, maxDte: 45, minShortDelta: 0.1, maxShortDelta: 0.35, maxWidth: 5 } }) },
  // Short |delta| from 0, not the default 0.10: the chain of up to 400 contracts the results were measured on.
  { name: "all strategies, 0-60 DTE", query: ScanQuery.fromPartial({ filters: { minDte: 0, maxDte: 60, minShortDelta: 0, maxShortDelta: 0.4, maxWidth: 5 } }) },
];

const fake = await FakeTws.start({ seed: 11 });
const rows = [];
for (const { name, query } of CASES) {
  // A fresh connection each time, so that cached contract lookups do not flatter a case.
  const market = new IbkrMarket({ host: "127.0.0.1", port: fake.port, clientId: 1, marketDataType: 1, maxLines: 90, maxMessagesPerSecond: RATE, snapshotTimeoutMs: 10_000, logger });
  await market.whenConnected(10_000);
  const sentBefore = market.stats().messagesSent;
  const started = performance.now();
  const chain = await market.fetchChain({ symbol: "SPY", query });
  const elapsedMs = performance.now() - started;
  const messages = market.stats().messagesSent - sentBefore;
  // The pacer starts with one token: the first message is free, the rest wait 1/RATE s each.
  const boundMs = (Math.max(0, messages - 1) / RATE) * 1000;
  rows.push({
    case: name,
    contracts: chain.quotes.length,
    messages,
    elapsedMs: Math.round(elapsedMs),
    boundMs: Math.round(boundMs),
    throughputOfBound: boundMs === 0 ? 1 : boundMs / elapsedMs,
    error100: fake.stats.error100,
    maxOpenLines: fake.stats.maxOpenLines,
  });
  await market.close();
}
await fake.close();

const worst = Math.min(...rows.map((row) => row.throughputOfBound));
const results = {
  recordedAt: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
  messagesPerSecond: RATE,
  cases: rows,
  target: "≥ 90% of the pacing bound's throughput (bound time / measured time)",
  met: worst >= 0.9,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/ibkr-fetch.json", `${JSON.stringify(results, null, 2)}\n`);
for (const row of rows) {
  console.log(
    `ibkr fetch ${row.case}: ${row.contracts} contracts, ${row.messages} messages in ${row.elapsedMs} ms; bound ${row.boundMs} ms: ${(row.throughputOfBound * 100).toFixed(0)}% of the bound; error 100: ${row.error100}, max lines ${row.maxOpenLines}`,
  );
}
console.log(`${results.met ? "meets" : "MISSES"} ${results.target}`);

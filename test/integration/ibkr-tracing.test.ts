// The market.fetch span of a chain fetched from IBKR: the coordinator as a process on
// MARKET_DATA=ibkr against the fake TWS (through the real @stoqey/ib), exporting to the test's
// OTLP receiver. The span counts the requests the fetch sent to TWS and carries each error code
// TWS answered one of them with as an `ibkr.error` event.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";

/** An advisory TWS may send on a market data request; the provider carries on after it. */
const ADVISORY = 10090;

const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 5,
});

let receiver: OtlpReceiver;
let stack: IbkrCoordinatorStack;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 5, maxLines: 100, advisories: [ADVISORY] },
    coordinatorEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "100" },
  });
});

afterAll(async () => {
  await stack.stop();
  await receiver.close();
});

describe("an IBKR fetch's span", () => {
  it("counts the fetch's requests to TWS and carries each error code TWS answered as an ibkr.error event", async () => {
    const { stats } = stack.fake;
    const requestsBefore = stats.marketDataRequests.snapshot + stats.marketDataRequests.stream;
    const advisoriesBefore = stats.errorsSent[ADVISORY] ?? 0;
    await new Promise((resolve, reject) =>
      stack.client.scan(ScanRequest.fromPartial({ symbol: "SPY", query: QUERY }), (error, response) => (error ? reject(error) : resolve(response))),
    );
    const marketDataRequests = stats.marketDataRequests.snapshot + stats.marketDataRequests.stream - requestsBefore;
    const advisories = (stats.errorsSent[ADVISORY] ?? 0) - advisoriesBefore;
    expect(advisories).toBeGreaterThan(0);

    let fetch: ReceivedSpan | undefined;
    await receiver.waitFor((spans) => (fetch = spans.find((span) => span.name === "market.fetch")) !== undefined);
    expect(fetch!.attributes).toMatchObject({ "market.source": "ibkr", "market.symbol": "SPY" });
    // Every market data request of the fetch, besides its contract lookups.
    expect(fetch!.attributes["ibkr.requests"]).toBeGreaterThanOrEqual(marketDataRequests);
    const errors = fetch!.events.filter((event) => event.name === "ibkr.error");
    expect(errors).toHaveLength(advisories);
    expect(new Set(errors.map((event) => event.attributes["ibkr.error.code"]))).toEqual(new Set([ADVISORY]));
  });
});

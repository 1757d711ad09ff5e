// The live table's state banner in a real Chromium, when the market data behind it goes down and
// comes back: the page through the gateway, in front of a coordinator on IBKR market data talking
// through the real @stoqey/ib to the fake TWS, which loses its connection to IBKR (1100) and gets
// it back (1102), as TWS tells it. Beside the page, a watch straight to the coordinator over gRPC
// hears the same statuses: the banner must say what they say.
import { status as grpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MarketDataState,
  WatchSpreadsRequest,
  type MarketDataStatus,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";
import { startPageUnderTest, type PageUnderTest } from "../support/page-under-test.js";

let stack: IbkrCoordinatorStack;
let board: PageUnderTest;

beforeAll(async () => {
  // The market moves: each tick pushes fresh quotes to the open lines (none while TWS has lost IBKR).
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 11, maxLines: 100 },
    coordinatorEnv: { IB_CLIENT_ID: "5", IB_MAX_LINES: "90", IB_LOOKUP_TIMEOUT: "5" },
    tickMs: 200,
  });
  board = await startPageUnderTest(stack.coordinatorAddress);
}, 180_000);

afterAll(async () => {
  await board.close();
  await stack.stop();
});

/** The page's form set to the query the direct watch sends: bull puts 20–35 days out, $1 wide. */
const FORM = { symbol: "SPY", minDte: "20", maxDte: "35", maxWidth: "1", maxShortDelta: "0.3", limit: "5" };
const QUERY = {
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, maxWidth: 1, maxShortDelta: 0.3 },
  sort: SortKey.SORT_KEY_SCORE,
  limit: 5,
};

/** What the banner says for a status, written from the status itself (its time to the second). */
function bannerFor(status: MarketDataStatus): string {
  const seconds = status.since ? new Date(Math.floor(status.since.getTime() / 1000) * 1000) : undefined;
  const since = seconds ? ` since ${seconds.toISOString().replace(".000Z", "Z")}` : "";
  return `${status.symbol}: market data unavailable${since}${status.reason === "" ? "" : ` (${status.reason})`}`;
}

describe("the state banner, in Chromium, on IBKR market data", () => {
  it("shows 'unavailable' while the market is down and clears after", async () => {
    const statuses: MarketDataStatus[] = [];
    const direct = stack.client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "SPY", query: QUERY, minIntervalMs: 1 }));
    direct.on("data", (message: WatchSpreadsResponse) => {
      if (message.status) statuses.push(message.status);
    });
    direct.on("error", (error: Error & { code: grpcStatus }) => {
      if (error.code !== grpcStatus.CANCELLED) throw error;
    });
    const page = await board.open();
    try {
      for (const box of await page.locator('input[name="query.strategies"]').all()) await box.setChecked(false);
      await page.check('label:has-text("bull-put") input');
      await page.fill('input[name="symbol"]', FORM.symbol);
      await page.fill('input[name="query.filters.min_dte"]', FORM.minDte);
      await page.fill('input[name="query.filters.max_dte"]', FORM.maxDte);
      await page.fill('input[name="query.filters.max_width"]', FORM.maxWidth);
      await page.fill('input[name="query.filters.max_short_delta"]', FORM.maxShortDelta);
      await page.fill('input[name="query.limit"]', FORM.limit);
      await page.check('input[name="watch"]');
      await page.click('#scan-form button[type="submit"]');
      const sequence = async (): Promise<number> => Number((await page.getAttribute("#results", "data-sequence")) ?? 0);
      await expect.poll(sequence, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(2);
      // Live data: no banner.
      expect(await page.textContent("#market-state")).toBe("");
      expect(await page.getAttribute("#market-state", "data-state")).toBeNull();

      stack.fake.sendConnectivity(1100);
      await expect.poll(() => page.getAttribute("#market-state", "data-state"), { timeout: 20_000, interval: 50 }).toBe("unavailable");
      await expect.poll(() => statuses.length, { timeout: 20_000 }).toBe(1);
      const down = statuses[0];
      expect(down).toMatchObject({ symbol: "SPY", state: MarketDataState.MARKET_DATA_STATE_UNAVAILABLE });
      expect(down?.reason).toContain("1100");
      expect(await page.textContent("#market-state")).toBe(down ? bannerFor(down) : "");
      // The table still shows the top N as of the outage.
      expect(await page.locator("#results tbody tr").count()).toBeGreaterThan(0);

      stack.fake.sendConnectivity(1102);
      await expect.poll(() => page.textContent("#market-state"), { timeout: 20_000, interval: 50 }).toBe("");
      expect(await page.getAttribute("#market-state", "data-state")).toBeNull();
      await expect
        .poll(() => statuses.map((heard) => heard.state), { timeout: 20_000 })
        .toEqual([MarketDataState.MARKET_DATA_STATE_UNAVAILABLE, MarketDataState.MARKET_DATA_STATE_LIVE]);
      // And the table moves on with the market.
      const back = await sequence();
      await expect.poll(sequence, { timeout: 30_000, interval: 100 }).toBeGreaterThan(back);
      expect(await page.textContent("#market-state")).toBe("");
    } finally {
      await page.close();
      direct.cancel();
    }
  });
});

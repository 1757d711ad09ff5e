// The page in a real Chromium (Debian's, driven by playwright-core), served by the gateway in its
// own process in front of a real coordinator and scanner on the simulated market: it loads, a
// scan shows the rows the coordinator's own Scan answers for the same query, and a refused
// filter shows the coordinator's field violation next to that field.
import { credentials } from "@grpc/grpc-js";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, GetJobRequest, ListJobsRequest, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import { CreateSavedScanRequest, GetSavedScanRequest, RunSavedScanRequest, SavedScanServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { ProbabilityModel, ScanFilters, ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { formatMarketContextLine } from "../../services/cli/market-context-line.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { callUnary } from "../support/echo-server.js";
import { startPair, type Pair } from "../support/coordinator-pair.js";
import { look, startPageUnderTest, type PageUnderTest } from "../support/page-under-test.js";

let pair: Pair | undefined;
let board: PageUnderTest | undefined;
let coordinatorAddress: string;

beforeAll(async () => {
  const started = await startPair();
  pair = started;
  const coordinatorPort = (await started.coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinatorAddress = `127.0.0.1:${coordinatorPort}`;
  board = await startPageUnderTest(coordinatorAddress);
}, 180_000);
afterAll(async () => {
  await board?.close();
  pair?.close();
});

async function openPage(viewport?: { width: number; height: number }): Promise<Page> {
  if (!board) throw new Error("the page did not start");
  return board.open(viewport);
}

/** The coordinator's own answer to the query the page's form holds by default. */
async function directScan(symbol: string, minPop?: number) {
  const client = new CoordinatorServiceClient(coordinatorAddress, credentials.createInsecure());
  try {
    const query = ScanQuery.fromPartial({
      strategies: [
        Strategy.STRATEGY_BULL_PUT,
        Strategy.STRATEGY_BEAR_CALL,
        Strategy.STRATEGY_BULL_CALL,
        Strategy.STRATEGY_BEAR_PUT,
        Strategy.STRATEGY_IRON_CONDOR,
        Strategy.STRATEGY_IRON_BUTTERFLY,
      ],
      filters: { maxDte: 45, maxWidth: 5, maxShortDelta: 0.3, ...(minPop === undefined ? {} : { minPop }) },
      sort: SortKey.SORT_KEY_SCORE,
      limit: 20,
    });
    return await callUnary(client.scan.bind(client), ScanRequest.fromPartial({ symbol, query }));
  } finally {
    client.close();
  }
}

describe("the page, in Chromium", () => {
  it("loads with its scan form and strategies", async () => {
    const page = await openPage();
    expect(await page.title()).toBe("spreadscan");
    expect(await page.locator('input[name="query.strategies"]').count()).toBe(10);
    expect(await page.locator('input[name="query.strategies"]:checked').count()).toBe(6);
    await page.close();
  });

  it("a scan shows the rows the coordinator's Scan answers for the same query", async () => {
    const page = await openPage();
    await page.fill('input[name="symbol"]', "qqq");
    await page.click('#scan-form button[type="submit"]');
    await page.locator("#results tbody tr").first().waitFor();
    const shown = await Promise.all(
      (await page.locator("#results tbody tr").all()).map(async (row) => ({
        id: await row.getAttribute("data-spread-id"),
        cells: await row.locator("td").allTextContents(),
      })),
    );
    // The page's scan computed it; the same query straight to the coordinator is a cache hit of that job.
    const { response } = await directScan("QQQ");
    expect(response?.cacheHit).toBe(true);
    const spreads = response?.result?.spreads ?? [];
    expect(spreads.length).toBeGreaterThan(0);
    expect(shown.map((row) => row.id)).toEqual(spreads.map((spread) => spread.id));
    shown.forEach((row, index) => {
      const spread = spreads[index]!;
      expect(row.cells[0]).toBe(String(index + 1));
      expect(row.cells[1]).toBe("QQQ");
      expect(row.cells[3]).toBe(spread.expiryDate);
      expect(row.cells[5]).toBe(spread.legs.map((leg) => String(leg.strike)).join("/"));
      expect(row.cells[8]).toBe(`${(spread.pop * 100).toFixed(1)}%`);
      const markers = `${spread.earningsBeforeExpiry === true ? "E" : ""}${spread.exDividendBeforeExpiry === true ? "D" : ""}${spread.earlyAssignmentRisk === true ? "A" : ""}`;
      expect(row.cells[11]).toBe(markers);
    });
    // Above the table, the line the CLI prints for the coordinator's own result.
    const line = response?.result ? formatMarketContextLine(response.result) : undefined;
    expect(line).toMatch(/^QQQ 30d IV /);
    expect(await page.textContent("#market-context")).toBe(line);
    await page.close();
  });

  it("live: the table follows the watch as the market ticks, each update marking exactly the spreads it added", async () => {
    const page = await openPage();
    await page.fill('input[name="symbol"]', "IWM");
    await page.check('input[name="watch"]');
    await page.click('#scan-form button[type="submit"]');
    expect(await page.isVisible("#stop-watch")).toBe(true);
    // Each look at the table is one evaluation in the page, so it never straddles an update.
    await expect.poll(async () => (await look(page)).sequence, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    const first = await look(page);
    expect(first.rows.length).toBeGreaterThan(0);
    // The snapshot marks nothing.
    if (first.sequence === 1) expect(first.rows.filter((row) => row.changed)).toEqual([]);
    // Each later update marks exactly what was not in the table before it (checked for updates
    // seen one after the other), and the market moves some figure: followed until both are seen.
    let previous = first;
    let consecutive = 0;
    let moved = false;
    for (let updates = 0; updates < 20 && !(consecutive >= 3 && moved); updates++) {
      await expect.poll(async () => (await look(page)).sequence, { timeout: 30_000, interval: 50 }).toBeGreaterThan(previous.sequence);
      const now = await look(page);
      if (now.sequence === previous.sequence + 1) {
        const before = new Set(previous.rows.map((row) => row.id));
        expect(now.rows.filter((row) => row.changed).map((row) => row.id)).toEqual(now.rows.map((row) => row.id).filter((id) => !before.has(id)));
        consecutive++;
      }
      moved ||= JSON.stringify(now.rows.map((row) => row.cells)) !== JSON.stringify(first.rows.map((row) => row.cells));
      previous = now;
    }
    expect(consecutive).toBeGreaterThanOrEqual(3);
    expect(moved).toBe(true);
    await page.click("#stop-watch");
    expect(await page.isVisible("#stop-watch")).toBe(false);
    await page.close();
  });

  it("a selected iron condor shows its legs and a payoff chart whose breakevens are the spread's", async () => {
    const page = await openPage();
    await page.fill('input[name="symbol"]', "AAPL");
    for (const box of await page.locator('input[name="query.strategies"]').all()) await box.setChecked(false);
    await page.check('label:has-text("iron-condor") input');
    await page.click('#scan-form button[type="submit"]');
    const rows = page.locator("#results tbody tr");
    await rows.first().waitFor();
    // By keyboard: the second row focused, then Enter.
    await rows.nth(1).focus();
    await page.keyboard.press("Enter");
    await page.locator("#payoff-chart canvas").waitFor();
    const id = await rows.nth(1).getAttribute("data-spread-id");
    expect(await rows.nth(1).getAttribute("class")).toContain("selected");

    const client = new CoordinatorServiceClient(coordinatorAddress, credentials.createInsecure());
    const { response } = await callUnary(
      client.scan.bind(client),
      ScanRequest.fromPartial({
        symbol: "AAPL",
        query: {
          strategies: [Strategy.STRATEGY_IRON_CONDOR],
          filters: { maxDte: 45, maxWidth: 5, maxShortDelta: 0.3 },
          sort: SortKey.SORT_KEY_SCORE,
          limit: 20,
        },
      }),
    );
    client.close();
    expect(response?.cacheHit).toBe(true);
    const spread = response?.result?.spreads.find((candidate) => candidate.id === id);
    expect(spread?.breakevens).toHaveLength(2);
    const drawn = ((await page.textContent("#payoff-breakevens")) ?? "").trim().split(" ").map(Number);
    expect(drawn).toHaveLength(2);
    drawn.forEach((value, index) => expect(value).toBeCloseTo(spread?.breakevens[index] ?? Number.NaN, 3));
    expect(await page.locator("#detail-legs li").count()).toBe(4);
    await page.close();
  });

  it("the side panel lists the caller's jobs and saved scans; Open shows a job's result, Run the saved scan's merged top N", async () => {
    const saved = new SavedScanServiceClient(coordinatorAddress, credentials.createInsecure());
    const jobsClient = new CoordinatorServiceClient(coordinatorAddress, credentials.createInsecure());
    try {
      const created = await callUnary(
        saved.createSavedScan.bind(saved),
        CreateSavedScanRequest.fromPartial({
          savedScan: {
            name: "page-puts",
            symbols: ["SPY", "AAPL"],
            // At most four of one symbol: the merged eight hold both.
            perSymbolLimit: 4,
            query: { strategies: [Strategy.STRATEGY_BULL_PUT], filters: { maxDte: 45, maxWidth: 5 }, sort: SortKey.SORT_KEY_SCORE, limit: 8 },
          },
        }),
      );
      expect(created.error).toBeUndefined();
      // At least one job to list, whichever tests ran before.
      expect((await directScan("MSFT")).error).toBeUndefined();
      const page = await openPage();
      const listed = page.locator('#saved-scans li[data-saved-scan="page-puts"]');
      await listed.waitFor();
      expect(await listed.textContent()).toContain("SPY AAPL");
      // The jobs listed are the coordinator's newest, in its order.
      await page.locator("#jobs li").first().waitFor();
      const { response: jobs } = await callUnary(jobsClient.listJobs.bind(jobsClient), ListJobsRequest.fromPartial({ pageSize: 10 }));
      const listedJobs = await Promise.all((await page.locator("#jobs li").all()).map((item) => item.getAttribute("data-job-id")));
      expect(listedJobs).toEqual(jobs?.jobs.map((job) => job.id));
      // Open on a job that succeeded shows, row by row, the result GetJob answers for it.
      const succeeded = jobs?.jobs.find((job) => job.state === JobState.JOB_STATE_SUCCEEDED);
      expect(succeeded).toBeDefined();
      const jobId = succeeded!.id;
      await page.getByRole("button", { name: `open job ${jobId}` }).click();
      await expect.poll(() => page.getAttribute("#results", "data-job"), { timeout: 30_000 }).toBe(jobId);
      const { response: opened } = await callUnary(jobsClient.getJob.bind(jobsClient), GetJobRequest.fromPartial({ jobId }));
      const jobSpreads = opened?.job?.result?.spreads ?? [];
      expect(jobSpreads.length).toBeGreaterThan(0);
      const openedRows = await Promise.all((await page.locator("#results tbody tr").all()).map((row) => row.getAttribute("data-spread-id")));
      expect(openedRows).toEqual(jobSpreads.map((spread) => spread.id));
      expect(await page.textContent("#result-summary")).toMatch(new RegExp(`^${jobId} · ${opened?.job?.symbol} `));

      await listed.getByRole("button", { name: "run page-puts" }).click();
      await expect.poll(() => page.getAttribute("#results", "data-saved-scan"), { timeout: 30_000 }).toBe("page-puts");
      const rows = await page.locator("#results tbody tr").all();
      const shown = await Promise.all(
        rows.map(async (row) => ({ id: await row.getAttribute("data-spread-id"), symbol: await row.locator("td").nth(1).textContent() })),
      );
      // Each symbol's scan the page's run made is in the cache: the same run now answers the same spreads.
      const { response: again } = await callUnary(saved.runSavedScan.bind(saved), RunSavedScanRequest.fromPartial({ name: "page-puts" }));
      expect(again?.result?.symbols.map((symbol) => symbol.cacheHit)).toEqual([true, true]);
      const spreads = again?.result?.spreads ?? [];
      expect(spreads.length).toBe(8);
      expect(new Set(spreads.map((spread) => spread.symbol))).toEqual(new Set(["SPY", "AAPL"]));
      expect(shown).toEqual(spreads.map((spread) => ({ id: spread.id, symbol: spread.symbol })));
      await page.close();
    } finally {
      saved.close();
      jobsClient.close();
    }
  });

  it("Edit loads a saved scan into the forms; Update changes what the forms hold and keeps every other setting", async () => {
    const saved = new SavedScanServiceClient(coordinatorAddress, credentials.createInsecure());
    try {
      const created = await callUnary(
        saved.createSavedScan.bind(saved),
        CreateSavedScanRequest.fromPartial({
          savedScan: {
            name: "page-edit",
            symbols: ["SPY", "QQQ"],
            perSymbolLimit: 3,
            query: {
              strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_IRON_CONDOR],
              // max_max_loss and the probability model: settings the page's forms do not show.
              filters: { maxDte: 40, minPop: 0.6, maxMaxLoss: 500 },
              sort: SortKey.SORT_KEY_POP,
              limit: 6,
              probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
            },
            alerts: { checkInterval: { seconds: 30n }, retention: { seconds: 7200n } },
          },
        }),
      );
      expect(created.error).toBeUndefined();
      const page = await openPage();
      const listed = page.locator('#saved-scans li[data-saved-scan="page-edit"]');
      await listed.waitFor();
      await listed.getByRole("button", { name: "edit page-edit" }).click();
      await expect.poll(() => page.getAttribute("#save-form", "data-editing")).toBe("page-edit");
      expect(await page.inputValue('input[name="symbol"]')).toBe("SPY QQQ");
      const checked = await Promise.all((await page.locator('input[name="query.strategies"]:checked').all()).map((box) => box.getAttribute("value")));
      expect(checked.map(Number).sort()).toEqual([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_IRON_CONDOR].sort());
      expect(await page.inputValue('input[name="query.filters.max_dte"]')).toBe("40");
      expect(await page.inputValue('input[name="query.filters.min_pop"]')).toBe("0.6");
      expect(await page.inputValue('input[name="query.filters.max_width"]')).toBe("");
      expect(await page.inputValue('select[name="query.sort"]')).toBe(String(SortKey.SORT_KEY_POP));
      expect(await page.inputValue('input[name="query.limit"]')).toBe("6");
      expect(await page.inputValue('input[name="saved_scan.name"]')).toBe("page-edit");
      expect(await page.isChecked('#save-form input[name="alerts"]')).toBe(true);
      expect(await page.inputValue('#save-form input[name="check_interval"]')).toBe("30");
      expect(await page.textContent('#save-form button[type="submit"]')).toBe("Update");

      await page.fill('input[name="query.filters.max_dte"]', "30");
      await page.fill('input[name="query.filters.min_pop"]', "");
      await page.fill('input[name="query.limit"]', "4");
      await page.uncheck(`input[name="query.strategies"][value="${Strategy.STRATEGY_IRON_CONDOR}"]`);
      await page.click('#save-form button[type="submit"]');
      await expect.poll(() => page.getAttribute("#save-form", "data-editing")).toBeNull();
      expect(await page.textContent('#save-form button[type="submit"]')).toBe("Save");

      const { response } = await callUnary(saved.getSavedScan.bind(saved), GetSavedScanRequest.fromPartial({ name: "page-edit" }));
      const stored = response?.savedScan;
      expect(stored?.symbols).toEqual(["SPY", "QQQ"]);
      expect(stored?.perSymbolLimit).toBe(3);
      expect(stored?.query?.strategies).toEqual([Strategy.STRATEGY_BULL_PUT]);
      expect(stored?.query?.filters).toEqual(ScanFilters.fromPartial({ maxDte: 30, maxMaxLoss: 500 }));
      expect(stored?.query?.sort).toBe(SortKey.SORT_KEY_POP);
      expect(stored?.query?.limit).toBe(4);
      expect(stored?.query?.probabilityModel).toBe(ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV);
      expect(stored?.alerts?.checkInterval).toEqual({ seconds: 30n, nanos: 0 });
      expect(stored?.alerts?.retention).toEqual({ seconds: 7200n, nanos: 0 });
      expect(stored?.updateTime?.getTime()).toBeGreaterThan(stored?.createTime?.getTime() ?? Number.POSITIVE_INFINITY);
      await page.close();
    } finally {
      saved.close();
    }
  });

  it("on a phone's width the page does not scroll sideways: only the table scrolls, inside its box", async () => {
    const page = await openPage({ width: 390, height: 844 });
    await page.fill('input[name="symbol"]', "QQQ");
    await page.click('#scan-form button[type="submit"]');
    await page.locator("#results tbody tr").first().waitFor();
    // A spread selected: its legs and chart are part of the page too.
    await page.locator("#results tbody tr").first().click();
    await page.locator("#payoff-chart canvas").waitFor();
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    // The table is wider than the phone and scrolls inside its box, which fits.
    const box = await page.locator(".table-scroll").boundingBox();
    expect(box?.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate('document.querySelector(".table-scroll").scrollWidth')).toBeGreaterThan(box?.width ?? 0);
    // The form's submit button is on screen, within the width.
    const submit = await page.locator('#scan-form button[type="submit"]').boundingBox();
    expect((submit?.x ?? 0) + (submit?.width ?? 0)).toBeLessThanOrEqual(390);
    await page.close();
  });

  it("a refused filter shows the coordinator's field violation next to that field", async () => {
    const page = await openPage();
    await page.fill('input[name="query.filters.min_pop"]', "2");
    await page.click('#scan-form button[type="submit"]');
    const violation = page.locator('[data-field="query.filters.min_pop"] .violation');
    await expect.poll(() => violation.textContent(), { timeout: 30_000 }).not.toBe("");
    const { error } = await directScan("SPY", 2);
    const expected = error ? readStatusDetails(error).fieldViolations.filter((entry) => entry.field === "query.filters.min_pop") : [];
    expect(expected).toHaveLength(1);
    expect(await violation.textContent()).toBe(expected[0]?.description);
    expect(await page.getAttribute('input[name="query.filters.min_pop"]', "aria-invalid")).toBe("true");
    // The other fields stay clear.
    expect(await page.locator('[data-field="query.filters.max_dte"] .violation').textContent()).toBe("");
    await page.close();
  });
});

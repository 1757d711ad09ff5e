// The board's universe, two-expiry and saved-scan parts in a real Chromium (Debian's, driven by
// playwright-core), served by the gateway in its own process in front of a real coordinator and
// scanner on the simulated market, which ticks every half second: a watchlist scanned shows the
// rows of the coordinator's own ScanUniverse, and watched live it follows one WatchUniverse
// stream (never one stream per symbol).
import { credentials, status } from "@grpc/grpc-js";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorServiceClient, ScanRequest } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanUniverseRequest } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import {
  AlertKind,
  CreateSavedScanRequest,
  GetSavedScanRequest,
  ListSavedScansRequest,
  SavedScanServiceClient,
  WatchAlertsRequest,
} from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { GetWatchlistRequest, UpdateWatchlistRequest, Watchlist, WatchlistServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { callUnary } from "../support/echo-server.js";
import { startPair, take, type Pair } from "../support/coordinator-pair.js";
import { look, startPageUnderTest, type PageUnderTest } from "../support/page-under-test.js";
import { REPO_ROOT } from "../support/tools.js";

let pair: Pair;
let board: PageUnderTest;
let coordinatorAddress: string;

beforeAll(async () => {
  pair = await startPair();
  coordinatorAddress = `127.0.0.1:${(await pair.coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
  board = await startPageUnderTest(coordinatorAddress);
}, 180_000);
afterAll(async () => {
  await board.close();
  pair.close();
});

/** The page's default strategies, filters and sort, as the form holds them. */
const FORM_QUERY = {
  strategies: [
    Strategy.STRATEGY_BULL_PUT,
    Strategy.STRATEGY_BEAR_CALL,
    Strategy.STRATEGY_BULL_CALL,
    Strategy.STRATEGY_BEAR_PUT,
    Strategy.STRATEGY_IRON_CONDOR,
    Strategy.STRATEGY_IRON_BUTTERFLY,
  ],
  filters: { maxDte: 45, maxWidth: 5, maxShortDelta: 0.3 },
  sort: SortKey.SORT_KEY_SCORE,
  limit: 20,
};

async function saveWatchlist(name: string, symbols: string[]): Promise<void> {
  const client = new WatchlistServiceClient(coordinatorAddress, credentials.createInsecure());
  try {
    const saved = await callUnary(client.createWatchlist.bind(client), { watchlist: Watchlist.fromPartial({ name, symbols }) });
    expect(saved.error).toBeUndefined();
  } finally {
    client.close();
  }
}

describe("a universe on the board, in Chromium", () => {
  const SYMBOLS = ["QQQ", "IWM", "AAPL"];

  it("a watchlist scanned shows the rows of the coordinator's ScanUniverse for the same query", async () => {
    await saveWatchlist("board-three", SYMBOLS);
    const page = await board.open();
    try {
      await page.locator('#watchlist-choices option[value="board-three"]').waitFor({ state: "attached" });
      await page.selectOption("#watchlist-choices", "board-three");
      await page.click('#scan-form button[type="submit"]');
      await expect.poll(() => page.getAttribute("#results", "data-universe"), { timeout: 30_000 }).toBe("watchlist board-three");
      const shown = (await look(page)).rows;
      // Each symbol's scan the page made is in the cache: the same universe now answers the same spreads.
      const client = new CoordinatorServiceClient(coordinatorAddress, credentials.createInsecure());
      const { response } = await callUnary(client.scanUniverse.bind(client), ScanUniverseRequest.fromPartial({ watchlist: "board-three", query: FORM_QUERY }));
      client.close();
      expect(response?.symbols.map((symbol) => [symbol.symbol, symbol.cacheHit])).toEqual(SYMBOLS.map((symbol) => [symbol, true]));
      const spreads = response?.spreads ?? [];
      expect(spreads).toHaveLength(20);
      expect(new Set(spreads.map((spread) => spread.symbol)).size).toBeGreaterThan(1);
      expect(shown.map((row) => [row.id, row.cells[1]])).toEqual(spreads.map((spread) => [spread.id, spread.symbol]));
      expect(await page.textContent("#result-summary")).toBe("watchlist board-three: 20 spreads of 3 symbols");
    } finally {
      await page.close();
    }
  });

  it("live, several symbols follow one WatchUniverse stream, whose updates mark exactly the spreads they add", async () => {
    const page = await board.open();
    const streams: string[] = [];
    page.on("request", (request) => {
      const method = /\/spreadscan\.coordinator\.v1\.CoordinatorService\/(Watch\w+)$/.exec(request.url())?.[1];
      if (method) streams.push(method);
    });
    try {
      await page.fill('input[name="symbol"]', SYMBOLS.join(" ").toLowerCase());
      await page.check('input[name="watch"]');
      await page.click('#scan-form button[type="submit"]');
      await expect.poll(async () => (await look(page)).sequence, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(1);
      expect(await page.getAttribute("#results", "data-universe")).toBe(SYMBOLS.join(" "));
      const first = await look(page);
      expect(first.rows).toHaveLength(20);
      if (first.sequence === 1) expect(first.rows.filter((row) => row.changed)).toEqual([]);
      let previous = first;
      let consecutive = 0;
      let moved = false;
      const symbolsSeen = new Set<string>();
      for (let updates = 0; updates < 20 && !(consecutive >= 2 && moved); updates++) {
        await expect.poll(async () => (await look(page)).sequence, { timeout: 30_000, interval: 50 }).toBeGreaterThan(previous.sequence);
        const now = await look(page);
        for (const row of now.rows) symbolsSeen.add(row.cells[1] ?? "");
        if (now.sequence === previous.sequence + 1) {
          const before = new Set(previous.rows.map((row) => row.id));
          expect(now.rows.filter((row) => row.changed).map((row) => row.id)).toEqual(now.rows.map((row) => row.id).filter((id) => !before.has(id)));
          consecutive++;
        }
        // Ranked by score, best first, across the symbols.
        const scores = now.rows.map((row) => Number(row.cells[10]));
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        moved ||= JSON.stringify(now.rows.map((row) => row.cells)) !== JSON.stringify(first.rows.map((row) => row.cells));
        previous = now;
      }
      expect(consecutive).toBeGreaterThanOrEqual(2);
      expect(moved).toBe(true);
      expect([...symbolsSeen].every((symbol) => SYMBOLS.includes(symbol))).toBe(true);
      expect(symbolsSeen.size).toBeGreaterThan(1);
      // One stream for the three symbols.
      expect(streams).toEqual(["WatchUniverse"]);
      await page.click("#stop-watch");
    } finally {
      await page.close();
    }
  });
});

describe("a calendar's payoff on the board, in Chromium", () => {
  it("is drawn at the front expiry, and the breakevens where the curve crosses zero are the spread's", async () => {
    const page = await board.open();
    try {
      await page.fill('input[name="symbol"]', "MSFT");
      for (const box of await page.locator('input[name="query.strategies"]').all()) await box.setChecked(false);
      await page.check('label:has-text("call-calendar") input');
      await page.click('#scan-form button[type="submit"]');
      const rows = page.locator("#results tbody tr");
      await rows.first().waitFor();
      // By keyboard: the first row focused, then Enter.
      await rows.first().focus();
      await page.keyboard.press("Enter");
      await page.locator("#payoff-chart canvas").waitFor();
      const id = await rows.first().getAttribute("data-spread-id");
      expect(await page.textContent("#payoff-horizon")).toMatch(/^front expiry \d{4}-\d{2}-\d{2}$/);

      const client = new CoordinatorServiceClient(coordinatorAddress, credentials.createInsecure());
      const { response } = await callUnary(
        client.scan.bind(client),
        ScanRequest.fromPartial({ symbol: "MSFT", query: { ...FORM_QUERY, strategies: [Strategy.STRATEGY_CALL_CALENDAR] } }),
      );
      client.close();
      expect(response?.cacheHit).toBe(true);
      const spread = response?.result?.spreads.find((candidate) => candidate.id === id);
      expect(spread?.backExpiryDate).not.toBe("");
      // The row names both expiries: calendars of one strike differ by their back expiry alone.
      const firstRowCells = await rows.first().locator("td").allTextContents();
      expect([firstRowCells[3], firstRowCells[4]]).toEqual([`${spread?.expiryDate} / ${spread?.backExpiryDate}`, `${spread?.dte} / ${spread?.backDte}`]);
      expect(await page.textContent("#payoff-horizon")).toBe(`front expiry ${spread?.expiryDate}`);
      expect(spread?.breakevens.length).toBeGreaterThan(0);
      const drawn = ((await page.textContent("#payoff-breakevens")) ?? "").trim().split(" ").map(Number);
      expect(drawn).toHaveLength(spread?.breakevens.length ?? -1);
      drawn.forEach((value, index) => expect(value).toBeCloseTo(spread?.breakevens[index] ?? Number.NaN, 3));
      expect(await page.locator("#detail-legs li").count()).toBe(2);
    } finally {
      await page.close();
    }
  });
});

describe("saved scans and their alerts in the side panel, in Chromium", () => {
  it("creates, edits and deletes a watchlist from the panel as the coordinator keeps it; a refused symbol shows next to the symbols field", async () => {
    const page = await board.open();
    const client = new WatchlistServiceClient(coordinatorAddress, credentials.createInsecure());
    const stored = async (): Promise<string[] | undefined> =>
      (await callUnary(client.getWatchlist.bind(client), GetWatchlistRequest.fromPartial({ name: "page-made" }))).response?.watchlist?.symbols;
    const nameField = '#watchlist-form input[name="watchlist.name"]';
    const symbolsField = '#watchlist-form input[name="watchlist.symbols"]';
    const submit = '#watchlist-form button[type="submit"]';
    const listed = page.locator('#watchlists li[data-watchlist="page-made"]');
    try {
      await page.fill(nameField, "page-made");
      await page.fill(symbolsField, "spy, qqq iwm spy");
      await page.click(submit);
      await listed.waitFor();
      // Upper-cased and each once, as the coordinator keeps it; and offered to the scan form.
      expect(await stored()).toEqual(["SPY", "QQQ", "IWM"]);
      expect(await listed.textContent()).toContain("page-made: SPY QQQ IWM");
      await page.locator('#watchlist-choices option[value="page-made"]').waitFor({ state: "attached" });

      // Edit puts it in the form; saving under the same name replaces its symbols.
      await page.fill(nameField, "");
      await page.getByRole("button", { name: "edit watchlist page-made" }).click();
      expect(await page.inputValue(nameField)).toBe("page-made");
      expect(await page.inputValue(symbolsField)).toBe("SPY QQQ IWM");
      await page.fill(symbolsField, "AAPL MSFT");
      await page.click(submit);
      await expect.poll(() => listed.textContent(), { timeout: 30_000 }).toContain("page-made: AAPL MSFT");
      expect(await stored()).toEqual(["AAPL", "MSFT"]);

      // A symbol the coordinator refuses: its own violation next to the symbols field, the watchlist as it was.
      await page.fill(symbolsField, "AAPL BAD$");
      await page.click(submit);
      const symbolsViolation = page.locator('#watchlist-form [data-field="watchlist.symbols"] .violation');
      await expect.poll(() => symbolsViolation.textContent(), { timeout: 30_000 }).not.toBe("");
      const refused = await callUnary(
        client.updateWatchlist.bind(client),
        UpdateWatchlistRequest.fromPartial({ watchlist: { name: "page-made", symbols: ["AAPL", "BAD$"] } }),
      );
      const expected = refused.error ? readStatusDetails(refused.error).fieldViolations.find((entry) => entry.field === "watchlist.symbols[1]") : undefined;
      expect(expected).toBeDefined();
      expect(await symbolsViolation.textContent()).toBe(expected?.description);
      expect(await page.textContent('#watchlist-form [data-field="watchlist.name"] .violation')).toBe("");
      expect(await stored()).toEqual(["AAPL", "MSFT"]);

      await page.getByRole("button", { name: "delete watchlist page-made" }).click();
      await listed.waitFor({ state: "detached" });
      const gone = await callUnary(client.getWatchlist.bind(client), GetWatchlistRequest.fromPartial({ name: "page-made" }));
      expect(gone.error?.code).toBe(status.NOT_FOUND);
      await page.locator('#watchlist-choices option[value="page-made"]').waitFor({ state: "detached" });
    } finally {
      client.close();
      await page.close();
    }
  });

  it("saves the form's scan with alerts, shows its alert events as WatchAlerts sends them, and deletes it", async () => {
    const page = await board.open();
    const saved = new SavedScanServiceClient(coordinatorAddress, credentials.createInsecure());
    try {
      await page.fill('input[name="symbol"]', "spy");
      await page.fill('input[name="query.limit"]', "5");
      // A name the coordinator refuses: its own violation next to the name field.
      await page.fill('input[name="saved_scan.name"]', "no spaces");
      await page.click('#save-form button[type="submit"]');
      const nameViolation = page.locator('#save-form [data-field="saved_scan.name"] .violation');
      await expect.poll(() => nameViolation.textContent(), { timeout: 30_000 }).not.toBe("");
      const refused = await callUnary(
        saved.createSavedScan.bind(saved),
        CreateSavedScanRequest.fromPartial({ savedScan: { name: "no spaces", symbols: ["SPY"] } }),
      );
      const expected = refused.error ? readStatusDetails(refused.error).fieldViolations.find((entry) => entry.field === "saved_scan.name") : undefined;
      expect(await nameViolation.textContent()).toBe(expected?.description);

      // By keyboard: the name typed, the alerts box ticked with Space, the interval set, Enter.
      await page.fill('input[name="saved_scan.name"]', "board-alerts");
      await page.focus('#save-form input[name="alerts"]');
      await page.keyboard.press("Space");
      await page.fill('#save-form input[name="check_interval"]', "10");
      await page.focus('input[name="saved_scan.name"]');
      await page.keyboard.press("Enter");
      const listed = page.locator('#saved-scans li[data-saved-scan="board-alerts"]');
      await listed.waitFor();
      expect(await listed.textContent()).toContain("board-alerts: SPY · alerts every 10 s");
      expect(await nameViolation.textContent()).toBe("");
      // Stored as the form held it.
      const { response: stored } = await callUnary(saved.getSavedScan.bind(saved), GetSavedScanRequest.fromPartial({ name: "board-alerts" }));
      expect(stored?.savedScan?.symbols).toEqual(["SPY"]);
      expect(stored?.savedScan?.query).toMatchObject({ ...FORM_QUERY, limit: 5 });
      expect(stored?.savedScan?.alerts?.checkInterval).toEqual({ seconds: 10n, nanos: 0 });

      await listed.getByRole("button", { name: "alerts of board-alerts" }).focus();
      await page.keyboard.press("Enter");
      // The first check finds the whole top N: five spreads entered.
      const events = page.locator("#alert-events li");
      await expect.poll(() => events.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
      const shown = (
        await Promise.all(
          (await events.all()).map(async (item) => ({
            sequence: Number(await item.getAttribute("data-sequence")),
            kind: await item.getAttribute("data-kind"),
            spreadId: await item.getAttribute("data-spread-id"),
          })),
        )
      ).sort((a, b) => a.sequence - b.sequence);
      const direct = saved.watchAlerts(WatchAlertsRequest.fromPartial({ savedScan: "board-alerts" }));
      const sent = (await take(direct, shown.length)).map(({ event }) => ({
        sequence: Number(event?.sequence),
        kind: event?.kind === AlertKind.ALERT_KIND_ENTERED ? "entered" : "left",
        spreadId: event?.spread?.id,
      }));
      expect(shown).toEqual(sent);
      expect(sent.slice(0, 5).map((event) => event.kind)).toEqual(Array(5).fill("entered"));

      await listed.getByRole("button", { name: "delete board-alerts" }).focus();
      await page.keyboard.press("Enter");
      await listed.waitFor({ state: "detached" });
      expect(await page.isHidden("#alerts")).toBe(true);
      const { response: left } = await callUnary(saved.listSavedScans.bind(saved), ListSavedScansRequest.fromPartial({}));
      expect(left?.savedScans.map((scan) => scan.name)).not.toContain("board-alerts");
    } finally {
      saved.close();
      await page.close();
    }
  });
});

describe("the board's pictures, in Chromium", () => {
  /** Written to docs/images only when asked: make test leaves the checkout as it was. */
  const imagesDir = process.env.UPDATE_SCREENSHOTS === "1" ? join(REPO_ROOT, "docs", "images") : undefined;

  async function boardWithEverything(page: Page): Promise<void> {
    await page.selectOption("#watchlist-choices", "board-pictures");
    for (const box of await page.locator('input[name="query.strategies"]').all()) await box.setChecked(false);
    await page.check('label:has-text("call-calendar") input');
    await page.check('label:has-text("put-calendar") input');
    await page.fill('input[name="query.limit"]', "8");
    await page.click('#scan-form button[type="submit"]');
    await expect.poll(() => page.getAttribute("#results", "data-universe"), { timeout: 30_000 }).toBe("watchlist board-pictures");
    await page.locator("#results tbody tr").first().click();
    await page.locator("#payoff-chart canvas").waitFor();
    await page.locator('#saved-scans li[data-saved-scan="board-pictures"]').getByRole("button", { name: "alerts of board-pictures" }).click();
    await page.locator("#alert-events li").first().waitFor({ timeout: 30_000 });
  }

  it("at 1280×800 and on a phone's 390×844, a universe with a calendar's payoff and alerts open, the page never scrolls sideways", async () => {
    await saveWatchlist("board-pictures", ["SPY", "QQQ", "AAPL"]);
    const saved = new SavedScanServiceClient(coordinatorAddress, credentials.createInsecure());
    try {
      const created = await callUnary(
        saved.createSavedScan.bind(saved),
        CreateSavedScanRequest.fromPartial({
          savedScan: { name: "board-pictures", watchlist: "board-pictures", query: { ...FORM_QUERY, limit: 5 }, alerts: { checkInterval: { seconds: 10 } } },
        }),
      );
      expect(created.error).toBeUndefined();
    } finally {
      saved.close();
    }
    for (const [name, viewport] of [
      ["board-desktop.png", { width: 1280, height: 800 }],
      ["board-phone.png", { width: 390, height: 844 }],
    ] as const) {
      const page = await board.open(viewport);
      try {
        await boardWithEverything(page);
        expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(viewport.width);
        const picture = await page.screenshot({ fullPage: true, ...(imagesDir ? { path: join(imagesDir, name) } : {}) });
        expect(picture.length).toBeGreaterThan(10_000);
      } finally {
        await page.close();
      }
    }
  });
});

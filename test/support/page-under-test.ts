// What every browser test file starts once: the page built by Vite into a temporary directory,
// the gateway as its own process serving it in front of a given coordinator, and Debian's
// Chromium driven by playwright-core (no browser download; root needs --no-sandbox).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { spawnService, type ServiceProcess } from "./service-process.js";
import { projectTool, runTool } from "./tools.js";

const CHROMIUM = "/usr/bin/chromium";

export interface PageUnderTest {
  readonly baseUrl: string;
  readonly browser: Browser;
  readonly gateway: ServiceProcess;
  /** A new tab on the page, 1280×800 unless told. */
  open(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startPageUnderTest(coordinatorAddress: string): Promise<PageUnderTest> {
  const pageDir = mkdtempSync(join(tmpdir(), "spreadscan-page-"));
  const build = await runTool(projectTool("node_modules/.bin/vite"), ["build", "--config", "web/vite.config.ts", "--outDir", pageDir], { timeoutMs: 120_000 });
  if (build.exitCode !== 0) throw new Error(`vite build failed: ${build.stdout}${build.stderr}`);
  const gateway = spawnService("services/gateway/main.ts", {
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    COORDINATOR_ADDR: coordinatorAddress,
    GATEWAY_PAGE_DIR: pageDir,
  });
  const baseUrl = `http://127.0.0.1:${(await gateway.waitForLog((line) => line.msg === "listening")).port as number}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
  return {
    baseUrl,
    browser,
    gateway,
    async open(viewport = { width: 1280, height: 800 }) {
      const page = await browser.newPage({ viewport });
      await page.goto(baseUrl);
      return page;
    },
    async close() {
      await browser.close();
      gateway.kill();
      rmSync(pageDir, { recursive: true, force: true });
    },
  };
}

/** What the results table shows at one instant: the update's sequence and each row. */
export interface TableLook {
  readonly sequence: number;
  readonly rows: readonly { readonly id: string | null; readonly changed: boolean; readonly cells: readonly (string | null)[] }[];
}

/** Evaluated in the page, in one evaluation (a string: the tests' TypeScript has no DOM types). */
const TABLE_LOOK = `(() => {
  const table = document.querySelector("#results");
  return {
    sequence: Number(table.getAttribute("data-sequence") ?? 0),
    rows: [...table.tBodies[0].rows].map((row) => ({
      id: row.getAttribute("data-spread-id"),
      changed: row.classList.contains("changed"),
      cells: [...row.cells].map((cell) => cell.textContent),
    })),
  };
})()`;

/** The results table as the page shows it now. */
export const look = (page: Page): Promise<TableLook> => page.evaluate<TableLook>(TABLE_LOOK);

// The page: a scan form and the spreads the coordinator ranks for it, once or live.
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import type { ScanResult } from "../../gen/es/spreadscan/scanner/v1/scan_result_pb.js";
import type { RunSavedScanResponse } from "../../gen/es/spreadscan/coordinator/v1/saved_scan_pb.js";
import type { Spread } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { coordinator, savedScans } from "./coordinator.js";
import { required } from "./dom.js";
import { stopWatch, watch } from "./live-watch.js";
import { showMarketContext } from "./market-context.js";
import { showMarketState } from "./market-state.js";
import { onRowSelected, resultSummary, showRows, universeSummary } from "./results-table.js";
import { refreshPanel } from "./side-panel.js";
import { showSpread } from "./spread-detail.js";
import { fillChoices, requestFrom, showViolations } from "./scan-form.js";

const form = required<HTMLFormElement>(document, "#scan-form");
const table = required<HTMLTableElement>(document, "#results");
const summary = required<HTMLElement>(document, "#result-summary");
const banner = required<HTMLElement>(document, "#market-state");
const stop = required<HTMLButtonElement>(document, "#stop-watch");
const live = required<HTMLInputElement>(form, 'input[name="watch"]');
const detail = required<HTMLElement>(document, "#spread-detail");
const context = required<HTMLElement>(document, "#market-context");
const jobList = required<HTMLElement>(document, "#jobs");
const savedList = required<HTMLElement>(document, "#saved-scans");
fillChoices(form);

/** What the table shows now: one symbol's scan, or a saved scan's run; and the spread selected in it. */
let shown: ScanResult | undefined;
let run: RunSavedScanResponse | undefined;
let selectedId = "";

/** The underlying price a spread's chart marks: its symbol's in a run of several. */
function underlyingOf(spread: Spread | undefined): number {
  if (!run) return shown?.underlyingPrice ?? 0;
  return run.result?.symbols.find((symbol) => symbol.symbol === spread?.symbol)?.result?.underlyingPrice ?? 0;
}

function render(changed: ReadonlySet<string> = new Set()): void {
  const spreads = (run ? run.result?.spreads : shown?.spreads) ?? [];
  const selected = spreads.find((spread) => spread.id === selectedId);
  if (!selected) selectedId = "";
  showRows(table, spreads, changed, selectedId);
  summary.textContent = run ? universeSummary(run) : resultSummary(shown);
  showMarketContext(context, run ? undefined : shown);
  showSpread(detail, selected, underlyingOf(selected));
}

function show(result: ScanResult | undefined, changed: ReadonlySet<string> = new Set()): void {
  shown = result;
  run = undefined;
  table.removeAttribute("data-saved-scan");
  render(changed);
}

/** Runs a saved scan and shows its merged top N (the saved scan's name on the table says whose). */
async function runSaved(name: string): Promise<void> {
  stopWatch();
  showMarketState(banner, undefined);
  table.removeAttribute("data-sequence");
  try {
    const response = await savedScans.runSavedScan({ name });
    showViolations(form, []);
    shown = undefined;
    run = response;
    table.dataset.savedScan = name;
    render();
  } catch (error) {
    showRefusal(error);
  }
  void panel();
}

/** The side panel, refreshed after each scan; a panel that cannot load says so in its place. */
async function panel(): Promise<void> {
  try {
    await refreshPanel(jobList, savedList, (name) => void runSaved(name));
  } catch (error) {
    jobList.textContent = ConnectError.from(error).message;
  }
}
void panel();

onRowSelected(table, (spreadId) => {
  selectedId = spreadId;
  render();
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  stopWatch();
  void (live.checked ? watchLive() : scan());
});
stop.addEventListener("click", () => {
  stopWatch();
  stop.hidden = true;
});

/** A refused call's field violations next to their fields, or its message under the form. */
function showRefusal(error: unknown): void {
  const refusal = ConnectError.from(error);
  const violations = refusal.findDetails(BadRequestSchema).flatMap((detail) => detail.fieldViolations);
  showViolations(form, violations, violations.length === 0 ? refusal.message : "");
  show(undefined);
}

async function scan(): Promise<void> {
  form.setAttribute("aria-busy", "true");
  showMarketState(banner, undefined);
  table.removeAttribute("data-sequence");
  try {
    const response = await coordinator.scan(requestFrom(form));
    showViolations(form, []);
    show(response.result);
  } catch (error) {
    showRefusal(error);
  } finally {
    form.removeAttribute("aria-busy");
  }
  void panel();
}

async function watchLive(): Promise<void> {
  stop.hidden = false;
  showMarketState(banner, undefined);
  try {
    await watch(requestFrom(form), {
      update: (update) => {
        showViolations(form, []);
        // The first message is a snapshot: nothing in it is news.
        show(update.result, new Set(update.initial ? [] : update.addedIds));
        table.dataset.sequence = String(update.sequence);
      },
      status: (status) => showMarketState(banner, status),
    });
  } catch (error) {
    showRefusal(error);
  } finally {
    stop.hidden = true;
  }
}

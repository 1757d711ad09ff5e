// The page: a scan form and the spreads the coordinator ranks for it, once or live, for one
// symbol or a universe (several symbols, or a watchlist); beside it the caller's saved scans,
// watchlists and jobs.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import type { ScanResult } from "../../gen/es/spreadscan/scanner/v1/scan_result_pb.js";
import type { Spread } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { alertsShownFor, closeAlerts, showAlerts } from "./alert-feed.js";
import { coordinator, savedScans, watchlists } from "./coordinator.js";
import type { ChainFigures } from "./front-expiry-payoff.js";
import { required } from "./dom.js";
import { stopWatch, watch, watchUniverse } from "./live-watch.js";
import { showMarketContext } from "./market-context.js";
import { showMarketState, showMarketStates } from "./market-state.js";
import { onRowSelected, resultSummary, showRows, universeSummary, type UniverseShown } from "./results-table.js";
import { editSavedScan, saveScan } from "./save-form.js";
import { refreshPanel } from "./side-panel.js";
import { showSpread } from "./spread-detail.js";
import { saveWatchlist, showWatchlists } from "./watchlist-form.js";
import { fillChoices, requestFrom, showViolations } from "./scan-form.js";
import { fillWatchlists, universeName, universeOf, type UniverseRequest } from "./scope.js";

const form = required<HTMLFormElement>(document, "#scan-form");
const table = required<HTMLTableElement>(document, "#results");
const summary = required<HTMLElement>(document, "#result-summary");
const banner = required<HTMLElement>(document, "#market-state");
const stop = required<HTMLButtonElement>(document, "#stop-watch");
const live = required<HTMLInputElement>(form, 'input[name="watch"]');
const watchlistChoice = required<HTMLSelectElement>(form, "#watchlist-choices");
const detail = required<HTMLElement>(document, "#spread-detail");
const context = required<HTMLElement>(document, "#market-context");
const jobList = required<HTMLElement>(document, "#jobs");
const savedList = required<HTMLElement>(document, "#saved-scans");
const saveForm = required<HTMLFormElement>(document, "#save-form");
const alertsPanel = required<HTMLElement>(document, "#alerts");
const watchlistForm = required<HTMLFormElement>(document, "#watchlist-form");
const watchlistList = required<HTMLElement>(document, "#watchlists");
fillChoices(form);

/** What the table shows now: one symbol's scan, or a universe's merged top N; and the spread selected in it. */
let shown: ScanResult | undefined;
let universe: UniverseShown | undefined;
let selectedId = "";
/** The job whose result is shown when it was opened from the panel, else "". */
let openedJob = "";

/** The chain figures a spread's chart needs: its symbol's in a universe. */
function chainOf(spread: Spread | undefined): ChainFigures {
  const result = universe ? universe.symbols.find((symbol) => symbol.symbol === spread?.symbol)?.result : shown;
  return {
    underlying: result?.underlyingPrice ?? 0,
    asOf: result?.chainAsOf ? timestampDate(result.chainAsOf) : undefined,
    rate: result?.rate ?? 0,
    dividendYield: result?.dividendYield ?? 0,
  };
}

function render(changed: ReadonlySet<string> = new Set()): void {
  const spreads = (universe ? universe.spreads : shown?.spreads) ?? [];
  const selected = spreads.find((spread) => spread.id === selectedId);
  if (!selected) selectedId = "";
  showRows(table, spreads, changed, selectedId);
  summary.textContent = universe ? universeSummary(universe) : `${openedJob === "" ? "" : `${openedJob} · `}${resultSummary(shown)}`;
  showMarketContext(context, universe ? undefined : shown);
  showSpread(detail, selected, chainOf(selected));
}

/** Where a result shown came from, when not from the form: the saved scan run, or the job opened. */
interface Origin {
  readonly savedScan?: string;
  readonly job?: string;
}

/** Shows one symbol's result, or (with `several`) a universe's, with the spreads `changed` marked. */
function show(result: ScanResult | undefined, several?: UniverseShown, changed: ReadonlySet<string> = new Set(), origin: Origin = {}): void {
  shown = result;
  universe = several;
  openedJob = origin.job ?? "";
  if (origin.savedScan === undefined) table.removeAttribute("data-saved-scan");
  else table.dataset.savedScan = origin.savedScan;
  if (origin.job === undefined) table.removeAttribute("data-job");
  else table.dataset.job = origin.job;
  if (several) table.dataset.universe = several.name;
  else table.removeAttribute("data-universe");
  render(changed);
}

/** Ends a watch and clears what it said: the banner and the update's number. */
function quiet(): void {
  stopWatch();
  showMarketState(banner, undefined);
  table.removeAttribute("data-sequence");
}

/** Runs a saved scan and shows its merged top N (the saved scan's name on the table says whose). */
async function runSaved(name: string): Promise<void> {
  quiet();
  try {
    const response = await savedScans.runSavedScan({ name });
    showViolations(form, []);
    show(undefined, { name: response.savedScan?.name ?? name, spreads: response.result?.spreads ?? [], symbols: response.result?.symbols ?? [] }, new Set(), {
      savedScan: name,
    });
  } catch (error) {
    showRefusal(error);
  }
  void panel();
}

/** Shows a finished job's result as its scan showed it; the summary and the table name the job. */
async function openJob(id: string): Promise<void> {
  quiet();
  try {
    const { job } = await coordinator.getJob({ jobId: id });
    showViolations(form, []);
    show(job?.result, undefined, new Set(), { job: id });
  } catch (error) {
    showRefusal(error);
  }
}

/** Deletes a saved scan (its alerts with it) and lists what is left. */
async function removeSaved(name: string): Promise<void> {
  try {
    await savedScans.deleteSavedScan({ name });
    if (alertsShownFor() === name) closeAlerts(alertsPanel);
  } catch (error) {
    required(saveForm, "#save-error").textContent = ConnectError.from(error).message;
  }
  await panel();
}

/** The caller's watchlists, in the panel and in the scan form's choice. */
async function refreshWatchlists(): Promise<void> {
  const { watchlists: lists } = await watchlists.listWatchlists({});
  fillWatchlists(watchlistChoice, lists);
  showWatchlists(watchlistList, watchlistForm, lists, refreshWatchlists);
}

/** The side panel and the watchlists to choose from, refreshed after each scan; a panel that cannot load says so in its place. */
async function panel(): Promise<void> {
  try {
    await Promise.all([
      refreshPanel(jobList, savedList, {
        openJob: (id) => void openJob(id),
        run: (name) => void runSaved(name),
        edit: (name) => void editSavedScan(name, saveForm, form).catch((error: unknown) => showRefusal(error)),
        alerts: (name) => void showAlerts(alertsPanel, name),
        remove: (name) => void removeSaved(name),
      }),
      refreshWatchlists(),
    ]);
  } catch (error) {
    jobList.textContent = ConnectError.from(error).message;
  }
}
void panel();

watchlistForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void saveWatchlist(watchlistForm).then(async (saved) => {
    if (saved) await refreshWatchlists();
  });
});

saveForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void saveScan(saveForm, form).then(async (saved) => {
    if (!saved) return;
    required<HTMLInputElement>(saveForm, 'input[name="saved_scan.name"]').value = "";
    await panel();
  });
});
required(alertsPanel, "#close-alerts").addEventListener("click", () => closeAlerts(alertsPanel));

onRowSelected(table, (spreadId) => {
  selectedId = spreadId;
  render();
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  quiet();
  const request = requestFrom(form);
  const several = universeOf(form, request);
  if (several) void (live.checked ? watchUniverseLive(several) : scanUniverse(several));
  else void (live.checked ? watchLive() : scan());
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

/** Runs one call with the form marked busy, shows its refusal if any, then refreshes the panel. */
async function busy(call: () => Promise<void>): Promise<void> {
  form.setAttribute("aria-busy", "true");
  try {
    await call();
    showViolations(form, []);
  } catch (error) {
    showRefusal(error);
  } finally {
    form.removeAttribute("aria-busy");
  }
  void panel();
}

const scan = (): Promise<void> =>
  busy(async () => {
    show((await coordinator.scan(requestFrom(form))).result);
  });

const scanUniverse = (request: UniverseRequest): Promise<void> =>
  busy(async () => {
    const response = await coordinator.scanUniverse(request);
    show(undefined, { name: universeName(request), spreads: response.spreads, symbols: response.symbols });
  });

/** Runs a watch until it ends, with Stop shown meanwhile; a refusal shows as a scan's would. */
async function following(run: () => Promise<void>): Promise<void> {
  stop.hidden = false;
  try {
    await run();
  } catch (error) {
    showRefusal(error);
  } finally {
    stop.hidden = true;
  }
}

const watchLive = (): Promise<void> =>
  following(() =>
    watch(requestFrom(form), {
      update: (update) => {
        showViolations(form, []);
        // The first message is a snapshot: nothing in it is news.
        show(update.result, undefined, new Set(update.initial ? [] : update.addedIds));
        table.dataset.sequence = String(update.sequence);
      },
      status: (status) => showMarketState(banner, status),
    }),
  );

const watchUniverseLive = (request: UniverseRequest): Promise<void> =>
  following(() =>
    watchUniverse(request, (message) => {
      showViolations(form, []);
      const several = { name: universeName(request), spreads: message.spreads, symbols: message.symbols };
      show(undefined, several, new Set(message.initial ? [] : message.addedIds));
      table.dataset.sequence = String(message.sequence);
      // Every message lists each symbol whose quotes are not live: none listed, none to show.
      showMarketStates(banner, message.marketData);
    }),
  );

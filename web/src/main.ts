// The page: a scan form and the spreads the coordinator ranks for it, once or live.
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import type { ScanResult } from "../../gen/es/spreadscan/scanner/v1/scan_result_pb.js";
import { coordinator } from "./coordinator.js";
import { required } from "./dom.js";
import { stopWatch, watch } from "./live-watch.js";
import { showMarketContext } from "./market-context.js";
import { showMarketState } from "./market-state.js";
import { onRowSelected, showResult } from "./results-table.js";
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
fillChoices(form);

/** What the table shows now, and the spread selected in it. */
let shown: ScanResult | undefined;
let selectedId = "";

function show(result: ScanResult | undefined, changed: ReadonlySet<string> = new Set()): void {
  shown = result;
  const selected = result?.spreads.find((spread) => spread.id === selectedId);
  if (!selected) selectedId = "";
  showResult(table, summary, result, changed, selectedId);
  showMarketContext(context, result);
  showSpread(detail, selected, result?.underlyingPrice ?? 0);
}

onRowSelected(table, (spreadId) => {
  selectedId = spreadId;
  show(shown);
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

// The page: a scan form and the spreads the coordinator ranks for it, once or live.
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { coordinator } from "./coordinator.js";
import { required } from "./dom.js";
import { stopWatch, watch } from "./live-watch.js";
import { showMarketState } from "./market-state.js";
import { showResult } from "./results-table.js";
import { fillChoices, requestFrom, showViolations } from "./scan-form.js";

const form = required<HTMLFormElement>(document, "#scan-form");
const table = required<HTMLTableElement>(document, "#results");
const summary = required<HTMLElement>(document, "#result-summary");
const banner = required<HTMLElement>(document, "#market-state");
const stop = required<HTMLButtonElement>(document, "#stop-watch");
const live = required<HTMLInputElement>(form, 'input[name="watch"]');
fillChoices(form);

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
  showResult(table, summary, undefined);
}

async function scan(): Promise<void> {
  form.setAttribute("aria-busy", "true");
  showMarketState(banner, undefined);
  table.removeAttribute("data-sequence");
  try {
    const response = await coordinator.scan(requestFrom(form));
    showViolations(form, []);
    showResult(table, summary, response.result);
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
        showResult(table, summary, update.result, new Set(update.initial ? [] : update.addedIds));
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

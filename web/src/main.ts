// The page: a scan form and the spreads the coordinator ranks for it.
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { coordinator } from "./coordinator.js";
import { required } from "./dom.js";
import { showResult } from "./results-table.js";
import { fillChoices, requestFrom, showViolations } from "./scan-form.js";

const form = required<HTMLFormElement>(document, "#scan-form");
const table = required<HTMLTableElement>(document, "#results");
const summary = required<HTMLElement>(document, "#result-summary");
fillChoices(form);

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void scan();
});

async function scan(): Promise<void> {
  form.setAttribute("aria-busy", "true");
  try {
    const response = await coordinator.scan(requestFrom(form));
    showViolations(form, []);
    showResult(table, summary, response.result);
  } catch (error) {
    const refusal = ConnectError.from(error);
    const violations = refusal.findDetails(BadRequestSchema).flatMap((detail) => detail.fieldViolations);
    showViolations(form, violations, violations.length === 0 ? refusal.message : "");
    showResult(table, summary, undefined);
  } finally {
    form.removeAttribute("aria-busy");
  }
}

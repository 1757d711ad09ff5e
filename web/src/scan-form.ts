// The scan form: its fields are named by their path in ScanRequest ("query.filters.min_pop"),
// so a field violation from the coordinator lands next to the field it names.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ScanRequestSchema } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { SortKey, type ScanQuery } from "../../gen/es/spreadscan/scanner/v1/query_pb.js";
import { required } from "./dom.js";
import { DEFAULT_STRATEGIES, SORT_LABELS, STRATEGY_LABELS } from "./enum-labels.js";

export type ScanRequestInit = MessageInitShape<typeof ScanRequestSchema>;

export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

const SORT_KEYS: ReadonlyMap<number, SortKey> = new Map(
  Object.values(SortKey)
    .filter((value): value is SortKey => typeof value === "number")
    .map((key) => [key, key]),
);

const FILTERS = ["min_dte", "max_dte", "max_width", "max_short_delta", "min_pop"] as const;
const CAMEL: Record<(typeof FILTERS)[number], string> = {
  min_dte: "minDte",
  max_dte: "maxDte",
  max_width: "maxWidth",
  max_short_delta: "maxShortDelta",
  min_pop: "minPop",
};

export function fillChoices(form: HTMLFormElement): void {
  const strategies = form.querySelector<HTMLElement>("#strategy-choices");
  for (const [value, name] of STRATEGY_LABELS) {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" name="query.strategies" value="${value}"${DEFAULT_STRATEGIES.has(value) ? " checked" : ""} /> ${name}`;
    strategies?.append(label);
  }
  const sort = form.querySelector<HTMLSelectElement>("#sort-choices");
  for (const [value, name] of SORT_LABELS) sort?.append(new Option(name, String(value), value === 1, value === 1));
}

/** A number field as the user left it: absent when empty, NaN when not a number (the coordinator says why). */
function numberOf(form: HTMLFormElement, name: string): number | undefined {
  const input = form.elements.namedItem(name) as HTMLInputElement | null;
  const text = input?.value.trim() ?? "";
  return text === "" ? undefined : Number(text);
}

/** The select's value as its SortKey (the options hold nothing else). */
function sortKeyOf(value: number): SortKey {
  return SORT_KEYS.get(value) ?? SortKey.UNSPECIFIED;
}

export function requestFrom(form: HTMLFormElement): ScanRequestInit {
  const data = new FormData(form);
  const filters: Record<string, number> = {};
  for (const filter of FILTERS) {
    const value = numberOf(form, `query.filters.${filter}`);
    if (value !== undefined) filters[CAMEL[filter]] = value;
  }
  const limit = numberOf(form, "query.limit");
  const symbol = data.get("symbol");
  return {
    symbol: typeof symbol === "string" ? symbol.trim().toUpperCase() : "",
    query: {
      strategies: data.getAll("query.strategies").map(Number),
      filters,
      sort: sortKeyOf(Number(data.get("query.sort") ?? 0)),
      ...(limit === undefined ? {} : { limit }),
    },
  };
}

/** The query fields the form holds, as ScanFilters names them: what an edit may change. */
export const FORM_FILTERS: readonly string[] = FILTERS.map((filter) => CAMEL[filter]);

/** The form set to a saved scan's symbols (or watchlist) and the query fields it holds; the rest of the query is not shown. */
export function fillForm(form: HTMLFormElement, scope: { symbols: readonly string[]; watchlist: string }, query: ScanQuery | undefined): void {
  const field = (name: string): HTMLInputElement | HTMLSelectElement => {
    const found = form.elements.namedItem(name);
    if (!(found instanceof HTMLInputElement || found instanceof HTMLSelectElement)) throw new Error(`the scan form has no ${name} field`);
    return found;
  };
  field("symbol").value = scope.watchlist === "" ? scope.symbols.join(" ") : "";
  field("watchlist").value = scope.watchlist;
  const strategies = new Set<number>(query?.strategies ?? []);
  for (const box of form.querySelectorAll<HTMLInputElement>('input[name="query.strategies"]')) box.checked = strategies.has(Number(box.value));
  const filters = query?.filters as Record<string, unknown> | undefined;
  for (const filter of FILTERS) {
    const value = filters?.[CAMEL[filter]];
    field(`query.filters.${filter}`).value = typeof value === "number" ? String(value) : "";
  }
  // Unspecified ranks by score, the option the form starts on.
  field("query.sort").value = String(query?.sort || SortKey.SCORE);
  field("query.limit").value = query?.limit === undefined ? "" : String(query.limit);
}

/** Clears the violations shown, then shows each next to its field (or under the form when no field matches). */
export function showViolations(form: HTMLFormElement, violations: readonly FieldViolation[], message = ""): void {
  for (const element of form.querySelectorAll("[data-field]")) {
    required(element, ".violation").textContent = "";
    element.querySelector("input, select")?.removeAttribute("aria-invalid");
  }
  const unplaced: string[] = message === "" ? [] : [message];
  for (const { field, description } of violations) {
    // A universe's symbols ("symbols", "symbols[2]") are typed in the symbol field.
    const element = form.querySelector(`[data-field="${CSS.escape(/^symbols(\[\d+\])?$/.test(field) ? "symbol" : field)}"]`);
    if (!element) {
      unplaced.push(`${field}: ${description}`);
      continue;
    }
    const shown = required(element, ".violation");
    shown.textContent = shown.textContent === "" ? description : `${shown.textContent}; ${description}`;
    element.querySelector("input, select")?.setAttribute("aria-invalid", "true");
  }
  // The form's own line for what no field of it names.
  required(form, 'p.violation[role="alert"]').textContent = unplaced.join("\n");
}

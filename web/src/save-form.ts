// Saving the scan the form holds, as a saved scan of its symbols or watchlist, alerting or not;
// or changing a saved scan: Edit loads it into the forms and saving under its name updates it.
// The coordinator checks it: a violation of the query, the symbols or the watchlist shows next to
// the scan form's field, one of the name or the alert settings next to the save form's.
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { savedScans } from "./coordinator.js";
import { clone, create, type MessageInitShape } from "@bufbuild/protobuf";
import type { AlertSettingsSchema, SavedScan } from "../../gen/es/spreadscan/coordinator/v1/saved_scan_pb.js";
import { ScanFiltersSchema, ScanQuerySchema, SortKey, type ScanQuery } from "../../gen/es/spreadscan/scanner/v1/query_pb.js";
import { inputOf, required } from "./dom.js";
import { fillForm, FORM_FILTERS, requestFrom, showViolations, type FieldViolation } from "./scan-form.js";
import { universeOf } from "./scope.js";

const PREFIX = "saved_scan.";
/** The saved scan's fields that the scan form holds: their violations are shown there. */
const SCAN_FORM_FIELD = /^saved_scan\.(query\.|symbols|watchlist)/;

function inputValue(form: HTMLFormElement, name: string): string {
  return inputOf(form, name).value.trim();
}

/** The saved scan Edit loaded: saving under its name updates it, keeping what the forms do not hold. */
let editing: SavedScan | undefined;

type FormQuery = NonNullable<ReturnType<typeof requestFrom>["query"]>;

function setEditing(saveForm: HTMLFormElement, saved: SavedScan | undefined): void {
  editing = saved;
  if (saved) saveForm.dataset.editing = saved.name;
  else saveForm.removeAttribute("data-editing");
  required(saveForm, 'button[type="submit"]').textContent = saved ? "Update" : "Save";
}

/** Edit: the saved scan in both forms, to change and save under its name (UpdateSavedScan). */
export async function editSavedScan(name: string, saveForm: HTMLFormElement, scanForm: HTMLFormElement): Promise<void> {
  const { savedScan } = await savedScans.getSavedScan({ name });
  if (!savedScan) return;
  fillForm(scanForm, savedScan, savedScan.query);
  inputOf(saveForm, "saved_scan.name").value = savedScan.name;
  inputOf(saveForm, "alerts").checked = savedScan.alerts !== undefined;
  inputOf(saveForm, "check_interval").value = String(savedScan.alerts?.checkInterval?.seconds ?? 60n);
  showViolations(saveForm, []);
  showViolations(scanForm, []);
  setEditing(saveForm, savedScan);
}

/**
 * The query to save: the form's, or, for the saved scan being edited, its own query with the
 * fields the form holds replaced (a filter left empty is unset); its other filters, pricing and
 * probability model stay as they were, since UpdateSavedScan replaces every setting.
 */
function queryToSave(formQuery: FormQuery, base: SavedScan | undefined): FormQuery | ScanQuery {
  if (!base?.query) return formQuery;
  const query = clone(ScanQuerySchema, base.query);
  const filters = query.filters ?? create(ScanFiltersSchema);
  const formFilters = (formQuery.filters ?? {}) as Record<string, number | undefined>;
  for (const name of FORM_FILTERS) (filters as unknown as Record<string, number | undefined>)[name] = formFilters[name];
  query.filters = filters;
  query.strategies = formQuery.strategies ?? [];
  query.sort = formQuery.sort ?? SortKey.UNSPECIFIED;
  query.limit = formQuery.limit;
  return query;
}

/** The alert settings to save: a check interval, and, for the saved scan being edited, its retention and webhook kept (its secret too: left empty, the coordinator keeps it). */
function alertsToSave(intervalSeconds: number, base: SavedScan | undefined): MessageInitShape<typeof AlertSettingsSchema> {
  return { checkInterval: { seconds: BigInt(intervalSeconds) }, retention: base?.alerts?.retention, webhook: base?.alerts?.webhook };
}

/** Creates the saved scan, or updates the one Edit loaded when saved under its name; resolves true when saved, false when refused (the violations shown). */
export async function saveScan(saveForm: HTMLFormElement, scanForm: HTMLFormElement): Promise<boolean> {
  const request = requestFrom(scanForm);
  const universe = universeOf(scanForm, request);
  const alerting = inputOf(saveForm, "alerts").checked;
  const interval = Number(inputValue(saveForm, "check_interval"));
  if (alerting && !Number.isSafeInteger(interval)) {
    showViolations(saveForm, [{ field: "saved_scan.alerts.check_interval", description: "must be a whole number of seconds" }]);
    return false;
  }
  const name = inputValue(saveForm, "saved_scan.name");
  const base = editing?.name === name ? editing : undefined;
  const savedScan = {
    name,
    symbols: universe ? universe.symbols : [request.symbol ?? ""],
    watchlist: universe?.watchlist ?? "",
    query: request.query ? queryToSave(request.query, base) : undefined,
    perSymbolLimit: base?.perSymbolLimit ?? 0,
    ...(alerting ? { alerts: alertsToSave(interval, base) } : {}),
  };
  try {
    if (base) await savedScans.updateSavedScan({ savedScan });
    else await savedScans.createSavedScan({ savedScan });
  } catch (error) {
    const refusal = ConnectError.from(error);
    const violations: FieldViolation[] = refusal.findDetails(BadRequestSchema).flatMap((detail) => detail.fieldViolations);
    const onScanForm = violations
      .filter(({ field }) => SCAN_FORM_FIELD.test(field))
      .map(({ field, description }) => ({ field: field.slice(PREFIX.length), description }));
    showViolations(scanForm, onScanForm);
    showViolations(
      saveForm,
      violations.filter(({ field }) => !SCAN_FORM_FIELD.test(field)),
      violations.length === 0 ? refusal.message : "",
    );
    return false;
  }
  showViolations(saveForm, []);
  showViolations(scanForm, []);
  setEditing(saveForm, undefined);
  return true;
}

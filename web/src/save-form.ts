// Saving the scan the form holds, as a saved scan of its symbols or watchlist, alerting or not.
// The coordinator checks it: a violation of the query, the symbols or the watchlist shows next to
// the scan form's field, one of the name or the alert settings next to the save form's.
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { savedScans } from "./coordinator.js";
import { requestFrom, showViolations, type FieldViolation } from "./scan-form.js";
import { universeOf } from "./scope.js";

const PREFIX = "saved_scan.";
/** The saved scan's fields that the scan form holds: their violations are shown there. */
const SCAN_FORM_FIELD = /^saved_scan\.(query\.|symbols|watchlist)/;

function inputValue(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? "";
}

/** Creates the saved scan; resolves true when saved, false when refused (the violations shown). */
export async function saveScan(saveForm: HTMLFormElement, scanForm: HTMLFormElement): Promise<boolean> {
  const request = requestFrom(scanForm);
  const universe = universeOf(scanForm, request);
  const alerting = (saveForm.elements.namedItem("alerts") as HTMLInputElement | null)?.checked === true;
  const interval = Number(inputValue(saveForm, "check_interval"));
  if (alerting && !Number.isSafeInteger(interval)) {
    showViolations(saveForm, [{ field: "saved_scan.alerts.check_interval", description: "must be a whole number of seconds" }]);
    return false;
  }
  try {
    await savedScans.createSavedScan({
      savedScan: {
        name: inputValue(saveForm, "saved_scan.name"),
        symbols: universe ? universe.symbols : [request.symbol ?? ""],
        watchlist: universe?.watchlist ?? "",
        query: request.query,
        ...(alerting ? { alerts: { checkInterval: { seconds: BigInt(interval) } } } : {}),
      },
    });
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
  return true;
}

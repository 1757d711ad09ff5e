// A saved scan's alerts in the side panel: WatchAlerts through the gateway, every kept event
// first, then each new one as its check finds it, newest at the top. One saved scan's at a time
// (one more stream beside a live table): opening another's, or Close, ends it.
import { ConnectError } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AlertKind, type AlertEvent } from "../../gen/es/spreadscan/coordinator/v1/saved_scan_pb.js";
import { savedScans } from "./coordinator.js";
import { required } from "./dom.js";

let running: AbortController | undefined;
/** The saved scan whose alerts are shown, or "". */
let shownFor = "";

function itemOf(event: AlertEvent): HTMLLIElement {
  const item = document.createElement("li");
  const kind = event.kind === AlertKind.ENTERED ? "entered" : event.kind === AlertKind.LEFT ? "left" : String(event.kind);
  item.dataset.sequence = String(event.sequence);
  item.dataset.kind = kind;
  item.dataset.spreadId = event.spread?.id ?? "";
  const time = event.eventTime ? timestampDate(event.eventTime).toISOString().slice(11, 19) : "";
  item.textContent = `#${event.sequence} ${time} ${kind} ${event.spread?.id ?? ""}`;
  return item;
}

export function closeAlerts(panel: HTMLElement): void {
  running?.abort();
  running = undefined;
  shownFor = "";
  panel.hidden = true;
}

export const alertsShownFor = (): string => shownFor;

/** Shows `name`'s alerts until closed; a stream that ends (the saved scan deleted, the coordinator gone) says why. */
export async function showAlerts(panel: HTMLElement, name: string): Promise<void> {
  closeAlerts(panel);
  const abort = new AbortController();
  running = abort;
  shownFor = name;
  panel.hidden = false;
  panel.dataset.savedScan = name;
  required(panel, "#alerts-heading").textContent = `Alerts of ${name}`;
  const state = required(panel, "#alerts-state");
  const list = required(panel, "#alert-events");
  state.textContent = "waiting for its checks";
  list.replaceChildren();
  try {
    for await (const { event } of savedScans.watchAlerts({ savedScan: name }, { signal: abort.signal })) {
      if (!event) continue;
      state.textContent = "";
      list.prepend(itemOf(event));
    }
    if (!abort.signal.aborted) state.textContent = "the stream ended";
  } catch (error) {
    if (!abort.signal.aborted) state.textContent = ConnectError.from(error).message;
  } finally {
    if (running === abort) running = undefined;
  }
}
